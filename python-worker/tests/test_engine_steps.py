"""Engine steps end to end: seeds, prompt logprobs, penalties, and malformed steps."""

import numpy as np
import pytest
import torch

from forward_probe import forward_logits
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.step import (ERR_BAD_STEP, ERR_BLOCK_TABLE_TOO_SHORT, ERR_POSITION_PAST_MAX_LEN,
                                    ERR_UNKNOWN_SEQUENCE, NewSequence, SamplingParams, StepError)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step

SEEDED = SamplingParams(temperature=1.0, top_p=0.9, seed=7)


def _prompt(seed, length):
    return [1] + np.random.default_rng(seed).integers(3, 32000, length - 1).tolist()


def test_seeded_sampling_repeats_whatever_shares_the_batch(tiny_llama_engine):
    alone = OfflineRunner(tiny_llama_engine)
    alone.add(0, _prompt(1, 20), 12, SEEDED)
    expected = alone.run()[0].output

    crowded = OfflineRunner(tiny_llama_engine, prefill_chunk=6)
    for i in range(1, 6):
        crowded.add(i, _prompt(10 + i, 5 + 7 * i), 12, SamplingParams(temperature=1.0))
    crowded.add(0, _prompt(1, 20), 12, SEEDED)
    assert crowded.run()[0].output == expected

    other_seed = OfflineRunner(tiny_llama_engine)
    other_seed.add(0, _prompt(1, 20), 12, SamplingParams(temperature=1.0, top_p=0.9, seed=8))
    assert other_seed.run()[0].output != expected


def test_a_step_budget_chunks_the_prompts_in_order_and_changes_no_token(tiny_llama_engine):
    prompts = [_prompt(20 + i, 10) for i in range(3)]
    whole = OfflineRunner(tiny_llama_engine)
    for i, prompt in enumerate(prompts):
        whole.add(300 + i, prompt, 4)
    expected = [gen.output for gen in whole.run().values()]

    budgeted = OfflineRunner(tiny_llama_engine, max_num_batched_tokens=16)
    for i, prompt in enumerate(prompts):
        budgeted.add(400 + i, prompt, 4)
    computed = []
    for _ in range(3):
        budgeted.step()
        computed.append([gen.computed for gen in budgeted.generations.values()])
    # The first prompt whole, 6 tokens of the second; then a decode, the second's last 4, the third whole.
    assert computed == [[10, 6, 0], [11, 10, 10], [12, 11, 11]]
    assert [gen.output for gen in budgeted.run().values()] == expected


def test_recompute_after_preemption_continues_the_same_seeded_tokens(tiny_llama_engine):
    prompt = _prompt(2, 15)
    full = OfflineRunner(tiny_llama_engine)
    full.add(0, prompt, 10, SEEDED)
    expected = full.run()[0].output

    # The scheduler drops the sequence after 4 tokens and later prefills prompt + those 4 again.
    resumed = OfflineRunner(tiny_llama_engine, block_order=list(range(tiny_llama_engine.capacity.num_blocks))[::-1])
    gen = resumed.add(0, prompt, 10, SEEDED)
    gen.output = expected[:4]
    assert resumed.run()[0].output == expected


def test_prompt_logprobs_match_the_model_and_do_not_depend_on_chunking(tiny_llama_engine):
    prompt = _prompt(3, 30)
    params = SamplingParams(prompt_logprobs=True, top_logprobs=3)
    table = list(range(2))
    logits = forward_logits(tiny_llama_engine, [ScheduledSequence(0, prompt, 0, table)])[0]
    lp = torch.log_softmax(logits, dim=-1)
    expected = np.array([np.nan] + [float(lp[p - 1, prompt[p]]) for p in range(1, 30)], np.float32)
    for chunk in (30, 7):
        runner = OfflineRunner(tiny_llama_engine, prefill_chunk=chunk)
        runner.add(50, prompt, 1, params)
        records = []
        while not runner.generations[50].done:
            records += runner.step().prompt_logprobs
        got = np.concatenate([r.logprobs for r in records])
        assert [r.start_pos for r in records] == list(range(0, 30, chunk))
        np.testing.assert_allclose(got, expected, atol=1e-4, equal_nan=True)
        top = np.concatenate([r.top_ids for r in records])
        assert top.shape == (30, 3) and (top[0] == -1).all()
        assert top[5].tolist() == lp[4].topk(3).indices.tolist()


