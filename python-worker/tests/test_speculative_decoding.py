"""Speculative decoding by n-gram prompt lookup in the engine: the outputs are the target model's.

A step that gives a sequence lookahead k lets the engine append up to k drafts from the sequence's own
history, compute them in the same forward and keep each while the token sampled at its position equals
it. Greedy outputs must be identical with and without drafts, batched and mixed with sequences that do
not speculate; sampled outputs must follow the model's own distribution (checked exactly against the
model's probabilities on a 16-token vocabulary).
"""

import json
import math

import numpy as np
import pytest
import torch

from forward_probe import blocks_for, forward_logits
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.ngram_proposer import NgramProposer
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import SamplingParams
from lmi_worker.engine.step_builder import ScheduledSequence
from synthetic_models import write_model

REPEATING = [5, 6, 7, 8, 9] * 6  # a prompt whose continuation the n-grams predict, if the model repeats


def test_the_longest_suffix_seen_before_proposes_what_followed_it():
    proposer = NgramProposer(n_max=3)
    assert proposer.propose([1, 2, 3, 9, 1, 2, 3], 2) == [9, 1]
    # The latest earlier occurrence that k tokens follow wins, and a 3-gram beats a 1-gram.
    assert proposer.propose([4, 2, 3, 7, 2, 3, 8, 0, 2, 3], 1) == [8]
    assert proposer.propose([4, 2, 3, 7, 2, 3, 8, 0, 2, 3], 3) == [8, 0, 2]
    # Without k tokens after any occurrence, the latest one's continuation repeats with its period.
    assert proposer.propose([1, 9, 9, 9], 3) == [9, 9, 9]
    assert proposer.propose([1, 4, 5, 1, 4], 5) == [5, 1, 4, 5, 1]
    assert proposer.propose([1, 2, 3, 4], 3) == []
    assert proposer.propose([5, 5], 4) == [5, 5, 5, 5]
    assert proposer.propose([1, 2, 1], 0) == []


def _run(engine, prompts, lookaheads, params=SamplingParams(), max_new=24):
    """The generations, and how many tokens were accepted drafts (gained after a sequence's first in a step)."""
    runner = OfflineRunner(engine)
    for i, (prompt, lookahead) in enumerate(zip(prompts, lookaheads)):
        runner.add(i, prompt, max_new, params, lookahead=lookahead)
    accepted = 0
    while any(not g.done for g in runner.generations.values()):
        out = runner.step()
        accepted += len(out.seq_ids) - len(set(out.seq_ids.tolist()))
    return runner.generations, accepted


@pytest.mark.parametrize("model", ["tiny-llama", "vocab16"])
def test_greedy_outputs_are_identical_with_drafts_batched_and_mixed(model, tiny_llama_engine, small_vocab_engine,
                                                                    golden_cases):
    # tiny-llama's random weights never repeat themselves, so its drafts are all rejected; the 16-token
    # model repeats often, so many of its drafts are kept.
    if model == "tiny-llama":
        engine, prompts = tiny_llama_engine, [REPEATING] + [case["prompt_ids"] for case in golden_cases]
    else:
        rng = np.random.default_rng(11)
        engine, prompts = small_vocab_engine, [rng.integers(2, 16, size=n).tolist() for n in (3, 9, 17, 30, 5, 12)]
    plain, none_accepted = _run(engine, prompts, [0] * len(prompts))
    # Every other sequence speculates; the rest decode one token a step beside them.
    mixed, mixed_accepted = _run(engine, prompts, [4 if i % 2 == 0 else 0 for i in range(len(prompts))])
    speculative, accepted = _run(engine, prompts, [4] * len(prompts))
    for i in range(len(prompts)):
        assert mixed[i].output == plain[i].output, f"sequence {i}, mixed"
        assert speculative[i].output == plain[i].output, f"sequence {i}"
        assert np.allclose(speculative[i].logprobs, plain[i].logprobs, atol=1e-4)
        assert [t for t, _ in speculative[i].top[-1]] == [t for t, _ in plain[i].top[-1]]
    assert none_accepted == 0
    if model == "vocab16":
        assert mixed_accepted > 0 and accepted > mixed_accepted


def test_a_step_reserves_the_lookahead_s_slots_and_refuses_a_table_without_them(tiny_llama_engine):
    from lmi_worker.engine.step import NewSequence, StepError
    from lmi_worker.engine.step_builder import build_step

    prompt = REPEATING[:16]
    batch = build_step(0, [ScheduledSequence(901, prompt, 0, [0], lookahead=2)],
                       [NewSequence(901, len(prompt), SamplingParams())])
    with pytest.raises(StepError, match="positions up to 17 need 2"):
        tiny_llama_engine.execute(batch)


