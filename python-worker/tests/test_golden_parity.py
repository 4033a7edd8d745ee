"""The engine against llama.cpp's outputs on the same weights (testdata/tiny-llama/golden.json)."""

from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.step import SamplingParams

LOGPROB_TOLERANCE = 2e-3


def test_every_golden_case_matches_greedy_ids_and_top5_logprobs(tiny_llama_engine, golden_cases):
    runner = OfflineRunner(tiny_llama_engine)
    for i, case in enumerate(golden_cases):
        runner.add(i, case["prompt_ids"], len(case["output_ids"]), SamplingParams(top_logprobs=5))
    results = runner.run()
    for i, case in enumerate(golden_cases):
        gen = results[i]
        assert gen.output == case["output_ids"], f"case {i} ({case['prompt']!r})"
        for step, (expected, got) in enumerate(zip(case["steps"], gen.top)):
            assert [t["id"] for t in expected["top"]] == [t for t, _ in got], f"case {i} step {step}"
            for want, (_, lp) in zip(expected["top"], got):
                assert abs(want["logprob"] - lp) <= LOGPROB_TOLERANCE, f"case {i} step {step}"
            assert abs(expected["top"][0]["logprob"] - gen.logprobs[step]) <= LOGPROB_TOLERANCE
