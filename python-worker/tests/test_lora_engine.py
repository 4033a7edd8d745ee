"""LoRA in the engine's steps: parity with merged checkpoints, mixed batches, slots, and refused steps.

Logprobs are compared within 1e-4 (float32): the LoRA path sums (x A^T) B^T apart from x W^T while the
merged checkpoint sums x (W + B A)^T, and the merged weights are rounded to float32 once; the two differ
by 4.8e-5 at most on these prompts. Greedy ids must be identical: the smallest gap between the two best
logprobs of any step here is 6.6e-3.
"""

import os

import numpy as np
import pytest

import lmi_worker.engine.engine as engine_module
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import (ERR_BAD_STEP, ERR_TOO_MANY_ADAPTERS, ERR_UNKNOWN_ADAPTER, NewSequence,
                                    SamplingParams, StepError)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from make_test_adapters import TEST_ADAPTERS

ATOL = 1e-4
DEVICE = os.environ.get("LMI_TEST_DEVICE", "cpu")
NAMES = list(TEST_ADAPTERS)
ADAPTER_IDS = {name: i for i, name in enumerate(NAMES, 1)}
PARAMS = SamplingParams(top_logprobs=4)
PROMPTS = [[1] + np.random.default_rng(seed).integers(3, 32000, length - 1).tolist()
           for seed, length in ((1, 7), (2, 23), (3, 40))]


def load(model_dir, max_loras=0) -> LmiDistEngine:
    return LmiDistEngine.load(EngineOptions(model_dir=str(model_dir), device=DEVICE, kv_cache_bytes=16 << 20,
                                            max_loras=max_loras))


@pytest.fixture(scope="module")
def lora_engine(tiny_llama_dir, lora_dir) -> LmiDistEngine:
    engine = load(tiny_llama_dir, max_loras=len(NAMES))
    for name, adapter_id in ADAPTER_IDS.items():
        engine.register_adapter(adapter_id, name, str(lora_dir / name))
    return engine


def generate(engine, prompts_and_adapters, max_new_tokens=10, prefill_chunk=1 << 30):
    """Each (prompt, adapter id) run together; the generations in order. Forgets them in the engine after."""
    runner = OfflineRunner(engine, prefill_chunk=prefill_chunk)
    for i, (prompt, adapter_id) in enumerate(prompts_and_adapters):
        runner.add(i, prompt, max_new_tokens, PARAMS, adapter_id)
    generations = list(runner.run().values())
    runner.step()  # sends the finished sequences, which unpins their adapters
    return generations


