"""The CPU matmuls (int8, FP8 and float32 C kernels, the tiled BLAS path) against x @ dequantized W^T."""

import pytest
import torch

from lmi_worker.engine.kernels import cpu_kernels
from lmi_worker.engine.quant import e4m3, fp8, int8
from lmi_worker.engine.quant.linear_weight import DenseWeight

pytestmark = pytest.mark.skipif(cpu_kernels.load_library() is None, reason="no C compiler")


@pytest.mark.parametrize("out_features, in_features", [(64, 64), (13, 37), (130, 200), (7, 16)])
@pytest.mark.parametrize("rows", [1, 3, 4, 5, 16, 17, 64, 130, 400, 1100])  # 1100: the panel GEMM, in chunks
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])  # bfloat16: the tiled BLAS path
def test_matches_the_dequantized_matmul(out_features, in_features, rows, dtype):
    torch.manual_seed(out_features * 1000 + in_features + rows)
    weight = int8.Int8Weight.from_dense(DenseWeight(torch.randn(out_features, in_features, dtype=dtype)))
    assert (weight.kernel is not None) == (dtype == torch.float32)
    x = torch.randn(rows, in_features, dtype=dtype)
    bias = torch.randn(out_features, dtype=dtype)
    want = x.double() @ weight.dequantize().double().T + bias.double()
    got = weight.linear(x, bias)
    assert got.dtype == dtype
    # Sums of in_features products in float32 (bfloat16 keeps 8 bits): relative 1e-5 (1e-2) of the largest
    # output is ample for rounding and far below a wrong code or scale.
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2
    assert (got.double() - want).abs().max().item() <= tolerance * want.abs().max().item()


@pytest.mark.parametrize("out_features, in_features", [(64, 64), (13, 37), (130, 200)])
@pytest.mark.parametrize("rows", [1, 2, 5, 17, 64, 65, 200, 256, 400])
def test_float32_weights_take_mv_the_row_kernel_blas_or_the_panel_gemm_and_all_agree(out_features, in_features,
                                                                                    rows):
    torch.manual_seed(out_features + in_features * 7 + rows)
    weight = DenseWeight(torch.randn(out_features, in_features))
    assert weight.kernel is not None
    x = torch.randn(rows, in_features)
    bias = torch.randn(out_features)
    want = x.double() @ weight.weight.double().T + bias.double()
    got = weight.linear(x, bias)
    assert got.shape == (rows, out_features)
    assert (got.double() - want).abs().max().item() <= 1e-5 * want.abs().max().item()


def test_quantizes_each_row_symmetrically_to_127():
    w = torch.tensor([[1.0, -0.4, 0.25], [0.0, 0.0, 0.0], [-3.0, 1.2, 0.01]])
    q = int8.Int8Weight.from_dense(DenseWeight(w))
    assert q.qweight.tolist() == [[127, -51, 32], [0, 0, 0], [-127, 51, 0]]
    assert torch.allclose(q.scale, torch.tensor([1 / 127, 1.0, 3 / 127]))


@pytest.mark.parametrize("rows", [1, 5, 64, 130, 1100])  # 1100: the panel GEMM
def test_fp8_kernel_matches_the_dequantized_matmul(rows):
    torch.manual_seed(rows)
    weight = fp8.Fp8Weight.from_dense(DenseWeight(torch.randn(70, 200)))
    assert weight.kernel is not None
    x = torch.randn(rows, 200)
    want = x.double() @ weight.dequantize().double().T
    assert (weight.linear(x).double() - want).abs().max().item() <= 1e-5 * want.abs().max().item()


def test_fp8_kernel_widens_every_finite_code_exactly():
    # One row per code: x = e_k picks column k, so y is each code's value times the scale.
    codes = torch.tensor([c for c in range(256) if c & 0x7F != 0x7F], dtype=torch.uint8)
    weight = fp8.Fp8Weight(codes.reshape(-1, 1).contiguous(), torch.tensor(0.5), torch.float32)
    y = weight.linear(torch.ones(1, 1))
    assert torch.equal(y[0], e4m3.decode(codes) * 0.5)
