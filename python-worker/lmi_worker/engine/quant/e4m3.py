"""The FP8 E4M3 number format (the "fn" variant of OCP FP8, torch.float8_e4m3fn) as uint8 codes.

Bits S EEEE MMM, exponent bias 7: normal 2^(E-7) * (1 + M/8), subnormal (E = 0) 2^-6 * M/8. No
infinities; S 1111 111 is NaN, so the largest finite value is 0 1111 110 = 448. torch 1.13 has no
float8 dtype, hence codes in uint8 and these conversions.
"""

import torch

MAX = 448.0
NAN_CODE = 0x7F


def _table() -> torch.Tensor:
    codes = torch.arange(256)
    sign = torch.where(codes >= 128, -1.0, 1.0).double()
    exponent = (codes >> 3) & 0xF
    mantissa = (codes & 7).double()
    value = torch.where(exponent == 0, mantissa / 8 * 2.0 ** -6,
                        (1 + mantissa / 8) * torch.pow(2.0, (exponent - 7).double()))
    value = sign * value
    value[(codes & 0x7F) == NAN_CODE] = float("nan")
    return value.float()


VALUES = _table()  # float32 [256]: the value of each code
# The 127 non-negative finite codes 0x00..0x7E increase with their value: rounding is a search among them.
_POSITIVE = VALUES[:NAN_CODE].double()
_MIDPOINTS = (_POSITIVE[1:] + _POSITIVE[:-1]) / 2


def decode(codes: torch.Tensor) -> torch.Tensor:
    """uint8 codes → float32 values."""
    return VALUES.to(codes.device)[codes.long()]


def encode(x: torch.Tensor) -> torch.Tensor:
    """float → uint8 codes: round to nearest, ties to even, saturating at ±448; NaN → 0x7F."""
    magnitude = x.double().abs().clamp(max=MAX)
    midpoints = _MIDPOINTS.to(x.device)
    code = torch.bucketize(magnitude, midpoints)  # x on a midpoint goes to the lower code
    tie = (code < len(midpoints)) & (magnitude == midpoints[code.clamp(max=len(midpoints) - 1)])
    code = torch.where(tie & (code % 2 == 1), code + 1, code)
    code = torch.where(torch.signbit(x), code | 0x80, code)
    code = torch.where(torch.isnan(x), torch.full_like(code, NAN_CODE), code)
    return code.to(torch.uint8)