@pytest.fixture(scope="module")
def small_vocab_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "vocab16"
    # Small logits (weights scaled down) keep every token likely: the distribution is tested where it is wide.
    write_model(path, "LlamaForCausalLM", seed=3, vocab_size=16, bos_token_id=0, eos_token_id=1)
    return LmiDistEngine.load(EngineOptions(model_dir=str(path), kv_cache_bytes=96 << 20))


def _probabilities(engine, ids):
    table = blocks_for(len(ids), engine.capacity.block_size, list(range(engine.capacity.num_blocks)))
    logits = forward_logits(engine, [ScheduledSequence(1, ids, 0, table)])[0][-1]
    return torch.softmax(logits.double(), dim=-1)


def _chi_square_threshold(df: int, z: float = 3.09) -> float:
    """The chi-square quantile for upper tail p = 0.001 (z), by Wilson and Hilferty's approximation."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def test_sampled_tokens_follow_the_target_distribution(small_vocab_engine):
    prompt = [2, 3, 4, 2, 3, 4, 2, 3]  # the 2-gram [2, 3] proposes [4, 2]
    n = 3000
    runner = OfflineRunner(small_vocab_engine, lookahead=2)
    for i in range(n):
        runner.add(i, prompt, 3, SamplingParams(temperature=1.0, seed=i))
    accepted = 0
    while any(not g.done for g in runner.generations.values()):
        out = runner.step()
        accepted += len(out.seq_ids) - len(set(out.seq_ids.tolist()))
    samples = np.array([runner.generations[i].output for i in range(n)])
    # Enough kept drafts that a wrong distribution on their paths would show.
    assert accepted >= 0.05 * n, f"only {accepted} drafts kept"
    # Exact marginals of the first three tokens from the model's own probabilities.
    p1 = _probabilities(small_vocab_engine, prompt)
    p2 = torch.stack([_probabilities(small_vocab_engine, prompt + [a]) for a in range(16)])  # [t1, t2]
    marginal2 = p1 @ p2
    marginal3 = torch.zeros(16, dtype=torch.float64)
    for a in range(16):
        for b in range(16):
            marginal3 += p1[a] * p2[a, b] * _probabilities(small_vocab_engine, prompt + [a, b])
    for position, expected in enumerate((p1, marginal2, marginal3)):
        counts = np.bincount(samples[:, position], minlength=16)
        expect = expected.numpy() * n
        big = expect >= 5  # the rest pooled into one category
        observed = np.append(counts[big], counts[~big].sum())
        wanted = np.append(expect[big], expect[~big].sum())
        if wanted[-1] == 0:
            observed, wanted = observed[:-1], wanted[:-1]
        statistic = float(((observed - wanted) ** 2 / wanted).sum())
        assert statistic < _chi_square_threshold(len(wanted) - 1), f"token {position + 1}: chi-square {statistic}"


def test_the_benchmark_reports_acceptance_on_a_model_that_repeats(tiny_llama_dir, tmp_path, capsys):
    from lmi_worker import spec_bench
    from make_repeater_model import write_repeater_model

    repeater = write_repeater_model(tiny_llama_dir, tmp_path / "repeater")
    spec_bench.main(["--model", str(repeater), "--batch", "2", "--prompt", "12", "--decode", "6", "--lookahead", "0,2",
                     "--prompts", "random", "--kv-cache-bytes", str(16 << 20)])
    rows = {row["lookahead"]: row for row in json.loads(capsys.readouterr().out.splitlines()[-1])["results"]}
    # The repeater's greedy output repeats its last token: every draft after the first step is kept.
    assert rows[0]["acceptance"] == 0 and rows[0]["decode_steps"] == 5
    assert rows[2]["acceptance"] > 0.5 and rows[2]["decode_steps"] < 5 and rows[2]["speedup"] > 0


def test_the_benchmark_with_a_one_layer_repeater_as_draft_keeps_its_drafts(tiny_llama_dir, tmp_path, capsys):
    from lmi_worker import spec_bench
    from make_repeater_model import write_repeater_model

    repeater = write_repeater_model(tiny_llama_dir, tmp_path / "repeater")
    draft = write_repeater_model(tiny_llama_dir, tmp_path / "draft", layers=1)
    assert json.loads((draft / "config.json").read_text())["num_hidden_layers"] == 1
    spec_bench.main(["--model", str(repeater), "--draft", str(draft), "--batch", "2", "--prompt", "12", "--decode",
                     "6", "--lookahead", "0,2", "--prompts", "random", "--kv-cache-bytes", str(16 << 20)])
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    rows = {row["lookahead"]: row for row in result["results"]}
    assert result["draft"] == str(draft)
    # Its one layer adds nothing to the residual stream, as none of the repeater's do: it proposes what the
    # repeater samples, so every draft is kept (the first step's too, unlike n-grams, which need history).
    assert rows[0]["decode_steps"] == 5 and rows[2]["acceptance"] == 1.0 and rows[2]["decode_steps"] <= 2


def _draft_engine(model_dir, draft_dir, block_size=16):
    return LmiDistEngine.load(EngineOptions(model_dir=str(model_dir), kv_cache_bytes=64 << 20, block_size=block_size,
                                            speculative_draft_model=None if draft_dir is None else str(draft_dir)))


def test_the_model_as_its_own_draft_keeps_every_draft_and_changes_nothing(tiny_llama_dir, tiny_llama_engine,
                                                                          golden_cases):
    from tp_probe import BLOCK_SIZE, run_scenarios

    engine = _draft_engine(tiny_llama_dir, tiny_llama_dir)
    prompts = [case["prompt_ids"] for case in golden_cases]
    plain, _ = _run(tiny_llama_engine, prompts, [0] * len(prompts))
    drafted, accepted = _run(engine, prompts, [3] * len(prompts))
    assert [drafted[i].output for i in drafted] == [plain[i].output for i in plain]
    # Greedy drafts of the model itself are its greedy tokens: all kept, up to max_tokens' cap.
    assert accepted >= 0.9 * 3 * sum(len(g.output) for g in plain.values()) / 4
    # Batches, chunked prefill, drafts, and prefix reuse with preemption: the draft's cache stays in step.
    want = run_scenarios(_draft_engine(tiny_llama_dir, None, BLOCK_SIZE), tiny_llama_engine.capacity.vocab_size)
    got = run_scenarios(_draft_engine(tiny_llama_dir, tiny_llama_dir, BLOCK_SIZE), engine.capacity.vocab_size)
    for scenario in want:
        assert {k: v["output"] for k, v in got[scenario].items()} == \
            {k: v["output"] for k, v in want[scenario].items()}, scenario


def test_a_different_draft_model_changes_no_output(tiny_llama_dir, tiny_llama_engine, golden_cases, tmp_path):
    draft_dir = tmp_path / "draft"
    write_model(draft_dir, "LlamaForCausalLM", seed=8, vocab_size=32000, num_hidden_layers=1, hidden_size=32,
                intermediate_size=64, num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512)
    engine = _draft_engine(tiny_llama_dir, draft_dir)
    prompts = [case["prompt_ids"] for case in golden_cases]
    plain, _ = _run(tiny_llama_engine, prompts, [0] * len(prompts))
    drafted, _ = _run(engine, prompts, [4] * len(prompts))
    assert [drafted[i].output for i in drafted] == [plain[i].output for i in plain]


def test_a_draft_with_another_vocabulary_is_refused_naming_the_option(tiny_llama_dir, tmp_path):
    draft_dir = tmp_path / "draft"
    write_model(draft_dir, "LlamaForCausalLM", vocab_size=512)
    with pytest.raises(ValueError, match="option.speculative_draft_model .*: its vocab_size 512 is not the model's "
                                         "32000"):
        _draft_engine(tiny_llama_dir, draft_dir)


def test_seeded_sampling_draws_the_same_tokens_with_and_without_drafts(small_vocab_engine):
    # A seeded row's token is a race of its logits and noise fixed by (seed, output index): a draft kept or
    # not, each position draws what it would have drawn alone. Logits computed in another batch shape differ
    # in their last bits, which can flip a race whose two best scores tie that closely: hence 99 %, not all.
    outputs = {}
    for lookahead in (0, 3):
        runner = OfflineRunner(small_vocab_engine, lookahead=lookahead)
        for i in range(300):
            runner.add(i, [2, 3, 4, 2, 3, 4, 2, 3], 8, SamplingParams(temperature=1.0, seed=i))
        outputs[lookahead] = [g.output for g in runner.run().values()]
    same = sum(a == b for a, b in zip(outputs[0], outputs[3]))
    assert same >= 297, f"{same} of 300 seeded sequences drew the same tokens"
