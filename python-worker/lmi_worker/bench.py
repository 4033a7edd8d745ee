"""Offline engine benchmark: prefill and decode throughput per batch size, against this machine's peaks.

    python3 -m lmi_worker.bench --model DIR[,DIR] --batch 1,4,16,64 --prompt 128 --decode 64 [--quantize auto,int8,fp8]
        [--kv-cache-dtype auto,float16]

Prints a table on stderr and one JSON summary line on stdout.

Besides prefill and decode apart, each batch size gets an end-to-end figure comparable to a serving
run where `batch` clients each send a prompt of `--prompt` tokens with max_tokens = decode + 1 at once:
generation tokens per second over every step of the run, the prompts chunked into steps of at most
`--max-num-batched-tokens` tokens as the server's scheduler chunks them.
"""

import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
import time
from typing import Optional, Sequence

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from .engine import llama  # noqa: E402
from .engine.engine import LmiDistEngine  # noqa: E402
from .engine.offline_runner import OfflineRunner  # noqa: E402
from .engine.options import EngineOptions  # noqa: E402
from .engine.paged_attention import PagedAttention  # noqa: E402
from .engine.quant.linear_weight import LinearWeight  # noqa: E402
from .engine.step import SamplingParams  # noqa: E402

log = logging.getLogger("lmi_worker.bench")


def matmul_peak_gflops(device: torch.device, size: int = 2048, repeats: int = 10) -> float:
    """Best of several float32 square matrix products: the machine's practical peak."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = float("inf")
    for _ in range(repeats + 1):
        sync_device(device)
        start = time.perf_counter()
        a @ b
        sync_device(device)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best / 1e9


def memory_read_gbps(device: torch.device, nbytes: int = 1 << 30, repeats: int = 10) -> float:
    """Best of several full reads of a buffer much larger than the caches, on every core."""
    x = torch.ones(nbytes // 4, device=device)
    threads = torch.get_num_threads()
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    best = float("inf")
    try:
        for _ in range(repeats + 1):
            sync_device(device)
            start = time.perf_counter()
            x.sum()
            sync_device(device)
            best = min(best, time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return nbytes / best / 1e9


def sync_device(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_params(engine: LmiDistEngine) -> int:
    """Parameters a token passes through, leaving out the input embedding table (a lookup)."""
    model = engine.model
    total = _linear_params(model.lm_head) + model.norm.numel()
    for layer in model.layers:
        total += layer.input_norm.numel() + layer.post_attention_norm.numel()
        total += sum(_linear_params(w) for w in (layer.qkv_proj, layer.o_proj, layer.gate_up_proj, layer.down_proj))
        if layer.qkv_bias is not None:
            total += layer.qkv_bias.numel()
    return total


def matmul_weight_bytes(engine: LmiDistEngine) -> int:
    """Bytes of the weights one token's matmuls read, in whatever format they are stored."""
    model = engine.model
    total = model.lm_head.nbytes
    for layer in model.layers:
        total += sum(w.nbytes for w in (layer.qkv_proj, layer.o_proj, layer.gate_up_proj, layer.down_proj))
    return total


def _linear_params(weight: LinearWeight) -> int:
    return weight.out_features * weight.in_features


def random_prompts_runner(engine: LmiDistEngine, batch: int, prompt: int, decode: int, seed: int,
                          max_num_batched_tokens: int = 1 << 30, adapter_ids: Sequence[int] = ()) -> OfflineRunner:
    """`batch` random prompts of `prompt` tokens, each to generate decode + 1 tokens; sequence i uses
    adapter_ids[i % len(adapter_ids)], none when adapter_ids is empty."""
    rng = np.random.default_rng(seed)
    runner = OfflineRunner(engine, max_num_batched_tokens=max_num_batched_tokens)
    for i in range(batch):
        ids = [engine.capacity.bos_token_id] + rng.integers(3, engine.capacity.vocab_size, prompt - 1).tolist()
        runner.add(i, ids, decode + 1, SamplingParams(), adapter_ids[i % len(adapter_ids)] if adapter_ids else 0)
    return runner


def serve_seconds(engine: LmiDistEngine, batch: int, prompt: int, decode: int, seed: int,
                  max_num_batched_tokens: int) -> float:
    """Runs the batch to completion with the server's step budget: prompts whole while they fit, the next one
    chunked, then each step decodes the prefilled ones first. Returns the time of all its steps."""
    runner = random_prompts_runner(engine, batch, prompt, decode, seed, max_num_batched_tokens)
    device = engine.model.device
    sync_device(device)
    start = time.perf_counter()
    runner.run()
    sync_device(device)
    return time.perf_counter() - start


