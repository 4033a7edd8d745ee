"""GPTQ and AWQ 4-bit layouts: packing, dequantization against a reference reader written here from the
formats' descriptions, act-order, group_size -1, fusing, and the loaders' checks."""

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Tuple

import numpy as np
import pytest
import torch

from lmi_worker.engine.kernels import cpu_kernels
from lmi_worker.engine.quant import awq, gptq
from lmi_worker.engine.quant.int4_packing import AWQ_ORDER, pack_int4, unpack_int4
from lmi_worker.engine.quant.int4_weight import Int4Weight
from lmi_worker.engine.quant.linear_weight import StackedWeight
from make_gptq_awq_models import write_quantized_model
from lmi_worker.engine.safetensors import load_safetensors

CPU = torch.device("cpu")


@dataclass
class Shapes:
    """What a loader reads from the quantization plumbing: quantization_config and each [out, in]."""

    params: Mapping[str, Any]
    shapes: Dict[str, Tuple[int, int]] = field(default_factory=dict)

    def weight_shape(self, prefix: str) -> Tuple[int, int]:
        return self.shapes[prefix + ".weight"]


def reference_gptq(t: Dict[str, torch.Tensor], in_features: int) -> np.ndarray:
    """W [out, in] from AutoGPTQ's description, one input row at a time: nibble i % 8 of qweight row i // 8;
    zero = nibble o % 8 of qzeros column o // 8, plus one (v1); W = scale * (q - zero) by g_idx."""
    qweight = t["qweight"].numpy().view(np.uint32)
    qzeros = t["qzeros"].numpy().view(np.uint32)
    scales = t["scales"].float().numpy()
    out = scales.shape[1]
    cols = np.arange(out)
    zeros = ((qzeros[:, cols // 8] >> (4 * (cols % 8))) & 0xF).astype(np.float64) + 1
    w = np.empty((out, in_features), np.float64)
    for i in range(in_features):
        g = int(t["g_idx"][i])
        q = (qweight[i // 8] >> (4 * (i % 8))) & 0xF
        w[:, i] = scales[g] * (q - zeros[g])
    return w


def reference_awq(t: Dict[str, torch.Tensor], group_size: int) -> np.ndarray:
    """W [out, in] from AutoAWQ's GEMM description, one output column at a time: column o sits in int32
    o // 8 at the nibble i where [0, 2, 4, 6, 1, 3, 5, 7][i] == o % 8; W = scale * (q - zero), group i // size."""
    qweight = t["qweight"].numpy().view(np.uint32)
    qzeros = t["qzeros"].numpy().view(np.uint32)
    scales = t["scales"].float().numpy()
    in_features, out = qweight.shape[0], scales.shape[1]
    groups = np.arange(in_features) // group_size
    w = np.empty((out, in_features), np.float64)
    for o in range(out):
        shift = 4 * [0, 2, 4, 6, 1, 3, 5, 7].index(o % 8)
        q = ((qweight[:, o // 8] >> shift) & 0xF).astype(np.int64)
        z = ((qzeros[:, o // 8] >> shift) & 0xF).astype(np.int64)
        w[o] = scales[groups, o] * (q - z[groups])
    return w


def random_int32(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randint(-2**31, 2**31, shape, generator=gen, dtype=torch.int64).to(torch.int32)


def random_gptq(out: int, inp: int, groups: int, g_idx: torch.Tensor, seed: int) -> Dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {"qweight": random_int32(gen, inp // 8, out), "qzeros": random_int32(gen, groups, out // 8),
            "scales": (torch.rand(groups, out, generator=gen) * 0.1 + 0.01).half(), "g_idx": g_idx.to(torch.int32)}


def load_gptq(t: Dict[str, torch.Tensor], out: int, inp: int, **params) -> Int4Weight:
    tensors = {"p." + k: v for k, v in t.items()}
    config = Shapes({"quant_method": "gptq", "bits": 4, **params}, {"p.weight": (out, inp)})
    return gptq.load(tensors, "p", config, torch.float32, CPU)


def load_awq(t: Dict[str, torch.Tensor], out: int, inp: int, group_size: int) -> Int4Weight:
    tensors = {"p." + k: v for k, v in t.items()}
    config = Shapes({"quant_method": "awq", "bits": 4, "group_size": group_size, "zero_point": True,
                     "version": "gemm"}, {"p.weight": (out, inp)})
    return awq.load(tensors, "p", config, torch.float32, CPU)


@pytest.mark.parametrize("dim,order", [(0, tuple(range(8))), (1, tuple(range(8))), (1, AWQ_ORDER)])
def test_unpack_inverts_pack_for_random_values(dim, order):
    gen = torch.Generator().manual_seed(dim + len(order))
    q = torch.randint(0, 16, (48, 40), generator=gen, dtype=torch.int32)
    packed = pack_int4(q, dim, order)
    assert packed.dtype == torch.int32
    assert packed.shape == ((6, 40) if dim == 0 else (48, 5))
    assert torch.equal(unpack_int4(packed, dim, order), q)


def test_pack_puts_each_value_in_the_nibble_the_format_says():
    values = torch.arange(1, 9, dtype=torch.int32)
    assert pack_int4(values.view(1, 8), 1).item() == 0x87654321 - 2**32
    assert pack_int4(values.view(8, 1), 0).item() == 0x87654321 - 2**32
    # AWQ: nibbles hold columns 0, 2, 4, 6, 1, 3, 5, 7, i.e. values 1, 3, 5, 7, 2, 4, 6, 8 from the low end.
    assert pack_int4(values.view(1, 8), 1, AWQ_ORDER).item() == 0x86427531 - 2**32


def test_pack_refuses_values_outside_four_bits():
    with pytest.raises(ValueError, match=r"\[0, 15\]"):
        pack_int4(torch.full((8, 8), 16), 0)


@pytest.mark.parametrize("out,inp,group_size", [(64, 64, 32), (64, 192, 128), (48, 64, -1)])
def test_gptq_dequantize_matches_the_reference_reader(out, inp, group_size):
    size = inp if group_size == -1 else group_size
    groups = -(-inp // size)
    t = random_gptq(out, inp, groups, torch.arange(inp) // size, seed=inp)
    weight = load_gptq(t, out, inp, group_size=group_size)
    assert weight.dequantize().shape == (out, inp)
    np.testing.assert_allclose(weight.dequantize().double().numpy(), reference_gptq(t, inp), rtol=0, atol=1e-6)


def test_gptq_act_order_reads_each_rows_group_from_g_idx():
    out, inp, size = 32, 64, 16
    perm = torch.randperm(inp, generator=torch.Generator().manual_seed(3))
    g_idx = torch.empty(inp, dtype=torch.int64)
    g_idx[perm] = torch.arange(inp) // size  # act-order: the k-th row of perm is in group k // size
    t = random_gptq(out, inp, inp // size, g_idx, seed=4)
    weight = load_gptq(t, out, inp, group_size=size, desc_act=True)
    expected = reference_gptq(t, inp)
    np.testing.assert_allclose(weight.dequantize().double().numpy(), expected, rtol=0, atol=1e-6)
    # Read as if the groups were in input order, the same tensors give another weight.
    in_order = dict(t, g_idx=(torch.arange(inp) // size).to(torch.int32))
    assert not np.allclose(load_gptq(in_order, out, inp, group_size=size).dequantize().numpy(), expected)


@pytest.mark.parametrize("out,inp,group_size", [(64, 64, 32), (48, 192, 64), (32, 64, -1)])
def test_awq_dequantize_matches_the_reference_reader(out, inp, group_size):
    size = inp if group_size == -1 else group_size
    gen = torch.Generator().manual_seed(out + inp)
    t = {"qweight": random_int32(gen, inp, out // 8), "qzeros": random_int32(gen, inp // size, out // 8),
         "scales": (torch.rand(inp // size, out, generator=gen) * 0.1 + 0.01).half()}
    weight = load_awq(t, out, inp, group_size)
    np.testing.assert_allclose(weight.dequantize().double().numpy(), reference_awq(t, size), rtol=0, atol=1e-6)


def test_linear_computes_with_the_dequantized_weight():
    t = random_gptq(64, 64, 2, torch.arange(64) // 32, seed=5)
    weight = load_gptq(t, 64, 64, group_size=32)
    x = torch.randn(5, 64, generator=torch.Generator().manual_seed(6))
    bias = torch.randn(64, generator=torch.Generator().manual_seed(7))
    expected = x.double() @ weight.dequantize().double().t() + bias.double()
    torch.testing.assert_close(weight.linear(x, bias).double(), expected, rtol=1e-5, atol=1e-5)


def test_stack_rows_fuses_parts_that_share_their_groups_and_stacks_the_others():
    parts = [load_gptq(random_gptq(out, 64, 2, torch.arange(64) // 32, seed=out), out, 64, group_size=32)
             for out in (64, 32, 32)]
    fused = Int4Weight.stack_rows(parts)
    assert isinstance(fused, Int4Weight)
    assert torch.equal(fused.dequantize(), torch.cat([p.dequantize() for p in parts]))
    assert fused.nbytes == sum(p.nbytes for p in parts)
    g_idx = torch.randperm(64, generator=torch.Generator().manual_seed(8)) // 32
    other = load_gptq(random_gptq(32, 64, 2, g_idx, seed=9), 32, 64, group_size=32, desc_act=True)
    mixed = Int4Weight.stack_rows(parts[:2] + [other])
    assert isinstance(mixed, StackedWeight)
    assert torch.equal(mixed.dequantize(), torch.cat([parts[0].dequantize(), parts[1].dequantize(),
                                                      other.dequantize()]))


def test_nbytes_counts_the_packed_values_zeros_scales_and_row_order():
    out, inp = 64, 192
    in_order = load_gptq(random_gptq(out, inp, 6, torch.arange(inp) // 32, seed=10), out, inp, group_size=32)
    # 4 bits per weight, then float32 zeros and scales per (group, output); no row order for in-order groups.
    assert in_order.nbytes == out * inp // 2 + 2 * 6 * out * 4
    ragged = load_gptq(random_gptq(out, inp, 2, torch.arange(inp) // 128, seed=11), out, inp, group_size=128)
    assert ragged.nbytes == out * inp // 2 + 2 * 2 * out * 4
    g_idx = torch.randperm(inp, generator=torch.Generator().manual_seed(12)) // 32
    act_order = load_gptq(random_gptq(out, inp, 6, g_idx, seed=13), out, inp, group_size=32, desc_act=True)
    assert act_order.nbytes == out * inp // 2 + 2 * 6 * out * 4 + inp * 8


@pytest.mark.parametrize("out,inp,group_size,desc_act", [(40, 64, 32, False), (64, 192, 128, False),
                                                         (48, 96, 32, True), (24, 64, -1, False)])
def test_linear_matches_the_dequantized_weight_for_every_row_count(out, inp, group_size, desc_act):
    # 1 to 16 rows go through the C kernel (4 rows at a time, then the rest), more through the panel GEMM
    # (200 rows: two chunks of input rows); out 40 and 24 leave lanes masked, 192 / 128 a partial last group.
    size = inp if group_size == -1 else group_size
    g_idx = torch.arange(inp) // size
    if desc_act:
        g_idx = g_idx[torch.randperm(inp, generator=torch.Generator().manual_seed(14))]
    t = random_gptq(out, inp, -(-inp // size), g_idx, seed=out)
    weight = load_gptq(t, out, inp, group_size=group_size, desc_act=desc_act)
    assert (weight.kernel is not None) == (cpu_kernels.load_library() is not None)
    dense = weight.dequantize().double()
    np.testing.assert_allclose(dense.numpy(), reference_gptq(t, inp), rtol=0, atol=1e-6)
    gen = torch.Generator().manual_seed(15)
    for rows in (1, 2, 3, 4, 5, 7, 16, 17, 33, 200):
        x = torch.randn(rows, inp, generator=gen)
        torch.testing.assert_close(weight.linear(x).double(), x.double() @ dense.t(), rtol=1e-4, atol=1e-4,
                                   msg=f"{rows} rows")


@pytest.mark.parametrize("method,group_size,desc_act", [("gptq", 32, False), ("gptq", 32, True),
                                                        ("gptq", -1, False), ("awq", 64, False)])
def test_packed_checkpoint_reads_back_within_a_step_of_the_float_weights(tmp_path, tiny_llama_dir, method,
                                                                              group_size, desc_act):
    out_dir = write_quantized_model(tiny_llama_dir, tmp_path / method, method, group_size, desc_act)
    float_tensors = load_safetensors(tiny_llama_dir / "model.safetensors")
    tensors = load_safetensors(out_dir / "model.safetensors")
    assert not any(k.endswith("proj.weight") for k in tensors)
    g_idx_q = None
    for name in ("self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"):
        prefix = "model.layers.1." + name
        t = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        w = float_tensors[prefix + ".weight"].double().numpy()
        if method == "gptq":
            got = reference_gptq(t, w.shape[1])
            step = t["scales"].float().numpy()[t["g_idx"].long().numpy()].T
        else:
            got = reference_awq(t, group_size)
            step = np.repeat(t["scales"].float().numpy(), group_size, axis=0).T
        err = np.abs(got - w)
        # Round-to-nearest is within half a step except where a group's extreme is clipped to [0, 15].
        assert np.all(err <= step + 1e-6), prefix
        assert np.mean(err <= step / 2 + 1e-6) > 0.99, prefix
        if method == "gptq" and name == "self_attn.q_proj":
            g_idx_q = t["g_idx"]
        if name == "self_attn.v_proj" and g_idx_q is not None:
            assert torch.equal(t["g_idx"], g_idx_q), "q and v read one input, so share act-order groups"
            assert desc_act == bool((t["g_idx"].diff() < 0).any())


def test_gptq_loader_names_the_tensor_or_field_it_cannot_use():
    t = random_gptq(64, 64, 2, torch.arange(64) // 32, seed=12)
    with pytest.raises(ValueError, match=r"'p.qweight' has shape \[8, 32\].*\[8, 64\]"):
        load_gptq(dict(t, qweight=t["qweight"][:, :32]), 64, 64, group_size=32)
    with pytest.raises(ValueError, match=r"'p.qzeros' has dtype torch.int64"):
        load_gptq(dict(t, qzeros=t["qzeros"].long()), 64, 64, group_size=32)
    with pytest.raises(ValueError, match=r"'p.qzeros' has shape \[2, 8\].*\[1, 8\]"):
        load_gptq(t, 64, 64, group_size=-1)
    with pytest.raises(ValueError, match=r"'p.scales' has shape \[2, 32\].*\[2, 64\]"):
        load_gptq(dict(t, scales=t["scales"][:, :32]), 64, 64, group_size=32)
    with pytest.raises(ValueError, match=r"'p.g_idx' does not give each of the 2 groups 32 rows"):
        load_gptq(dict(t, g_idx=torch.arange(64, dtype=torch.int32) // 11), 64, 64, group_size=32)
    without_g_idx = {k: v for k, v in t.items() if k != "g_idx"}
    with pytest.raises(ValueError, match=r"'p.g_idx'.*missing"):
        load_gptq(without_g_idx, 64, 64, group_size=32, desc_act=True)
    with pytest.raises(ValueError, match="group_size 12 must be a multiple of 8"):
        load_gptq(t, 64, 64, group_size=12)
    with pytest.raises(ValueError, match="bits 8"):
        load_gptq(t, 64, 64, group_size=32, bits=8)
    with pytest.raises(ValueError, match="checkpoint_format 'gptq_v2'"):
        load_gptq(t, 64, 64, group_size=32, checkpoint_format="gptq_v2")


def test_awq_loader_names_the_tensor_or_field_it_cannot_use():
    gen = torch.Generator().manual_seed(13)
    t = {"qweight": random_int32(gen, 64, 8), "qzeros": random_int32(gen, 2, 8), "scales": torch.ones(2, 64).half()}
    with pytest.raises(ValueError, match=r"'p.qweight' has shape \[8, 64\]"):
        load_awq(dict(t, qweight=t["qweight"].view(8, 64)), 64, 64, 32)
    with pytest.raises(ValueError, match=r"'p.qzeros'.*missing"):
        load_awq({k: v for k, v in t.items() if k != "qzeros"}, 64, 64, 32)
    config = Shapes({"quant_method": "awq", "w_bit": 4, "q_group_size": 32, "version": "GEMV"}, {"p.weight": (64, 64)})
    with pytest.raises(ValueError, match="version 'GEMV'"):
        awq.load({"p." + k: v for k, v in t.items()}, "p", config, torch.float32, CPU)
    with pytest.raises(ValueError, match="group size 48"):
        load_awq(t, 64, 64, 48)


def test_awq_loader_reads_autoawq_field_names():
    gen = torch.Generator().manual_seed(14)
    t = {"qweight": random_int32(gen, 64, 8), "qzeros": random_int32(gen, 2, 8), "scales": torch.ones(2, 64).half()}
    config = Shapes({"quant_method": "awq", "w_bit": 4, "q_group_size": 32, "zero_point": True, "version": "gemm"},
                    {"p.weight": (64, 64)})
    weight = awq.load({"p." + k: v for k, v in t.items()}, "p", config, torch.float32, CPU)
    np.testing.assert_allclose(weight.dequantize().double().numpy(), reference_awq(t, 32), rtol=0, atol=1e-6)
