"""One rank of a tensor-parallel group (or the engine alone) running test_tensor_parallel.py's scenarios.

    python3 tests/tp_probe.py --model DIR --out FILE [--rank R --size N --master HOST:PORT]

Rank 0 (or the lone engine) drives the scenarios through OfflineRunner and writes every generation's
tokens, logprobs and top-5 to FILE as JSON; the other ranks follow its steps. Each scenario starts from
fresh sequence ids over a shuffled block order: a batch of prompts at once; the same prompts prefilled
in chunks of 7 within a 24-token step budget; the same prompts with 3 n-gram drafts a step; and one sequence reusing another's cached prefix blocks
while the first is preempted (its blocks freed, its prompt and output prefilled again later).
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmi_worker.rank_cpus import pin_rank  # noqa: E402  (imports nothing heavy: pins before torch starts)

PROMPT_LENGTHS = (5, 17, 33, 40, 9, 24)
NEW_TOKENS = 12
BLOCK_SIZE = 8


def prompts(vocab_size: int):
    import numpy as np
    rng = np.random.default_rng(7)
    return [rng.integers(3, vocab_size, size=n).tolist() for n in PROMPT_LENGTHS]


def run_scenarios(engine, vocab_size: int) -> dict:
    from lmi_worker.engine.offline_runner import OfflineRunner, shuffled_blocks
    from lmi_worker.engine.step import SamplingParams

    params = SamplingParams(top_logprobs=5)
    num_blocks = engine.capacity.num_blocks
    results = {}
    batched = OfflineRunner(engine, shuffled_blocks(num_blocks, 1))
    chunked = OfflineRunner(engine, shuffled_blocks(num_blocks, 2), prefill_chunk=7, max_num_batched_tokens=24)
    speculative = OfflineRunner(engine, shuffled_blocks(num_blocks, 4), lookahead=3)
    for name, runner, first_id in (("batched", batched, 100), ("chunked", chunked, 200),
                                   ("speculative", speculative, 400)):
        for i, prompt in enumerate(prompts(vocab_size)):
            runner.add(first_id + i, prompt, NEW_TOKENS, params)
        results[name] = _outputs(runner.run())
    results["prefix_and_preemption"] = _prefix_and_preemption(
        OfflineRunner(engine, shuffled_blocks(num_blocks, 3)), prompts(vocab_size)[2], params)
    return results


def _prefix_and_preemption(runner, prompt, params) -> dict:
    first = runner.add(300, prompt, NEW_TOKENS, params)
    for _ in range(3):
        runner.step()
    # A second sequence whose prompt starts with the first's first two (full, cached) blocks.
    second = runner.add(301, prompt[:2 * BLOCK_SIZE] + prompt[:5], NEW_TOKENS, params)
    runner.reuse_prefix(second, first, 2)
    for _ in range(3):
        runner.step()
    # Preemption by recompute: the first loses its blocks and is prefilled again with what it generated.
    runner.release(first)
    first.computed = 0
    first.sent = False
    return _outputs(runner.run())


def _outputs(generations) -> dict:
    return {str(g.seq_id): {"output": g.output, "logprobs": g.logprobs, "top": g.top}
            for g in generations.values()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rank", type=int, default=0)
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--master", default=None)
    args = parser.parse_args()
    if args.size > 1:
        pin_rank(args.rank, args.size)
    from lmi_worker.engine.engine import LmiDistEngine
    from lmi_worker.engine.options import EngineOptions
    from lmi_worker.engine.tensor_parallel import TensorParallel
    from lmi_worker.engine.tp_group import LeaderEngine, follow

    tp = TensorParallel.join(args.rank, args.size, args.master) if args.size > 1 else None
    engine = LmiDistEngine.load(EngineOptions(model_dir=args.model, device="cpu", kv_cache_bytes=8 << 20,
                                              block_size=BLOCK_SIZE), tp=tp)
    if tp is not None and not tp.is_leader:
        follow(engine, tp)
        tp.close()
        return 0
    driver = engine if tp is None else LeaderEngine(engine, tp)
    results = run_scenarios(driver, engine.capacity.vocab_size)
    if tp is not None:
        driver.stop()
        tp.close()
    Path(args.out).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