def run_batch(engine: LmiDistEngine, batch: int, prompt: int, decode: int, seed: int,
              split: Optional["StepSplit"] = None, max_num_batched_tokens: int = 2048) -> dict:
    """Prefills `batch` random prompts in one step, then times `decode` decode steps. The end-to-end figure
    reuses those steps when one step holds every prompt, else reruns the batch with the step budget."""
    runner = random_prompts_runner(engine, batch, prompt, decode, seed)
    device = engine.model.device
    sync_device(device)
    start = time.perf_counter()
    runner.step()
    sync_device(device)
    prefill_s = time.perf_counter() - start
    step_ms, forward_ms, sample_ms = [], [], []
    with split or contextlib.nullcontext():
        for _ in range(decode):
            start = time.perf_counter()
            out = runner.step()
            sync_device(device)
            step_ms.append((time.perf_counter() - start) * 1e3)
            forward_ms.append(out.forward_ms)
            sample_ms.append(out.sample_ms)
    decode_ms = statistics.median(step_ms)
    if split is not None:
        # Means, not medians: the timers only see totals.
        linear = split.linear_s * 1e3 / decode
        attention = split.attention_s * 1e3 / decode
        split_row = {"decode_linear_ms": linear, "decode_attention_ms": attention,
                     "decode_other_forward_ms": statistics.mean(forward_ms) - linear - attention}
    else:
        split_row = {}
    # The prefill step samples each sequence's first token, the decode steps the other `decode`.
    if batch * prompt <= max_num_batched_tokens:
        generation_s = prefill_s + sum(step_ms) / 1e3
    else:
        generation_s = serve_seconds(engine, batch, prompt, decode, seed, max_num_batched_tokens)
    return {
        "batch": batch,
        "prefill_tokens_per_s": batch * prompt / prefill_s,
        "decode_tokens_per_s": batch * 1e3 / decode_ms,
        "decode_ms_per_step": decode_ms,
        "decode_forward_ms": statistics.median(forward_ms),
        "decode_sample_ms": statistics.median(sample_ms),
        "generation_tokens_per_s": batch * (decode + 1) / generation_s,
        **split_row,
    }


