"""Medians of the runs tests/load/serving-benchmarks.sh wrote, as the Markdown tables of docs/benchmarks.md.

    /usr/bin/python3 tests/load/summarize.py bench-results/
"""

import glob
import json
import os
import statistics
import sys


def load_runs(out: str, pattern: str) -> list:
    """Each file matching OUT/pattern (a glob over repeats): its JSON object, in file-name order."""
    summaries = []
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        with open(path) as f:
            text = f.read().strip()
        if text:
            summaries.append(json.loads(text))
    return summaries


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def spread(values) -> str:
    values = [v for v in values if v is not None]
    return f"{min(values):.0f}–{max(values):.0f}" if values else "–"


def only_run(summary: dict) -> dict:
    return summary["runs"][0]


def step_share(run: dict, phases) -> float:
    split = run.get("step_split") or {}
    shares = split.get("phases", {})
    return sum(shares.get(phase, {}).get("share", 0.0) for phase in phases)


def step_ms(run: dict, phase: str) -> float:
    split = run.get("step_split") or {}
    return split.get("phases", {}).get(phase, {}).get("mean_ms", float("nan"))


def efficiency(out: str, prefix: str) -> None:
    offline = load_runs(out, f"{prefix}-offline-*.json")
    print("| concurrency = batch | offline engine tok/s | through HTTP tok/s | server / engine | runs |")
    print("|---:|---:|---:|---:|---:|")
    for concurrency in (1, 16, 64):
        engine = [next(r["generation_tokens_per_s"] for r in o["results"] if r["batch"] == concurrency)
                  for o in offline]
        served = [only_run(s)["output_throughput"] for s in load_runs(out, f"{prefix}-c{concurrency}-*.json")]
        ratios = [s / e for s, e in zip(served, engine)]
        print(f"| {concurrency} | {median(engine):.0f} ({spread(engine)}) | {median(served):.0f} ({spread(served)}) "
              f"| {100 * median(ratios):.1f} % | {len(ratios)} |")
    print()
    print("| concurrency | step ms (schedule / ipc / forward / sample) | schedule + ipc share of the step |")
    print("|---:|---|---:|")
    for concurrency in (1, 16, 64):
        runs = [only_run(s) for s in load_runs(out, f"{prefix}-c{concurrency}-*.json")]
        phases = "schedule ipc forward sample".split()
        parts = " / ".join(f"{median(step_ms(r, p) for r in runs):.2f}" for p in phases)
        share = median(step_share(r, ("schedule", "ipc")) for r in runs)
        print(f"| {concurrency} | {parts} | {100 * share:.2f} % |")


def latency_row(name: str, runs: list) -> str:
    def stat(metric, key):
        # A run of one-token requests has no TPOT or ITL.
        return median(r[metric][key] if r[metric] else None for r in runs)
    return (f"| {name} | {median(r['output_throughput'] for r in runs):.0f} | {stat('ttft_ms', 'p50'):.0f} "
            f"| {stat('ttft_ms', 'p99'):.0f} | {stat('tpot_ms', 'mean'):.1f} | {stat('itl_ms', 'p99'):.0f} "
            f"| {stat('e2el_ms', 'p50'):.0f} | {len(runs)} |")


def latency_header(first: str) -> None:
    print(f"| {first} | output tok/s | TTFT p50 ms | TTFT p99 ms | TPOT mean ms | ITL p99 ms | E2E p50 ms | runs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")


def static(out: str) -> None:
    latency_header("batching")
    for batching in ("continuous", "static"):
        print(latency_row(batching, [only_run(s) for s in load_runs(out, f"static-{batching}-*.json")]))


def prefix(out: str) -> None:
    latency_header("prefix caching, concurrency")
    for caching in ("true", "false"):
        summaries = load_runs(out, f"prefix-{caching}-*.json")
        for index in range(len(summaries[0]["runs"]) if summaries else 0):
            runs = [s["runs"][index] for s in summaries]
            print(latency_row(f"{caching}, {runs[0]['concurrency']}", runs))


