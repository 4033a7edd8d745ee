"""The process group of a tensor-parallel worker group and the collectives lmi-dist runs over it.

Rank 0 is the worker the parent talks to; it broadcasts the load options and every step message to
the other ranks (followers), and all ranks run the same forward on their shards. The group is joined
over gloo, which carries those host bytes and, on CPU, the forward's collectives; on CUDA the engine
adds an NCCL group for the forward once it knows its device. Followers wait for the next step without
limit (the server may sit idle for hours), so the groups' timeout is long: a dead rank is noticed by
the parent, which ends the group.
"""

import datetime
import io
import pickle
from typing import Any, Optional

import torch
import torch.distributed as dist

# Waiting for the next step is a collective too; idleness must not time it out.
IDLE_TIMEOUT = datetime.timedelta(days=365)
_STOP = -1  # the length broadcast in place of a message: the group is shutting down


class TensorParallel:
    """This process's rank among `size`, joined to the group at `master` (host:port of rank 0)."""

    def __init__(self, rank: int, size: int):
        self.rank = rank
        self.size = size
        self._compute = None  # the forward's group: None is the gloo group joined

    @classmethod
    def join(cls, rank: int, size: int, master: str) -> "TensorParallel":
        """Blocks until all `size` ranks have joined at `master` (host:port, where rank 0 listens)."""
        if not 0 <= rank < size:
            raise ValueError(f"tensor-parallel rank {rank} is not in 0..{size - 1}")
        dist.init_process_group("gloo", init_method=f"tcp://{master}", rank=rank, world_size=size,
                                timeout=IDLE_TIMEOUT)
        return cls(rank, size)

    def use_cuda(self, device: torch.device) -> None:
        """Runs the forward's collectives over NCCL on `device`; every rank must call it (a collective)."""
        torch.cuda.set_device(device)
        self._compute = dist.new_group(backend="nccl", timeout=IDLE_TIMEOUT)

    @property
    def is_leader(self) -> bool:
        return self.rank == 0

    def all_reduce(self, t: torch.Tensor) -> torch.Tensor:
        """Sums `t` over the ranks, in place; returns it."""
        dist.all_reduce(t, group=self._compute)
        return t

    def minimum(self, value: int) -> int:
        """The smallest of every rank's `value`."""
        t = torch.tensor([value], dtype=torch.int64)
        dist.all_reduce(t, op=dist.ReduceOp.MIN)
        return int(t.item())

    def total(self, value: int) -> int:
        """The sum of every rank's `value`."""
        t = torch.tensor([value], dtype=torch.int64)
        dist.all_reduce(t)
        return int(t.item())

    def gather_columns(self, t: torch.Tensor) -> Optional[torch.Tensor]:
        """Rank 0: every rank's `t` [rows, cols] side by side, rank order; the others: None."""
        # gloo copies into the parts from its own thread, where inference tensors may not be written.
        with torch.inference_mode(False):
            parts = [torch.empty(t.shape, dtype=t.dtype, device=t.device) for _ in range(self.size)] \
                if self.is_leader else None
        dist.gather(t.contiguous(), parts, dst=0, group=self._compute)
        return torch.cat(parts, dim=1) if self.is_leader else None

    def broadcast_message(self, message: Optional[bytearray]) -> Optional[bytearray]:
        """Rank 0 sends `message` (None: stop), sent from its own buffer; every rank returns it, None once rank 0
        stops the group."""
        length = torch.tensor([_STOP if message is None else len(message)], dtype=torch.int64)
        dist.broadcast(length, src=0)
        size = int(length.item())
        if size == _STOP:
            return None
        if size == 0:
            return bytearray()
        data = torch.frombuffer(message, dtype=torch.uint8) if self.is_leader else torch.empty(size, dtype=torch.uint8)
        dist.broadcast(data, src=0)
        return message if self.is_leader else bytearray(data.numpy())

    def broadcast_object(self, value: Any) -> Any:
        """Rank 0's `value` on every rank (pickled: only for load-time messages between our own processes)."""
        buffer = io.BytesIO()
        if self.is_leader:
            pickle.dump(value, buffer)
        message = self.broadcast_message(bytearray(buffer.getvalue()) if self.is_leader else None)
        return pickle.loads(bytes(message))

    def close(self) -> None:
        """Leaves the group; before exiting, or gloo's threads still running abort the interpreter's exit."""
        dist.destroy_process_group()