class StepSplit:
    """Wall time spent in the projections (lm_head included) and in attention, by timers around them."""

    def __init__(self, model):
        self.model = model
        self.linear_s = 0.0
        self.attention_s = 0.0

    def __enter__(self) -> "StepSplit":
        self._linear, self._attention = llama._projected, PagedAttention.__call__
        head = self.model.lm_head.linear

        def linear(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self._linear(*args, **kwargs)
            finally:
                self.linear_s += time.perf_counter() - start

        def attention(attn, *args, **kwargs):
            start = time.perf_counter()
            try:
                return self._attention(attn, *args, **kwargs)
            finally:
                self.attention_s += time.perf_counter() - start

        def lm_head(*args, **kwargs):
            start = time.perf_counter()
            try:
                return head(*args, **kwargs)
            finally:
                self.linear_s += time.perf_counter() - start

        llama._projected, PagedAttention.__call__ = linear, attention
        self.model.lm_head.linear = lm_head  # an instance attribute over the method, until __exit__
        return self

    def __exit__(self, *exc) -> None:
        llama._projected, PagedAttention.__call__ = self._linear, self._attention
        del self.model.lm_head.linear


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True,
                        help="model directory (Hugging Face layout); several, comma-separated, to compare "
                             "checkpoints (e.g. float and GPTQ) in one invocation, each with every --quantize mode")
    parser.add_argument("--batch", default="1,4,16,64", help="comma-separated batch sizes")
    parser.add_argument("--prompt", type=int, default=128, help="prompt tokens per sequence")
    parser.add_argument("--decode", type=int, default=64, help="decode steps per batch size")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--kv-cache-bytes", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-num-batched-tokens", type=int, default=2048,
                        help="the server's step budget (option.max_num_batched_tokens), for the end-to-end figure")
    parser.add_argument("--split", action="store_true",
                        help="also time projections and attention inside each decode step (adds a little overhead)")
    parser.add_argument("--quantize", default="auto",
                        help="comma-separated option.quantize values to compare in this invocation, each loading "
                             "the model again; auto: as the checkpoint says (e.g. auto,int8,fp8)")
    parser.add_argument("--kv-cache-dtype", default="auto",
                        help="comma-separated option.kv_cache_dtype values to compare, crossed with --quantize "
                             "(e.g. auto,float16)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")

    batches = [int(b) for b in args.batch.split(",")]
    modes = [None if m == "auto" else m for m in args.quantize.split(",")]
    runs = []
    peak = bandwidth = None
    cache_dtypes = args.kv_cache_dtype.split(",")
    for model_dir, mode, cache_dtype in [(m, q, c) for m in args.model.split(",") for q in modes for c in cache_dtypes]:
        engine = LmiDistEngine.load(EngineOptions(model_dir=model_dir, dtype=args.dtype, device=args.device,
                                                  kv_cache_bytes=args.kv_cache_bytes, quantize=mode,
                                                  kv_cache_dtype=cache_dtype))
        needed = max(batches) * -(-(args.prompt + args.decode + 1) // engine.capacity.block_size)
        if needed > engine.capacity.num_blocks:
            parser.error(f"--batch {max(batches)} needs {needed} KV blocks, the cache has "
                         f"{engine.capacity.num_blocks}: raise --kv-cache-bytes")
        if peak is None:
            peak = matmul_peak_gflops(engine.model.device)
            bandwidth = memory_read_gbps(engine.model.device)
        runs.append({"model": model_dir, "kv_cache_dtype": str(engine.cache.keys[0].dtype).replace("torch.", ""),
                     **bench_mode(engine, args, batches, peak, bandwidth)})
        del engine
    for run in runs[1:]:
        run["ratio_to_first"] = [
            {key: row[key] / base[key] for key in ("prefill_tokens_per_s", "decode_tokens_per_s",
                                                    "generation_tokens_per_s")}
            for row, base in zip(run["results"], runs[0]["results"])]
        log.info("quantization %s, KV cache %s over %s, %s: decode tok/s x %s, prefill tok/s x %s",
                 run["quantization"], run["kv_cache_dtype"], runs[0]["quantization"], runs[0]["kv_cache_dtype"],
                 " ".join(f"{r['decode_tokens_per_s']:.2f}" for r in run["ratio_to_first"]),
                 " ".join(f"{r['prefill_tokens_per_s']:.2f}" for r in run["ratio_to_first"]))
    # The first mode's figures at the top level, as before --quantize (tests/load/summarize.py reads them).
    summary = {**runs[0], "matmul_peak_gflops": peak, "memory_read_gbps": bandwidth,
               "prompt": args.prompt, "decode": args.decode, "max_num_batched_tokens": args.max_num_batched_tokens,
               "runs": runs}
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


def bench_mode(engine: LmiDistEngine, args, batches: Sequence[int], peak: float, bandwidth: float) -> dict:
    """Every batch size on one loaded engine; the table on stderr, the figures returned."""
    device = engine.model.device
    params = matmul_params(engine)
    weight_read_ms = matmul_weight_bytes(engine) / (bandwidth * 1e9) * 1e3
    flops_per_token = 2 * params
    log.info("device %s, dtype %s, quantization %s, matmul peak %.0f GFLOP/s, memory read %.1f GB/s", device,
             engine.capacity.dtype, engine.capacity.quantization, peak, bandwidth)
    log.info("%.1fM matmul parameters in %.1f MB; reading them once takes %.1f ms; all weights %.1f MB",
             params / 1e6, matmul_weight_bytes(engine) / 1e6, weight_read_ms, engine.capacity.weight_bytes / 1e6)
    run_batch(engine, 1, min(args.prompt, 16), 2, args.seed)  # warm-up
    rows = []
    log.info("%6s %12s %8s %12s %8s %10s %9s %9s %10s", "batch", "prefill t/s", "% peak", "decode t/s", "% peak",
             "ms/step", "fwd ms", "sample ms", "gen t/s")
    for batch in batches:
        row = run_batch(engine, batch, args.prompt, args.decode, args.seed, StepSplit(engine.model) if args.split else None,
                        args.max_num_batched_tokens)
        row["prefill_fraction_of_peak"] = row["prefill_tokens_per_s"] * flops_per_token / (peak * 1e9)
        row["decode_fraction_of_peak"] = row["decode_tokens_per_s"] * flops_per_token / (peak * 1e9)
        row["decode_step_over_weight_read"] = row["decode_ms_per_step"] / weight_read_ms
        rows.append(row)
        log.info("%6d %12.0f %7.1f%% %12.1f %7.1f%% %10.2f %9.2f %9.2f %10.1f", batch,
                 row["prefill_tokens_per_s"], 100 * row["prefill_fraction_of_peak"], row["decode_tokens_per_s"],
                 100 * row["decode_fraction_of_peak"], row["decode_ms_per_step"], row["decode_forward_ms"],
                 row["decode_sample_ms"], row["generation_tokens_per_s"])
        if args.split:
            log.info("%6s decode step split: projections %.1f ms, attention (with K/V writes) %.1f ms, "
                     "other forward ops %.1f ms", "", row["decode_linear_ms"], row["decode_attention_ms"],
                     row["decode_other_forward_ms"])
    return {"quantization": engine.capacity.quantization, "device": str(device), "dtype": engine.capacity.dtype,
            "weight_bytes": engine.capacity.weight_bytes, "matmul_weight_bytes": matmul_weight_bytes(engine),
            "matmul_params": params, "weight_read_ms": weight_read_ms, "results": rows}


if __name__ == "__main__":
    sys.exit(main())
