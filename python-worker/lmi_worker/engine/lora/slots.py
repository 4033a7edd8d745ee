"""The registered adapters (host memory) and the max_loras device slots that hold the ones in use."""

import logging
import os
from collections import OrderedDict
from typing import Dict, Iterable, List, Set, Tuple, Union

import torch

from ..model_config import ModelConfig
from ..step import ERR_TOO_MANY_ADAPTERS, ERR_UNKNOWN_ADAPTER, StepError
from .adapter import LoraAdapter, load_adapter
from .projections import fused_projections

log = logging.getLogger(__name__)


class AdapterSlots:
    """Adapters by id, and which of them sit in which device slot, least recently used first.

    A slot's tensors are stacked over slots per layer and projection: A [max_loras, parts * max_rank, in]
    and B [max_loras, out, parts * max_rank], with `widths[slot][projection]` columns in use (0: the slot's
    adapter leaves that projection alone).
    """

    def __init__(self, config: ModelConfig, max_loras: int, max_rank: int, dtype: torch.dtype,
                 device: torch.device):
        if max_loras <= 0 or max_rank <= 0:
            raise ValueError(f"option.max_loras {max_loras} and option.max_lora_rank {max_rank} must be positive "
                             f"for LoRA (max_loras 0 turns it off)")
        self.config = config
        self.max_loras = max_loras
        self.max_rank = max_rank
        self.dtype = dtype
        self.registered: Dict[int, LoraAdapter] = {}
        self._slot_of: "OrderedDict[int, int]" = OrderedDict()  # resident adapter id → slot, LRU first
        self._free = list(range(max_loras))
        projections = fused_projections(config)
        self.weights: List[Dict[str, Tuple[torch.Tensor, torch.Tensor]]] = [
            {p.name: (torch.zeros(max_loras, len(p.parts) * max_rank, p.in_features, dtype=dtype, device=device),
                      torch.zeros(max_loras, p.out_features, len(p.parts) * max_rank, dtype=dtype, device=device))
             for p in projections}
            for _ in range(config.num_hidden_layers)]
        self.widths: List[Dict[str, int]] = [{p.name: 0 for p in projections} for _ in range(max_loras)]

    def register(self, adapter_id: int, name: str, path: Union[str, os.PathLike]) -> LoraAdapter:
        """Reads the adapter into host memory; raises ValueError (nothing changes) when it cannot."""
        if isinstance(adapter_id, bool) or not isinstance(adapter_id, int) or adapter_id <= 0:
            raise ValueError(f"adapter id {adapter_id!r} must be a positive integer")
        if adapter_id in self.registered:
            raise ValueError(f"adapter id {adapter_id} is already registered "
                             f"({self.registered[adapter_id].name!r} from {self.registered[adapter_id].path})")
        adapter = load_adapter(adapter_id, name, path, self.config, self.max_rank, self.dtype)
        self.registered[adapter_id] = adapter
        log.info("registered adapter %d %r from %s: rank %d, %s, %.1f MiB", adapter_id, name, path, adapter.rank,
                 ",".join(adapter.target_modules), adapter.nbytes / 2**20)
        return adapter

    def unregister(self, adapter_id: int, live: Set[int]) -> None:
        """Forgets the adapter; raises ValueError when it is unknown or a live sequence uses it."""
        if adapter_id not in self.registered:
            raise ValueError(f"adapter id {adapter_id} is not registered")
        if adapter_id in live:
            raise ValueError(f"adapter id {adapter_id} is used by a live sequence; finish it first")
        del self.registered[adapter_id]
        slot = self._slot_of.pop(adapter_id, None)
        if slot is not None:
            self._free.append(slot)
        log.info("unregistered adapter %d", adapter_id)

    def place(self, live: Set[int], used: Iterable[int]) -> Dict[int, int]:
        """Puts every adapter of a live sequence in a slot and marks `used` as just used; the slot of each.

        Raises StepError, changing nothing, for an unregistered id or more live adapters than slots.
        """
        unknown = sorted(live - self.registered.keys())
        if unknown:
            raise StepError(ERR_UNKNOWN_ADAPTER, f"adapter id {unknown[0]} is not registered")
        if len(live) > self.max_loras:
            raise StepError(ERR_TOO_MANY_ADAPTERS, f"live sequences use {len(live)} adapters "
                                                   f"({', '.join(map(str, sorted(live)))}); "
                                                   f"option.max_loras is {self.max_loras}")
        for adapter_id in sorted(live - self._slot_of.keys()):
            self._load(self._take_slot(live), self.registered[adapter_id])
        for adapter_id in used:
            self._slot_of.move_to_end(adapter_id)
        return {adapter_id: self._slot_of[adapter_id] for adapter_id in live}

    def resident(self) -> List[int]:
        """Adapter ids in slots, least recently used first."""
        return list(self._slot_of)

    def _take_slot(self, live: Set[int]) -> int:
        if self._free:
            return self._free.pop(0)
        victim = next(a for a in self._slot_of if a not in live)
        log.debug("evicting adapter %d from slot %d", victim, self._slot_of[victim])
        return self._slot_of.pop(victim)

    def _load(self, slot: int, adapter: LoraAdapter) -> None:
        for stacks, packed in zip(self.weights, adapter.layers):
            for projection, (a_stack, b_stack) in stacks.items():
                a, b = packed.get(projection, (None, None))
                width = 0 if a is None else a.shape[0]
                if width:
                    a_stack[slot, :width].copy_(a)
                    b_stack[slot, :, :width].copy_(b)
                self.widths[slot][projection] = width
        self._slot_of[adapter.adapter_id] = slot
