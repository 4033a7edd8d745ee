"""The offline benchmark's end-to-end figure: every step of a serving run, prompts chunked by the step budget."""

import pytest

from lmi_worker import bench


@pytest.mark.parametrize("budget, reruns", [(16, False), (8, True)])
def test_generation_throughput_reruns_the_batch_only_when_the_server_would_chunk(
        tiny_llama_engine, monkeypatch, budget, reruns):
    calls = []

    def serve_seconds(engine, batch, prompt, decode, seed, max_num_batched_tokens):
        calls.append((batch, prompt, decode, max_num_batched_tokens))
        return 2.0

    monkeypatch.setattr(bench, "serve_seconds", serve_seconds)
    row = bench.run_batch(tiny_llama_engine, 2, 8, 3, seed=0, max_num_batched_tokens=budget)
    assert calls == ([(2, 8, 3, 8)] if reruns else [])
    assert row["prefill_tokens_per_s"] > 0 and row["decode_tokens_per_s"] > 0
    # Each sequence makes decode + 1 = 4 tokens: the first in the prefill step.
    if reruns:
        assert row["generation_tokens_per_s"] == 2 * 4 / 2.0
    else:
        assert row["generation_tokens_per_s"] > 0


def test_serve_seconds_runs_the_batch_to_completion(tiny_llama_engine):
    assert bench.serve_seconds(tiny_llama_engine, 2, 8, 3, seed=0, max_num_batched_tokens=8) > 0
