"""Tensor-parallel benchmark: the engine on 1 and on N ranks of this machine, and what the group's messages cost.

    python3 -m lmi_worker.tp_bench --model DIR [--tp 1,2] [--batch 1,16,64] [--prompt 128] [--decode 64]

Each degree runs as its own processes (rank 0 drives, the others follow, each pinned to its share of the
CPUs as the server's ranks are). Prints a table on stderr and one JSON line on stdout: per degree the
offline benchmark's figures (lmi_worker.bench) and the median time of rank 0's step broadcast (an empty
step and a 64-sequence decode step) and of one all-reduce of a decode step's activations.
"""

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("lmi_worker.tp_bench")
REPEATS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _median_us(action) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _group_costs(engine, tp) -> dict:
    """Rank 0 and the followers run this in step: the broadcasts and all-reduces a step pays for."""
    import torch

    from .engine.step import NewSequence, SamplingParams
    from .engine.step_builder import ScheduledSequence, build_step
    from .ipc.step_codec import encode_step

    empty = encode_step(build_step(0, []))
    decode = encode_step(build_step(1, [ScheduledSequence(i, [5], 100, list(range(i * 8, i * 8 + 8)))
                                        for i in range(64)],
                                    [NewSequence(i, 100, SamplingParams()) for i in range(64)]))
    hidden = engine.model.config.hidden_size
    activations = [torch.zeros(rows, hidden, dtype=engine.model.dtype) for rows in (1, 64)]
    return {"broadcast_empty_step_us": _median_us(lambda: tp.broadcast_message(empty if tp.is_leader else None)),
            "broadcast_decode64_step_us": _median_us(lambda: tp.broadcast_message(decode if tp.is_leader else None)),
            "decode64_step_bytes": len(decode),
            "all_reduce_1_row_us": _median_us(lambda: tp.all_reduce(activations[0])),
            "all_reduce_64_rows_us": _median_us(lambda: tp.all_reduce(activations[1]))}


def run_rank(args) -> int:
    """One rank of one degree (or the engine alone); rank 0 writes the figures to args.out."""
    if args.size > 1:
        from .rank_cpus import pin_rank
        pin_rank(args.rank, args.size)
    from .bench import run_batch
    from .engine.engine import LmiDistEngine
    from .engine.options import EngineOptions
    from .engine.tensor_parallel import TensorParallel
    from .engine.tp_group import LeaderEngine, follow

    tp = TensorParallel.join(args.rank, args.size, args.master) if args.size > 1 else None
    engine = LmiDistEngine.load(EngineOptions(model_dir=args.model, device="cpu", kv_cache_bytes=args.kv_cache_bytes),
                                tp=tp)
    costs = _group_costs(engine, tp) if tp is not None else {}
    if tp is not None and not tp.is_leader:
        follow(engine, tp)
        tp.close()
        return 0
    driver = engine if tp is None else LeaderEngine(engine, tp)
    run_batch(driver, 1, min(args.prompt, 16), 2, args.seed)  # warm-up
    rows = [run_batch(driver, batch, args.prompt, args.decode, args.seed) for batch in args.batches]
    if tp is not None:
        driver.stop()
        tp.close()
    Path(args.out).write_text(json.dumps({"tensor_parallel_degree": args.size, "results": rows, **costs}))
    return 0


def run_degree(args, size: int, out: Path) -> dict:
    master = f"127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "lmi_worker.tp_bench", "--model", args.model, "--batch", args.batch,
               "--prompt", str(args.prompt), "--decode", str(args.decode), "--seed", str(args.seed),
               "--kv-cache-bytes", str(args.kv_cache_bytes), "--size", str(size), "--master", master,
               "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    ranks = [subprocess.Popen(command + ["--rank", str(r)], env=env) for r in range(size)]
    for r, process in enumerate(ranks):
        if process.wait() != 0:
            raise RuntimeError(f"tensor-parallel degree {size}: rank {r} exited with {process.returncode}")
    return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.tp_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--tp", default="1,2", help="comma-separated tensor-parallel degrees to compare")
    parser.add_argument("--batch", default="1,16,64")
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--decode", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kv-cache-bytes", type=int, default=2 << 30, help="per rank")
    # One rank of one degree, as run_degree starts them.
    parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--master", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.batches = [int(b) for b in args.batch.split(",")]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    if args.rank is not None:
        return run_rank(args)
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(t) for t in args.tp.split(",")):
            runs.append(run_degree(args, size, Path(scratch) / f"tp{size}.json"))
    log.info("%4s %6s %12s %12s %10s %10s", "tp", "batch", "prefill t/s", "decode t/s", "ms/step", "gen t/s")
    for run in runs:
        for row in run["results"]:
            log.info("%4d %6d %12.0f %12.1f %10.2f %10.1f", run["tensor_parallel_degree"], row["batch"],
                     row["prefill_tokens_per_s"], row["decode_tokens_per_s"], row["decode_ms_per_step"],
                     row["generation_tokens_per_s"])
        if "broadcast_empty_step_us" in run:
            log.info("tp %d: step broadcast %.0f us empty, %.0f us for a 64-sequence decode step (%d bytes); "
                     "all-reduce %.0f us for 1 row, %.0f us for 64", run["tensor_parallel_degree"],
                     run["broadcast_empty_step_us"], run["broadcast_decode64_step_us"], run["decode64_step_bytes"],
                     run["all_reduce_1_row_us"], run["all_reduce_64_rows_us"])
    sys.stdout.write(json.dumps({"model": args.model, "runs": runs}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
