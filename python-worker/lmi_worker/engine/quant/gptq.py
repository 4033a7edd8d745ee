"""GPTQ 4-bit checkpoints in AutoGPTQ's layout (checkpoint_format "gptq", the v1 zero-point convention).

Per projection `prefix`: `qweight` int32 [in/8, out] (nibble j of row r is input row 8r + j),
`qzeros` int32 [groups, out/8] (nibble j of column c is output 8c + j), `scales` float16 [groups, out],
`g_idx` int32 [in] (each input row's group; with desc_act a permuted order). groups = ceil(in /
group_size), or 1 for group_size -1.

Zero points: AutoGPTQ v1 stores zero - 1 and its dequantization adds the 1 back to the unpacked
nibble without wrapping, W = scale * (q - (stored + 1)): this is what is implemented. A true zero of
0 cannot be stored (AutoGPTQ's packer would write -1 into the neighbouring nibbles), so v1 zero points
lie in 1..16; "gptq_v2" checkpoints (zeros stored as they are) are refused rather than misread.

Act-order rows are permuted at load so that each group's rows are contiguous (Int4Weight's layout);
a g_idx that does not give every group group_size rows (the last may be partial) is refused.
"""

from typing import Any, Mapping, Tuple

import torch

from .int4_packing import NIBBLES, pack_int4, unpack_int4
from .int4_weight import Int4Weight, group_count
from .tensor_checks import checked_tensor

METHOD = "gptq"
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
_V1_ZERO_OFFSET = 1


def gptq_params(params: Mapping[str, Any]) -> Tuple[int, bool]:
    """(group_size, desc_act) from quantization_config; ValueError naming the field it cannot serve."""
    if params.get("bits") != 4:
        raise ValueError(f"quantization_config.bits {params.get('bits')!r}: GPTQ is supported with 4 bits only")
    group_size = params.get("group_size", -1)
    if not isinstance(group_size, int) or isinstance(group_size, bool) or not (group_size == -1 or group_size > 0):
        raise ValueError(f"quantization_config.group_size {group_size!r} must be -1 or a positive integer")
    if group_size != -1 and group_size % NIBBLES:
        raise ValueError(f"quantization_config.group_size {group_size} must be a multiple of {NIBBLES}")
    checkpoint_format = params.get("checkpoint_format", "gptq")
    if checkpoint_format != "gptq":
        raise ValueError(f"quantization_config.checkpoint_format {checkpoint_format!r} is not supported; "
                         f"supported: 'gptq' (AutoGPTQ v1 zero points)")
    return group_size, bool(params.get("desc_act", False))


def load(tensors: Mapping[str, torch.Tensor], prefix: str, config, dtype: torch.dtype,
         device: torch.device) -> Int4Weight:
    """The GPTQ projection at checkpoint `prefix`, its tensors checked against config.json."""
    group_size, desc_act = gptq_params(config.params)
    out_features, in_features = config.weight_shape(prefix)
    if in_features % NIBBLES or out_features % NIBBLES:
        raise ValueError(f"{prefix}: GPTQ needs in and out features divisible by {NIBBLES}, "
                         f"this config.json gives [{out_features}, {in_features}]")
    groups = group_count(in_features, group_size)
    qweight = checked_tensor(tensors, prefix + ".qweight", [torch.int32], [(in_features // NIBBLES, out_features)],
                             METHOD)
    qzeros = checked_tensor(tensors, prefix + ".qzeros", [torch.int32], [(groups, out_features // NIBBLES)], METHOD)
    scales = checked_tensor(tensors, prefix + ".scales", FLOAT_DTYPES, [(groups, out_features)], METHOD)
    # One group (group_size -1, or larger than the input) spans every row.
    effective_size = in_features if groups == 1 else group_size
    in_order = torch.arange(in_features) // effective_size
    perm = None
    if desc_act or prefix + ".g_idx" in tensors:
        name = prefix + ".g_idx"
        g_idx = checked_tensor(tensors, name, [torch.int32, torch.int64], [(in_features,)], METHOD).to(torch.int64)
        if not torch.equal(g_idx, in_order):
            perm = torch.argsort(g_idx, stable=True)
            if not torch.equal(g_idx[perm], in_order):
                raise ValueError(f"tensor {name!r} does not give each of the {groups} groups {effective_size} rows "
                                 f"(the last may have fewer), as quantization {METHOD!r} with this config.json needs")
            qweight = pack_int4(unpack_int4(qweight, dim=0).index_select(0, perm), dim=0)
    zeros = unpack_int4(qzeros, dim=1) + _V1_ZERO_OFFSET
    return Int4Weight(qweight.to(device), zeros.to(device=device, dtype=dtype), scales.to(device=device, dtype=dtype),
                      effective_size, None if perm is None else perm.to(device))
