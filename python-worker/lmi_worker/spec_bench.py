"""Speculative-decoding benchmark: n-gram or draft-model drafts against none, on random and on repeating prompts.

    python3 -m lmi_worker.spec_bench --model DIR [--draft DIR] [--lookahead 0,2,4] [--batch 1,16] [--prompt 128]
        [--decode 64]

Each run prefills `batch` prompts and generates `decode` tokens each, greedy, through OfflineRunner with
the given lookahead (0: no speculation). Random prompts draw every token at random; repeating prompts
repeat one random 16-token phrase, as code and quoted text repeat themselves. Reports generation tok/s,
steps, and the acceptance rate: kept drafts over the lookahead slots offered. Prints a table on stderr
and one JSON line on stdout.
"""

import argparse
import json
import logging
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from .engine.engine import LmiDistEngine  # noqa: E402
from .engine.offline_runner import OfflineRunner  # noqa: E402
from .engine.options import EngineOptions  # noqa: E402
from .engine.step import SamplingParams  # noqa: E402

log = logging.getLogger("lmi_worker.spec_bench")
PHRASE = 16


def prompts(kind: str, batch: int, length: int, vocab: int, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "random":
        return [rng.integers(3, vocab, length).tolist() for _ in range(batch)]
    phrases = [rng.integers(3, vocab, PHRASE).tolist() for _ in range(batch)]
    return [(phrase * -(-length // PHRASE))[:length] for phrase in phrases]


def run(engine: LmiDistEngine, kind: str, batch: int, prompt: int, decode: int, lookahead: int, seed: int) -> dict:
    runner = OfflineRunner(engine, lookahead=lookahead)
    for i, ids in enumerate(prompts(kind, batch, prompt, engine.capacity.vocab_size, seed)):
        runner.add(i, ids, decode, SamplingParams())
    runner.step()  # the prefill, timed apart: it is the same with and without drafts
    steps, kept, offered = 0, 0, 0
    start = time.perf_counter()
    while any(not g.done for g in runner.generations.values()):
        offered += sum(min(lookahead, g.max_new_tokens - len(g.output) - 1)
                       for g in runner.generations.values() if not g.done)
        out = runner.step()
        kept += len(out.seq_ids) - len(set(out.seq_ids.tolist()))
        steps += 1
    seconds = time.perf_counter() - start
    return {"prompts": kind, "batch": batch, "lookahead": lookahead, "decode_steps": steps,
            "decode_tokens_per_s": batch * (decode - 1) / seconds,
            "acceptance": kept / offered if offered else 0.0, "kept_drafts": kept}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.spec_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--draft", help="a draft model directory (default: n-gram prompt lookup)")
    parser.add_argument("--lookahead", default="0,2,4", help="comma-separated lookaheads; 0 is no speculation")
    parser.add_argument("--batch", default="1,16")
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--decode", type=int, default=64)
    parser.add_argument("--prompts", default="random,repeating")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kv-cache-bytes", type=int, default=2 << 30)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    engine = LmiDistEngine.load(EngineOptions(model_dir=args.model, kv_cache_bytes=args.kv_cache_bytes))
    # A loaded draft model runs every step, speculating or not: lookahead 0 is timed without one.
    drafted = engine if not args.draft else LmiDistEngine.load(EngineOptions(
        model_dir=args.model, kv_cache_bytes=args.kv_cache_bytes, speculative_draft_model=args.draft))
    for warm in {id(engine): engine, id(drafted): drafted}.values():
        run(warm, "random", 1, 16, 4, 2, args.seed)
    rows = [run(drafted if lookahead else engine, kind, batch, args.prompt, args.decode, lookahead, args.seed)
            for kind in args.prompts.split(",") for batch in (int(b) for b in args.batch.split(","))
            for lookahead in (int(k) for k in args.lookahead.split(","))]
    log.info("%10s %6s %10s %8s %12s %11s", "prompts", "batch", "lookahead", "steps", "decode t/s", "acceptance")
    for row in rows:
        base = next(r for r in rows if (r["prompts"], r["batch"], r["lookahead"]) == (row["prompts"], row["batch"], 0)) \
            if any(r["lookahead"] == 0 for r in rows) else None
        row["speedup"] = row["decode_tokens_per_s"] / base["decode_tokens_per_s"] if base else None
        log.info("%10s %6d %10d %8d %12.1f %10.1f%%%s", row["prompts"], row["batch"], row["lookahead"],
                 row["decode_steps"], row["decode_tokens_per_s"], 100 * row["acceptance"],
                 f"  x{row['speedup']:.2f}" if base else "")
    sys.stdout.write(json.dumps({"model": args.model, "draft": args.draft, "results": rows}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
