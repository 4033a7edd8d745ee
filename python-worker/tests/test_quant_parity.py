"""Each quantization mode against the float model run on its own dequantized weights (tests/quant_parity.py).

Tolerances, from measurement on tiny-llama (logits of std ~5, quantization moving them by 0.56 int8
and 2.6 fp8 from the float model's): the C kernels sum x * code and scale each output once where the
twin multiplies by code * scale first and sums in BLAS's order, so float32 rounding differs: measured
max logit difference 2.1e-5 int8, 2.0e-5 fp8, logprob
difference over the greedy decodes 9.5e-6 int8, 7.6e-6 fp8. 1e-4 leaves ~5x margin over the largest and
is far below what a wrong code, scale or row order does.

Through torch._scaled_mm (FP8 on a GPU of compute capability 8.9+) the activations are rounded to E4M3
too, and then no twin can match the whole model: a difference in summation order moves some activation
across a rounding midpoint, a whole E4M3 step, and the next layers carry it on. Measured on tiny-llama on
CPU, two activation-rounding twins whose projections differ by 1e-6 of max|y| (noise added to one) give
logits 1.03 apart and 0 of 8 identical greedy sequences; on an H200 the kernel against the twin gave
1.73 and 0 of 8 while single products of random operands matched within 1.7e-4. There test_fp8_scaled_mm.py checks every
projection of a real forward against float64 on the same rounded operands instead.
"""


import pytest

from make_quantized_models import write_quantized_model
from quant_parity import device_engine, dequantized_twin, greedy, max_logit_difference, runs_scaled_mm

LOGIT_TOLERANCE = 1e-4
LOGPROB_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def engines(tiny_llama_dir, tmp_path_factory):
    """Per mode, the engine: on-the-fly from the float checkpoint, and loaded pre-quantized."""
    out = {}
    for method in ("int8", "fp8"):
        out[method] = device_engine(tiny_llama_dir, method)
        out[method + "-checkpoint"] = device_engine(write_quantized_model(tiny_llama_dir,
                                                                          tmp_path_factory.mktemp(method), method))
    return out


@pytest.mark.parametrize("mode", ["int8", "int8-checkpoint", "fp8", "fp8-checkpoint"])
def test_logits_and_greedy_tokens_match_the_dequantized_float_model(engines, golden_cases, mode):
    engine = engines[mode]
    assert engine.capacity.quantization == mode.split("-")[0]
    if runs_scaled_mm(engine.model.layers[0].qkv_proj):
        pytest.skip("FP8 through torch._scaled_mm rounds activations: test_fp8_scaled_mm.py checks it per projection")
    twin = dequantized_twin(engine)
    assert max_logit_difference(engine, twin, golden_cases) <= LOGIT_TOLERANCE
    got, want = greedy(engine, golden_cases), greedy(twin, golden_cases)
    for i, ((ids, logprobs), (want_ids, want_logprobs)) in enumerate(zip(got, want)):
        assert ids == want_ids, f"case {i}"
        assert max(abs(a - b) for a, b in zip(logprobs, want_logprobs)) <= LOGPROB_TOLERANCE, f"case {i}"


@pytest.mark.parametrize("method", ["int8", "fp8"])
def test_quantizing_at_load_gives_the_checkpoint_script_s_codes_and_scales(engines, method):
    # The script computes the format from its definition in float64, apart from the engine's quantizer.
    for fly, stored in zip(engines[method].model.layers, engines[method + "-checkpoint"].model.layers):
        for name in ("qkv_proj", "o_proj", "gate_up_proj", "down_proj"):
            a, b = getattr(fly, name), getattr(stored, name)
            assert (a.dequantize() - b.dequantize()).abs().max().item() <= 1e-6 * a.dequantize().abs().max().item()


def test_quantization_changes_the_model(engines, tiny_llama_dir, golden_cases):
    # Guards the parity test against comparing a model with itself: the float logits differ by far more.
    float_engine = device_engine(tiny_llama_dir)
    for method in ("int8", "fp8"):
        assert max_logit_difference(engines[method], float_engine, golden_cases) > 100 * LOGIT_TOLERANCE
