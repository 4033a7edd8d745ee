"""AWQ 4-bit checkpoints in AutoAWQ's GEMM layout (version "gemm", zero_point true).

Per projection `prefix`: `qweight` int32 [in, out/8] and `qzeros` int32 [in/group_size, out/8], both
packing 8 output columns per int32 in AutoAWQ's interleaved order (nibble i holds column
AWQ_ORDER[i] of its 8), and `scales` float16 [in/group_size, out]. Row i is in group i // group_size
and W = scale * (q - zero), the zero stored as it is. The values are repacked at load into
Int4Weight's layout (8 input rows per int32), the same half byte per weight. quantization_config
spells bits and group size as Transformers writes them (`bits`, `group_size`) or as AutoAWQ does
(`w_bit`, `q_group_size`).
"""

from typing import Any, Mapping

import torch

from .int4_packing import AWQ_ORDER, NIBBLES, pack_int4, unpack_int4
from .int4_weight import Int4Weight
from .tensor_checks import checked_tensor

METHOD = "awq"
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32)


def awq_group_size(params: Mapping[str, Any]) -> int:
    """The group size from quantization_config (-1: one group); ValueError naming the field it cannot serve."""
    bits = params.get("bits", params.get("w_bit"))
    if bits != 4:
        raise ValueError(f"quantization_config.bits {bits!r}: AWQ is supported with 4 bits only")
    version = str(params.get("version", "gemm")).lower()
    if version != "gemm":
        raise ValueError(f"quantization_config.version {params.get('version')!r} is not supported; supported: 'gemm'")
    if params.get("zero_point", True) is not True:
        raise ValueError(f"quantization_config.zero_point {params.get('zero_point')!r} is not supported; "
                         f"supported: true")
    group_size = params.get("group_size", params.get("q_group_size"))
    if not isinstance(group_size, int) or isinstance(group_size, bool) or not (group_size == -1 or group_size > 0):
        raise ValueError(f"quantization_config.group_size {group_size!r} must be -1 or a positive integer")
    return group_size


def load(tensors: Mapping[str, torch.Tensor], prefix: str, config, dtype: torch.dtype,
         device: torch.device) -> Int4Weight:
    """The AWQ projection at checkpoint `prefix`, its tensors checked against config.json."""
    group_size = awq_group_size(config.params)
    out_features, in_features = config.weight_shape(prefix)
    group_size = in_features if group_size == -1 else group_size
    if out_features % NIBBLES or in_features % group_size or group_size % NIBBLES:
        raise ValueError(f"{prefix}: AWQ needs out features and the group size {group_size} divisible by "
                         f"{NIBBLES}, and in features by the group size; this config.json gives "
                         f"[{out_features}, {in_features}]")
    groups = in_features // group_size
    qweight = checked_tensor(tensors, prefix + ".qweight", [torch.int32], [(in_features, out_features // NIBBLES)],
                             METHOD)
    qzeros = checked_tensor(tensors, prefix + ".qzeros", [torch.int32], [(groups, out_features // NIBBLES)], METHOD)
    scales = checked_tensor(tensors, prefix + ".scales", FLOAT_DTYPES, [(groups, out_features)], METHOD)
    zeros = unpack_int4(qzeros, dim=1, order=AWQ_ORDER)
    qweight = pack_int4(unpack_int4(qweight, dim=1, order=AWQ_ORDER), dim=0)
    return Int4Weight(qweight.to(device), zeros.to(device=device, dtype=dtype), scales.to(device=device, dtype=dtype),
                      group_size)