def chunked(out: str) -> None:
    latency_header("prefill, stream")
    for config in ("chunked", "whole"):
        for stream in ("decode", "long"):
            runs = [only_run(s) for s in load_runs(out, f"chunked-{config}-{stream}-*.json")]
            if runs:
                print(latency_row(f"{config}, {stream}", runs))


def embeddings(out: str) -> None:
    print("| max_batch_delay | concurrency | sentences/s | E2E p50 ms | E2E p99 ms | mean batch | ms per batch "
          "| batches by size (le: count) | runs |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for delay in (5, 0):
        summaries = load_runs(out, f"embeddings-delay{delay}-*.json")
        for index in range(len(summaries[0]["runs"]) if summaries else 0):
            runs = [s["runs"][index] for s in summaries]
            batches = [r["embedding_batches"] for r in runs]
            print(f"| {delay} ms | {runs[0]['concurrency']} | {median(r['request_throughput'] for r in runs):.0f} "
                  f"({spread(r['request_throughput'] for r in runs)}) "
                  f"| {median(r['e2el_ms']['p50'] for r in runs):.1f} | {median(r['e2el_ms']['p99'] for r in runs):.1f} "
                  f"| {median(b['mean_batch_size'] for b in batches):.1f} "
                  f"| {median(b['mean_batch_ms'] for b in batches):.1f} | {size_counts(batches[0])} | {len(runs)} |")


def lora(out: str) -> None:
    latency_header("distinct adapters of 16 streams")
    for config, name in (("off", "LoRA off"), ("0", "0 (LoRA on)"), ("1", "1"), ("4", "4")):
        runs = [only_run(s) for s in load_runs(out, f"lora-{config}-[0-9]*.json")]
        if runs:
            print(latency_row(name, runs))


def quantize(out: str) -> None:
    latency_header("option.quantize, 16 streams")
    for mode in ("none", "int8", "fp8"):
        runs = [only_run(s) for s in load_runs(out, f"quantize-{mode}-[0-9]*.json")]
        if runs:
            print(latency_row(mode, runs))


def kvcache(out: str) -> None:
    latency_header("option.kv_cache_dtype, 16 streams")
    for dtype in ("auto", "float16"):
        runs = [only_run(s) for s in load_runs(out, f"kvcache-{dtype}-[0-9]*.json")]
        if runs:
            print(latency_row(dtype, runs))


def budget(out: str) -> None:
    latency_header("max_num_batched_tokens, 16 streams")
    for tokens in (256, 512, 1024, 2048, 8192):
        runs = [only_run(s) for s in load_runs(out, f"budget-{tokens}-[0-9]*.json")]
        if runs:
            print(latency_row(str(tokens), runs))


def size_counts(batches: dict) -> str:
    """The first run's batches per size range, from the cumulative buckets: only the ranges that held any."""
    parts, below = [], 0
    for bound, cumulative in batches["batch_size_buckets"].items():
        if cumulative > below:
            parts.append(f"{bound}: {cumulative - below}")
        below = cumulative
    return ", ".join(parts)


def main(argv) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    for title, name, table in (
            ("Serving efficiency, decode-bound", "efficiency", lambda: efficiency(out, "efficiency")),
            ("Serving efficiency, prefill-heavy", "mixed", lambda: efficiency(out, "mixed")),
            ("Continuous vs static batching", "static", lambda: static(out)),
            ("Prefix caching", "prefix", lambda: prefix(out)),
            ("Chunked prefill", "chunked", lambda: chunked(out)),
            ("Text embeddings", "embeddings", lambda: embeddings(out)),
            ("LoRA adapters", "lora", lambda: lora(out)),
            ("Quantization", "quantize", lambda: quantize(out)),
            ("Step token budget", "budget", lambda: budget(out)),
            ("KV cache dtype", "kvcache", lambda: kvcache(out))):
        if glob.glob(os.path.join(out, name + "-*.json")):
            print(f"### {title}\n")
            table()
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
