"""Times steps through a real worker process with an engine that does nothing: python3 -m lmi_worker.ipc.roundtrip.

    python3 -m lmi_worker.ipc.roundtrip --steps 5000 --seqs 0,64 --spin-us 50,0

Each round trip is encode, publish, doorbell, the worker's decode, execute and encode, publish,
doorbell and the client's decode. Reports median / p90 / p99 in microseconds on stderr.
"""

import argparse
import logging
import socket
import statistics
import sys
import time
from typing import Dict, List

import numpy as np

from ..engine.capacity import Capacity
from ..engine.options import EngineOptions
from ..engine.step import StepBatch, StepOutput
from .client import WorkerClient

log = logging.getLogger("lmi_worker.ipc.roundtrip")


class NullEngine:
    """Answers every sampling sequence with token 0 at once, so that only the IPC is timed."""

    capacity = Capacity(num_blocks=1 << 16, block_size=16, max_model_len=4096, vocab_size=32000,
                        eos_token_ids=(2,), bos_token_id=1, dtype="float32", device="cpu",
                        architecture="none", num_layers=0, kv_bytes_per_block=0, weight_bytes=0,
                        quantization="none")

    @classmethod
    def load(cls, options: EngineOptions, progress=None) -> "NullEngine":
        return cls()

    def execute(self, batch: StepBatch) -> StepOutput:
        sampled = np.flatnonzero(batch.sample)
        n = len(sampled)
        return StepOutput(step_id=batch.step_id, seq_ids=batch.seq_ids[sampled], token_ids=np.zeros(n, np.int32),
                          logprobs=np.zeros(n, np.float32), top_ids=np.zeros((n, 0), np.int32),
                          top_logprobs=np.zeros((n, 0), np.float32), prompt_logprobs=[],
                          forward_ms=0.0, sample_ms=0.0)


def decode_batch(step_id: int, seqs: int, blocks_per_seq: int = 8) -> StepBatch:
    """A decode step: `seqs` sequences, one token each, all sampling."""
    return StepBatch(step_id=step_id, seq_ids=np.arange(seqs, dtype=np.int64),
                     start_pos=np.full(seqs, blocks_per_seq * 16 - 1, np.int32),
                     token_offsets=np.arange(seqs + 1, dtype=np.int32), tokens=np.ones(seqs, np.int32),
                     block_offsets=np.arange(0, (seqs + 1) * blocks_per_seq, blocks_per_seq, dtype=np.int32),
                     block_tables=np.arange(seqs * blocks_per_seq, dtype=np.int32), sample=np.ones(seqs, np.bool_))


def measure(steps: int, seqs: int, spin_us: float, python: str = sys.executable) -> Dict[str, float]:
    """Round-trip percentiles in microseconds for `steps` steps of `seqs` decoding sequences."""
    with WorkerClient(python, worker_args=["--engine", "lmi_worker.ipc.roundtrip:NullEngine", "--log-level", "WARNING"],
                      spin_us=spin_us) as client:
        client.load(EngineOptions(model_dir="none"))
        times: List[float] = []
        for step_id in range(steps + steps // 10):  # the first tenth warms up
            batch = decode_batch(step_id, seqs)
            start = time.perf_counter()
            client.step(batch)
            times.append((time.perf_counter() - start) * 1e6)
        client.shutdown()
    times = sorted(times[steps // 10:])
    return {"median": statistics.median(times), "p90": times[int(0.9 * len(times))],
            "p99": times[int(0.99 * len(times))]}


def doorbell_cost_us(count: int = 20000) -> float:
    """Microseconds per doorbell: one 1-byte send plus its share of the receiver's batched drain."""
    a, b = socket.socketpair()
    with a, b:
        start = time.perf_counter()
        for i in range(count):
            a.send(b"\0")
            if i % 32 == 31:
                b.recv(4096)
        return (time.perf_counter() - start) * 1e6 / count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.ipc.roundtrip", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--seqs", default="0,64", help="comma-separated batch sizes (default 0,64)")
    parser.add_argument("--spin-us", default="50,0", help="comma-separated spin times of both sides (default 50,0)")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    log.info("doorbell: %.2f us per send + drained receive", doorbell_cost_us())
    for spin in (float(s) for s in args.spin_us.split(",")):
        for seqs in (int(s) for s in args.seqs.split(",")):
            r = measure(args.steps, seqs, spin)
            log.info("seqs=%-3d spin=%4.0f us: median %.1f us, p90 %.1f us, p99 %.1f us",
                     seqs, spin, r["median"], r["p90"], r["p99"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
