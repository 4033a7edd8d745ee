"""FP8 through torch._scaled_mm on a GPU that has it, against float64 on the same E4M3-rounded operands.

The kernel multiplies E4M3 activations (one scale, max|x| / 448) by E4M3 weight codes (one scale per
tensor), so its result equals a product of the decoded operands up to its accumulation. Measured on an
H200 (torch 2.11, 2026-12-04) against float32 on CUDA: up to 1.7e-4 of max|y| with float32 output and
5.4e-3 with bfloat16 output (which keeps 8 significant bits and adds the bias in bfloat16). The tolerances
leave ~3-6x over that and are far below what a transposed operand, a lost scale or padding rows leaking
into the output do (whole values).

The model-level check is per projection, on the inputs a real forward gives it: the logits of the whole
model cannot be compared with a float twin here, since rounding activations to 3 mantissa bits turns any
difference in summation order into flips of whole E4M3 steps (tests/test_quant_parity.py says more).
"""

import json

import pytest
import torch

from lmi_worker.engine.quant import e4m3
from lmi_worker.engine.quant.fp8 import Fp8Weight
from lmi_worker.engine.quant.linear_weight import DenseWeight
from quant_parity import ActivationRoundedWeight, device_engine, greedy

TOLERANCE = {torch.float32: 1e-3, torch.bfloat16: 2.0 ** -6}


def _fp8_gpu() -> bool:
    return (torch.cuda.is_available() and hasattr(torch, "float8_e4m3fn") and hasattr(torch, "_scaled_mm")
            and torch.cuda.get_device_capability() >= (8, 9))


pytestmark = pytest.mark.skipif(not _fp8_gpu(), reason="needs a CUDA GPU of compute capability 8.9+ and torch "
                                                       "with float8 (torch._scaled_mm)")


def _relative_error(got: torch.Tensor, reference: torch.Tensor) -> float:
    return (got.double() - reference.double()).abs().max().item() / reference.abs().max().clamp(min=1e-30).item()


def _float64_reference(weight: Fp8Weight, x: torch.Tensor, bias) -> torch.Tensor:
    # Decoded in float64: the weight's own dequantize() rounds code * scale to the compute dtype.
    decoded = e4m3.decode(weight.codes).double() * weight.scale.double()
    return ActivationRoundedWeight(decoded).linear(x.double(), None if bias is None else bias.double())


# tiny-llama's projections (q, k/v, gate/up, down) and one of bench-llama's.
@pytest.mark.parametrize("out_features,in_features", [(64, 64), (32, 64), (192, 64), (64, 192), (2048, 768)])
@pytest.mark.parametrize("rows", [1, 7, 16, 40, 130])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_scaled_mm_equals_float64_on_the_rounded_operands(out_features, in_features, rows, dtype):
    generator = torch.Generator().manual_seed(rows * 1000 + out_features)
    w = torch.randn(out_features, in_features, generator=generator)
    x = (torch.randn(rows, in_features, generator=generator) * 3).to("cuda", dtype)
    bias = torch.randn(out_features, generator=generator).to("cuda", dtype)
    weight = Fp8Weight.from_dense(DenseWeight(w.to("cuda", dtype)))
    assert weight.scaled_mm
    got = weight.linear(x, bias)
    assert got.dtype == dtype and got.shape == (rows, out_features)
    assert _relative_error(got, _float64_reference(weight, x, bias)) <= TOLERANCE[dtype]


def test_weights_of_odd_shapes_fall_back_to_dequantized_tiles():
    weight = Fp8Weight.from_dense(DenseWeight(torch.randn(40, 64, device="cuda")))
    assert not weight.scaled_mm
    x = torch.randn(3, 64, device="cuda")
    expected = x @ (e4m3.decode(weight.codes) * weight.scale).t()
    assert torch.allclose(weight.linear(x), expected, rtol=1e-5, atol=1e-5)


def test_every_projection_of_a_real_forward_matches_its_twin(tiny_llama_dir, monkeypatch):
    engine = device_engine(tiny_llama_dir, "fp8")
    cases = json.loads((tiny_llama_dir / "golden.json").read_text())["cases"]
    worst = {}
    run = Fp8Weight.linear

    def compared(weight, x, bias=None):
        y = run(weight, x, bias)
        key = (tuple(weight.codes.shape), x.shape[0])
        worst[key] = max(worst.get(key, 0.0), _relative_error(y, _float64_reference(weight, x, bias)))
        return y

    monkeypatch.setattr(Fp8Weight, "linear", compared)
    greedy(engine, cases)  # ragged prefills of the golden prompts, then batched decodes
    assert worst and all(weight.scaled_mm for layer in engine.model.layers for weight in layer.qkv_proj.parts)
    assert max(worst.values()) <= TOLERANCE[torch.float32], worst