def assert_same(got, want):
    assert got.output == want.output
    np.testing.assert_allclose(got.logprobs, want.logprobs, atol=ATOL)
    for got_top, want_top in zip(got.top, want.top):
        assert [t for t, _ in got_top] == [t for t, _ in want_top]
        np.testing.assert_allclose([lp for _, lp in got_top], [lp for _, lp in want_top], atol=ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_an_adapter_computes_what_its_merged_checkpoint_computes(lora_engine, lora_dir, name):
    merged = load(lora_dir / f"{name}-merged")
    want = generate(merged, [(p, 0) for p in PROMPTS])
    base = generate(lora_engine, [(p, 0) for p in PROMPTS])
    assert all(b.output != w.output for b, w in zip(base, want)), "the adapter must change the greedy tokens"
    for chunk in (1 << 30, 6):
        got = generate(lora_engine, [(p, ADAPTER_IDS[name]) for p in PROMPTS], prefill_chunk=chunk)
        for g, w in zip(got, want):
            assert_same(g, w)


@pytest.mark.parametrize("name", NAMES)
def test_a_prefix_cache_start_continues_the_adapter_computation(lora_engine, lora_dir, name):
    # Sequence 1 fills block 0 with 16 prompt tokens; sequence 2 shares them (start_pos 16, prefix_ids).
    adapter_id = ADAPTER_IDS[name]
    prompt = PROMPTS[2]
    lora_engine.execute(build_step(0, [ScheduledSequence(1, prompt[:20], 0, [0, 1], sample=False)],
                                   [NewSequence(1, 20, PARAMS, adapter_id=adapter_id)]))
    out = lora_engine.execute(build_step(1, [ScheduledSequence(2, prompt[16:], 16, [0, 2, 3])],
                                         [NewSequence(2, len(prompt), PARAMS, np.array(prompt[:16], np.int32),
                                                      adapter_id)], finished=[1]))
    lora_engine.execute(build_step(2, [], finished=[2]))
    want = generate(load(lora_dir / f"{name}-merged"), [(prompt, 0)], max_new_tokens=1)[0]
    assert out.token_ids.tolist() == want.output
    np.testing.assert_allclose(out.logprobs, want.logprobs, atol=ATOL)
    np.testing.assert_allclose(out.top_logprobs[0], [lp for _, lp in want.top[0]], atol=ATOL)


def test_a_batch_mixing_adapters_and_the_base_model_equals_each_run_alone(lora_engine):
    # Adapter 1's sequences are not adjacent, so its rows are gathered by index; prefill chunks mix with decodes.
    adapters = [1, 0, 2, 1, 3, 4, 0]
    prompts = [PROMPTS[i % 3][:30 - 3 * i] for i in range(len(adapters))]
    alone = [generate(lora_engine, [(p, a)])[0] for p, a in zip(prompts, adapters)]
    together = generate(lora_engine, list(zip(prompts, adapters)), prefill_chunk=9)
    for got, want in zip(together, alone):
        assert_same(got, want)


def test_a_step_without_adapter_rows_takes_no_lora_path(lora_engine, monkeypatch):
    class NoLora:
        @staticmethod
        def build(*args):
            raise AssertionError("a step without adapter rows built a LoraBatch")

    want = generate(lora_engine, [(PROMPTS[1], 0)])[0]
    monkeypatch.setattr(engine_module, "LoraBatch", NoLora)
    assert_same(generate(lora_engine, [(PROMPTS[1], 0)])[0], want)


@pytest.fixture
def two_slot_engine(tiny_llama_dir, lora_dir) -> LmiDistEngine:
    engine = load(tiny_llama_dir, max_loras=2)
    for name, adapter_id in ADAPTER_IDS.items():
        engine.register_adapter(adapter_id, name, str(lora_dir / name))
    return engine


def test_two_slots_serve_four_adapters_in_turn_evicting_the_least_recently_used(lora_engine, two_slot_engine):
    want = {a: generate(lora_engine, [(PROMPTS[1], a)])[0] for a in ADAPTER_IDS.values()}
    for adapter_id, resident in [(1, [1]), (2, [1, 2]), (3, [2, 3]), (1, [3, 1]), (3, [1, 3]), (4, [3, 4]),
                                 (2, [4, 2])]:
        assert_same(generate(two_slot_engine, [(PROMPTS[1], adapter_id)])[0], want[adapter_id])
        assert two_slot_engine.lora.resident() == resident, f"after adapter {adapter_id}"


def test_more_live_adapters_than_slots_is_refused_and_the_engine_goes_on(lora_engine, two_slot_engine):
    engine = two_slot_engine
    runner = OfflineRunner(engine)
    runner.add(10, PROMPTS[0], 3, PARAMS, adapter_id=1)
    runner.add(11, PROMPTS[0], 3, PARAMS, adapter_id=2)
    runner.step()
    third = build_step(100, [ScheduledSequence(12, PROMPTS[0], 0, [500])], [NewSequence(12, 7, PARAMS, adapter_id=3)])
    with pytest.raises(StepError, match="live sequences use 3 adapters \\(1, 2, 3\\); option.max_loras is 2") as err:
        engine.execute(third)
    assert err.value.code == ERR_TOO_MANY_ADAPTERS
    assert 12 not in engine.states and engine.lora.resident() == [1, 2]
    finished = runner.run()
    for seq_id, adapter_id in ((10, 1), (11, 2)):
        assert_same(finished[seq_id], generate(lora_engine, [(PROMPTS[0], adapter_id)], max_new_tokens=3)[0])
    runner.step()  # sequences 10 and 11 are forgotten: adapter 3 fits now
    out = engine.execute(third)
    assert out.token_ids.tolist() == generate(lora_engine, [(PROMPTS[0], 3)], max_new_tokens=1)[0].output


def test_an_unknown_adapter_or_a_negative_id_is_refused_and_the_engine_goes_on(two_slot_engine):
    engine = two_slot_engine
    for adapter_id, code, words in ((99, ERR_UNKNOWN_ADAPTER, "adapter id 99 is not registered"),
                                    (-1, ERR_BAD_STEP, "adapter_id -1 is negative")):
        with pytest.raises(StepError, match=words) as err:
            engine.execute(build_step(0, [ScheduledSequence(20, PROMPTS[0], 0, [0])],
                                      [NewSequence(20, 7, PARAMS, adapter_id=adapter_id)]))
        assert err.value.code == code and 20 not in engine.states
    assert len(generate(engine, [(PROMPTS[0], 1)])[0].output) == 10


def test_unregistering_needs_the_adapter_registered_and_unused(two_slot_engine, lora_dir):
    engine = two_slot_engine
    runner = OfflineRunner(engine)
    runner.add(30, PROMPTS[0], 2, PARAMS, adapter_id=1)
    runner.step()
    with pytest.raises(ValueError, match="adapter id 1 is used by a live sequence"):
        engine.unregister_adapter(1)
    with pytest.raises(ValueError, match="adapter id 7 is not registered"):
        engine.unregister_adapter(7)
    with pytest.raises(ValueError, match="adapter id 2 is already registered"):
        engine.register_adapter(2, "again", str(lora_dir / "qv-r4"))
    runner.run()
    runner.step()
    engine.unregister_adapter(1)
    assert engine.lora.resident() == [] and 1 not in engine.lora.registered
    with pytest.raises(StepError) as err:
        engine.execute(build_step(0, [ScheduledSequence(31, PROMPTS[0], 0, [0])],
                                  [NewSequence(31, 7, PARAMS, adapter_id=1)]))
    assert err.value.code == ERR_UNKNOWN_ADAPTER


def test_with_lora_off_adapters_are_refused(tiny_llama_engine, lora_dir):
    with pytest.raises(ValueError, match="LoRA is off; set option.max_loras"):
        tiny_llama_engine.register_adapter(1, "qv", str(lora_dir / "qv-r4"))
    with pytest.raises(StepError, match="LoRA is off") as err:
        tiny_llama_engine.execute(build_step(0, [ScheduledSequence(40, PROMPTS[0], 0, [0])],
                                             [NewSequence(40, 7, PARAMS, adapter_id=1)]))
    assert err.value.code == ERR_UNKNOWN_ADAPTER
