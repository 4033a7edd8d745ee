"""Offline LoRA benchmark: decode throughput of one batch whose sequences share 0, 1 or more adapters.

    python3 -m lmi_worker.lora_bench --model DIR --batch 16 --adapters 0,1,4 --rank 16 --prompt 128 --decode 64

Random adapters of --rank over all seven target modules are written to a temporary directory and
registered; sequence i of the batch uses adapter i mod N. Besides the whole decode step, the
LoRA deltas of one such step are timed alone (every layer and projection, best of 30). Prints a
table on stderr and one JSON summary line on stdout.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from .bench import random_prompts_runner, sync_device  # noqa: E402
from .engine.engine import LmiDistEngine  # noqa: E402
from .engine.lora.lora_batch import LoraBatch  # noqa: E402
from .engine.lora.projections import TARGET_MODULES, fused_projections  # noqa: E402
from .engine.lora.random_adapter import AdapterSpec, write_random_adapter  # noqa: E402
from .engine.options import EngineOptions  # noqa: E402

log = logging.getLogger("lmi_worker.lora_bench")


def decode_with_adapters(engine: LmiDistEngine, batch: int, prompt: int, decode: int, adapter_ids, seed: int) -> dict:
    """Prefills the batch in one step, then times `decode` decode steps; the median step."""
    runner = random_prompts_runner(engine, batch, prompt, decode, seed, adapter_ids=adapter_ids)
    device = engine.model.device
    runner.step()
    step_ms, forward_ms = [], []
    for _ in range(decode):
        sync_device(device)
        start = time.perf_counter()
        out = runner.step()
        sync_device(device)
        step_ms.append((time.perf_counter() - start) * 1e3)
        forward_ms.append(out.forward_ms)
    runner.step()  # sends the finished sequences: their adapters' slots are free for the next batch
    ms = statistics.median(step_ms)
    return {"adapters": len(adapter_ids), "batch": batch, "decode_tokens_per_s": batch * 1e3 / ms,
            "decode_ms_per_step": ms, "decode_forward_ms": statistics.median(forward_ms)}


def deltas_ms(engine: LmiDistEngine, batch: int, adapter_ids, repeats: int = 30) -> float:
    """Best time of adding the LoRA deltas of one decode step (one row per sequence), with the adapters in slots."""
    if not adapter_ids:
        return 0.0
    slot_of = engine.lora.place(set(adapter_ids), adapter_ids)
    device = engine.model.device
    lora = LoraBatch.build(engine.lora, [slot_of[adapter_ids[i % len(adapter_ids)]] for i in range(batch)],
                           np.arange(batch + 1), device)
    projections = fused_projections(engine.model.config)
    inputs = [(p.name, torch.randn(batch, p.in_features, dtype=engine.model.dtype, device=device),
               torch.zeros(batch, p.out_features, dtype=engine.model.dtype, device=device)) for p in projections]
    best = float("inf")
    for _ in range(repeats + 1):
        sync_device(device)
        start = time.perf_counter()
        for layer in range(engine.model.config.num_hidden_layers):
            for name, x, out in inputs:
                lora.add(layer, name, x, out)
        sync_device(device)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.lora_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model directory (Hugging Face layout)")
    parser.add_argument("--batch", type=int, default=16, help="sequences in the batch")
    parser.add_argument("--adapters", default="0,1,4", help="comma-separated counts of distinct adapters")
    parser.add_argument("--rank", type=int, default=16, help="rank of every adapter")
    parser.add_argument("--prompt", type=int, default=128, help="prompt tokens per sequence")
    parser.add_argument("--decode", type=int, default=64, help="decode steps timed per count")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--kv-cache-bytes", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

    counts = [int(c) for c in args.adapters.split(",")]
    most = max(max(counts), 1)
    engine = LmiDistEngine.load(EngineOptions(model_dir=args.model, dtype=args.dtype, device=args.device,
                                              kv_cache_bytes=args.kv_cache_bytes, max_loras=most,
                                              max_lora_rank=args.rank))
    with tempfile.TemporaryDirectory(prefix="lmi-lora-bench-") as tmp:
        for i in range(1, most + 1):
            spec = AdapterSpec(args.rank, 2 * args.rank, TARGET_MODULES, seed=args.seed + i)
            path = write_random_adapter(Path(tmp) / str(i), engine.model.config, spec)
            engine.register_adapter(i, f"random-{i}", str(path))
    decode_with_adapters(engine, 2, min(args.prompt, 16), 2, list(range(1, most + 1))[:2], args.seed)  # warm-up
    rows = []
    log.info("%9s %6s %12s %10s %9s %10s", "adapters", "batch", "decode t/s", "ms/step", "fwd ms", "deltas ms")
    for count in counts:
        adapter_ids = list(range(1, count + 1))
        row = decode_with_adapters(engine, args.batch, args.prompt, args.decode, adapter_ids, args.seed)
        row["deltas_ms"] = deltas_ms(engine, args.batch, adapter_ids)
        rows.append(row)
        log.info("%9d %6d %12.1f %10.2f %9.2f %10.2f", count, args.batch, row["decode_tokens_per_s"],
                 row["decode_ms_per_step"], row["decode_forward_ms"], row["deltas_ms"])
    summary = {"model": args.model, "device": str(engine.model.device), "dtype": engine.capacity.dtype,
               "rank": args.rank, "prompt": args.prompt, "decode": args.decode, "results": rows}
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
