"""option.kv_cache_dtype float16: half the bytes per block, the same greedy outputs, both attention paths agree."""

import pytest
import torch

from forward_probe import decodes_after_prefills, forward_logits, with_gathering_attention
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.kernels import cpu_kernels
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import SamplingParams

# float16 keeps 11 significant bits of each K and V value: logprobs move by about 1e-3 on tiny-llama.
LOGPROB_TOLERANCE = 2e-2


@pytest.fixture(scope="module")
def half_cache_engine(tiny_llama_dir):
    return LmiDistEngine.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=32 << 20,
                                            kv_cache_dtype="float16"))


def test_blocks_take_half_the_bytes_and_the_cache_is_float16(half_cache_engine, tiny_llama_engine):
    assert half_cache_engine.cache.keys[0].dtype == torch.float16
    assert half_cache_engine.capacity.kv_bytes_per_block * 2 == tiny_llama_engine.capacity.kv_bytes_per_block
    assert half_cache_engine.model.dtype == torch.float32


def test_greedy_outputs_equal_the_float32_cache_on_the_golden_prompts(half_cache_engine, golden_cases):
    runner = OfflineRunner(half_cache_engine)
    for i, case in enumerate(golden_cases):
        runner.add(i, case["prompt_ids"], len(case["output_ids"]), SamplingParams(top_logprobs=1))
    results = runner.run()
    for i, case in enumerate(golden_cases):
        assert results[i].output == case["output_ids"], f"case {i} ({case['prompt']!r})"
        for step, expected in enumerate(case["steps"]):
            assert abs(expected["top"][0]["logprob"] - results[i].logprobs[step]) <= LOGPROB_TOLERANCE


def test_the_float16_kernel_and_the_gathering_path_agree(half_cache_engine):
    engine = half_cache_engine
    model = engine.model
    assert model.attention.kernel is not None, "the CPU kernel should build on this machine (gcc)"
    probe = torch.zeros(1, model.num_heads, model.head_dim)
    if not cpu_kernels.decode_attention_supports(model.attention.kernel, probe, engine.cache.keys[0]):
        pytest.skip("the float16 decode kernel needs AVX-512")
    decodes = decodes_after_prefills(engine, [1, 15, 16, 17, 70], seed=17)
    with_kernel = forward_logits(engine, decodes)
    gathered = with_gathering_attention(engine, decodes)
    for a, b in zip(with_kernel, gathered):
        assert torch.allclose(a, b, atol=1e-4, rtol=0)


def test_an_unknown_kv_cache_dtype_names_the_option_and_the_allowed_values(tiny_llama_dir):
    with pytest.raises(ValueError, match=r"option.kv_cache_dtype 'int4' is not supported; allowed: auto, float16"):
        LmiDistEngine.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=8 << 20,
                                         kv_cache_dtype="int4"))
