"""The int8 weight-only matmul (C kernel and the tiled BLAS path) against x @ dequantized W^T."""

import pytest
import torch

from lmi_worker.engine.kernels import cpu_kernels
from lmi_worker.engine.quant import int8
from lmi_worker.engine.quant.linear_weight import DenseWeight

pytestmark = pytest.mark.skipif(cpu_kernels.load_library() is None, reason="no C compiler")


@pytest.mark.parametrize("out_features, in_features", [(64, 64), (13, 37), (130, 200), (7, 16)])
@pytest.mark.parametrize("rows", [1, 3, 4, 5, 16, 17, 40])
def test_matches_the_dequantized_matmul(out_features, in_features, rows):
    torch.manual_seed(out_features * 1000 + in_features + rows)
    weight = int8.Int8Weight.from_dense(DenseWeight(torch.randn(out_features, in_features)))
    x = torch.randn(rows, in_features)
    bias = torch.randn(out_features)
    want = x.double() @ weight.dequantize().double().T + bias.double()
    got = weight.linear(x, bias)
    # float32 sums of in_features products of magnitude ~3: relative 1e-5 of the largest output is ample.
    assert (got.double() - want).abs().max().item() <= 1e-5 * want.abs().max().item()


def test_kernel_serves_decode_rows_and_blas_the_rest(monkeypatch):
    calls = []
    kernel = cpu_kernels.int8_linear
    monkeypatch.setattr(cpu_kernels, "int8_linear", lambda *a: calls.append(a[1].shape[0]) or kernel(*a))
    weight = int8.Int8Weight.from_dense(DenseWeight(torch.randn(32, 48)))
    for rows in (1, int8.KERNEL_MAX_ROWS, int8.KERNEL_MAX_ROWS + 1):
        weight.linear(torch.randn(rows, 48))
    assert calls == [1, int8.KERNEL_MAX_ROWS]


def test_quantizes_each_row_symmetrically_to_127():
    w = torch.tensor([[1.0, -0.4, 0.25], [0.0, 0.0, 0.0], [-3.0, 1.2, 0.01]])
    q = int8.Int8Weight.from_dense(DenseWeight(w))
    assert q.qweight.tolist() == [[127, -51, 32], [0, 0, 0], [-127, 51, 0]]
    assert torch.allclose(q.scale, torch.tensor([1 / 127, 1.0, 3 / 127]))