def test_repetition_penalty_reaches_the_logits_as_hugging_face_defines_it(tiny_llama_engine):
    prompt = _prompt(4, 12)
    penalty = 0.05  # below 1 it favours seen tokens, so the effect on greedy output is certain
    logits = forward_logits(tiny_llama_engine, [ScheduledSequence(0, prompt, 0, [0])])[0][-1]
    seen = torch.tensor(sorted(set(prompt)))
    expected = logits.clone()
    expected[seen] = torch.where(logits[seen] > 0, logits[seen] / penalty, logits[seen] * penalty)
    expected = torch.log_softmax(expected, dim=-1)

    runner = OfflineRunner(tiny_llama_engine)
    runner.add(0, prompt, 4, SamplingParams(repetition_penalty=penalty, top_logprobs=5))
    gen = runner.run()[0]
    assert gen.output[0] == int(expected.argmax()) and gen.output[0] in prompt
    best = expected.topk(5)
    assert [t for t, _ in gen.top[0]] == best.indices.tolist()
    np.testing.assert_allclose([lp for _, lp in gen.top[0]], best.values.numpy(), atol=1e-4)
    assert all(token in prompt for token in gen.output)


def _good_step(step_id, seq_id):
    return build_step(step_id, [ScheduledSequence(seq_id, [1, 415, 5565], 0, [0])],
                      [NewSequence(seq_id, 3, SamplingParams())])


BAD_STEPS = {
    "block table too short": (ERR_BLOCK_TABLE_TOO_SHORT, lambda: build_step(
        1, [ScheduledSequence(900, list(range(3, 40)), 0, [0])], [NewSequence(900, 37, SamplingParams())])),
    "position past max_model_len": (ERR_POSITION_PAST_MAX_LEN, lambda: build_step(
        1, [ScheduledSequence(900, [5], 512, list(range(33)))], [NewSequence(900, 0, SamplingParams(),
                                                                             np.full(512, 5, np.int32))])),
    "unknown sequence": (ERR_UNKNOWN_SEQUENCE, lambda: build_step(1, [ScheduledSequence(12345, [5], 0, [0])])),
    "token outside vocabulary": (ERR_BAD_STEP, lambda: build_step(
        1, [ScheduledSequence(900, [1, 32000], 0, [0])], [NewSequence(900, 2, SamplingParams())])),
    "block outside cache": (ERR_BAD_STEP, lambda: build_step(
        1, [ScheduledSequence(900, [1, 2], 0, [10 ** 6])], [NewSequence(900, 2, SamplingParams())])),
    "start past computed tokens": (ERR_BAD_STEP, lambda: build_step(2, [ScheduledSequence(800, [9], 10, [0])])),
    "bad sampling params": (ERR_BAD_STEP, lambda: build_step(
        1, [ScheduledSequence(900, [1], 0, [0])], [NewSequence(900, 1, SamplingParams(top_p=0.0))])),
}


@pytest.mark.parametrize("name", sorted(BAD_STEPS))
def test_malformed_step_gets_an_error_and_the_next_good_step_works(tiny_llama_engine, name):
    engine = tiny_llama_engine
    engine.execute(_good_step(0, 800))
    code, make = BAD_STEPS[name]
    with pytest.raises(StepError) as err:
        engine.execute(make())
    assert err.value.code == code, str(err.value)
    assert 900 not in engine.states, "a failed step must not register its sequences"
    out = engine.execute(build_step(3, [ScheduledSequence(800, [int(0)], 3, [0])]))
    assert out.seq_ids.tolist() == [800] and 0 <= out.token_ids[0] < 32000


def test_layout_errors_are_reported(tiny_llama_engine):
    batch = _good_step(0, 801)
    batch.token_offsets = np.array([0, 5], np.int32)
    with pytest.raises(StepError, match="token_offsets"):
        tiny_llama_engine.execute(batch)
    batch = build_step(0, [ScheduledSequence(802, [1], 0, [0]), ScheduledSequence(802, [1], 0, [1])],
                       [NewSequence(802, 1, SamplingParams())])
    with pytest.raises(StepError, match="twice"):
        tiny_llama_engine.execute(batch)


def test_a_failed_step_does_not_forget_its_finished_sequences(tiny_llama_engine):
    engine = tiny_llama_engine
    engine.execute(_good_step(0, 804))
    with pytest.raises(StepError):
        engine.execute(build_step(1, [ScheduledSequence(12345, [5], 0, [0])], finished=[804]))
    assert 804 in engine.states


def test_a_step_that_only_finishes_sequences_returns_an_empty_output(tiny_llama_engine):
    engine = tiny_llama_engine
    engine.execute(_good_step(0, 805))
    out = engine.execute(build_step(1, [], finished=[805]))
    assert out.step_id == 1 and len(out.seq_ids) == 0 and 805 not in engine.states


def test_finished_sequences_are_forgotten(tiny_llama_engine):
    engine = tiny_llama_engine
    engine.execute(_good_step(0, 803))
    engine.execute(build_step(1, [], finished=[803]))
    with pytest.raises(StepError) as err:
        engine.execute(build_step(2, [ScheduledSequence(803, [5], 3, [0])]))
    assert err.value.code == ERR_UNKNOWN_SEQUENCE
