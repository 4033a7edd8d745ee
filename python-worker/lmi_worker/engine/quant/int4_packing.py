"""Eight 4-bit values to an int32 and back, along either axis and in any nibble order.

GPTQ packs 8 consecutive input rows into one int32 (nibble j = row 8r + j); AWQ packs 8 output
columns into one int32 in an interleaved order. Both are the same operation with an axis and an
order, so both formats share these functions.
"""

from typing import Sequence

import torch

NIBBLES = 8  # 4-bit values per int32
MAX_Q = 15
IDENTITY_ORDER = tuple(range(NIBBLES))
# AutoAWQ's GEMM layout: nibble i of each int32 holds column AWQ_ORDER[i] of its 8 columns.
AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)


def pack_int4(q: torch.Tensor, dim: int, order: Sequence[int] = IDENTITY_ORDER) -> torch.Tensor:
    """q: 2-D integers in [0, 15], size along `dim` a multiple of 8 -> int32 with that size divided by 8.

    Nibble i (bits 4i..4i+3) of each int32 holds element order[i] of its 8 consecutive elements.
    """
    if q.dim() != 2 or q.shape[dim] % NIBBLES:
        raise ValueError(f"cannot pack shape {list(q.shape)} along dim {dim}: needs a multiple of {NIBBLES}")
    if q.numel() and (int(q.min()) < 0 or int(q.max()) > MAX_Q):
        raise ValueError(f"4-bit values must lie in [0, {MAX_Q}], got [{int(q.min())}, {int(q.max())}]")
    grouped = _split(q.to(torch.int64), dim)  # [..., n/8, 8 along the last axis]
    packed = torch.zeros(grouped.shape[:-1], dtype=torch.int64)
    for nibble, element in enumerate(order):
        packed |= grouped[..., element] << (4 * nibble)
    # Reinterpret the unsigned 32-bit pattern as the int32 the checkpoints store.
    packed = torch.where(packed >= 2**31, packed - 2**32, packed)
    return packed.to(torch.int32) if dim == 1 else packed.t().contiguous().to(torch.int32)


def unpack_int4(packed: torch.Tensor, dim: int, order: Sequence[int] = IDENTITY_ORDER) -> torch.Tensor:
    """The inverse of pack_int4: int32 [a, b] -> int32 values in [0, 15], `dim` 8 times longer."""
    inverse = [0] * NIBBLES
    for nibble, element in enumerate(order):
        inverse[element] = nibble
    shifts = torch.tensor([4 * n for n in inverse], dtype=torch.int32, device=packed.device)
    if dim == 1:
        # [a, b] -> [a, b, 8] -> [a, 8b]
        return ((packed.unsqueeze(-1) >> shifts) & MAX_Q).reshape(packed.shape[0], -1)
    # [a, b] -> [a, 8, b] -> [8a, b]
    return ((packed.unsqueeze(1) >> shifts.view(1, -1, 1)) & MAX_Q).reshape(-1, packed.shape[1])


def _split(q: torch.Tensor, dim: int) -> torch.Tensor:
    """[a, b] -> [a, b/8, 8] (dim 1) or [b, a/8, 8] (dim 0): each int32's 8 elements on the last axis."""
    if dim == 1:
        return q.reshape(q.shape[0], -1, NIBBLES)
    return q.t().reshape(q.shape[1], -1, NIBBLES)
