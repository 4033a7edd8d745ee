"""FP8 E4M3 ("fn": no infinities, S.1111.111 NaN) codes against the format's definition."""

import math

import pytest
import torch

from lmi_worker.engine.quant import e4m3


def _defined(code: int) -> float:
    """The value of a code, from the bit fields: S EEEE MMM, bias 7, subnormal when E is 0."""
    sign = -1.0 if code & 0x80 else 1.0
    exponent, mantissa = (code >> 3) & 0xF, code & 7
    if exponent == 0xF and mantissa == 7:
        return math.nan
    if exponent == 0:
        return sign * math.ldexp(mantissa / 8, -6)
    return sign * math.ldexp(1 + mantissa / 8, exponent - 7)


def test_every_code_decodes_to_its_defined_value():
    got = e4m3.decode(torch.arange(256, dtype=torch.uint8)).tolist()
    for code, value in enumerate(got):
        want = _defined(code)
        assert (math.isnan(value) and math.isnan(want)) or value == want, hex(code)


def test_landmarks_of_the_format():
    values = e4m3.decode(torch.tensor([0x7E, 0xFE, 0x08, 0x07, 0x01, 0x38, 0x00, 0x80], dtype=torch.uint8))
    assert values.tolist() == [448.0, -448.0, 2.0 ** -6, 0.875 * 2.0 ** -6, 2.0 ** -9, 1.0, 0.0, 0.0]
    assert math.copysign(1.0, values[-1].item()) == -1.0  # 0x80 is -0
    assert torch.isnan(e4m3.decode(torch.tensor([0x7F, 0xFF], dtype=torch.uint8))).all()


def test_every_finite_code_round_trips():
    codes = torch.tensor([c for c in range(256) if c & 0x7F != 0x7F], dtype=torch.uint8)
    assert torch.equal(e4m3.encode(e4m3.decode(codes)), codes)


def test_rounds_to_nearest_and_ties_to_even():
    # 1.0 is 0x38, 1.125 0x39, 1.25 0x3A: the midpoints go to the even mantissa.
    x = torch.tensor([1.0625, 1.0626, 1.1875, 1.1874, -1.0625, 2.0 ** -10, 2.0 ** -10 * 1.01, 2.0 ** -10 * 3])
    assert e4m3.encode(x).tolist() == [0x38, 0x39, 0x3A, 0x39, 0xB8, 0x00, 0x01, 0x02]


def test_saturates_at_448_and_keeps_nan():
    x = torch.tensor([448.0, 449.0, 1e6, math.inf, -500.0, -math.inf, math.nan])
    assert e4m3.encode(x).tolist() == [0x7E, 0x7E, 0x7E, 0x7E, 0xFE, 0xFE, 0x7F]


@pytest.mark.skipif(not hasattr(torch, "float8_e4m3fn"), reason="torch has no float8_e4m3fn")
def test_agrees_with_torch_float8_where_torch_has_it():
    codes = torch.arange(256, dtype=torch.uint8)
    theirs = codes.view(torch.float8_e4m3fn).float()
    assert torch.equal(torch.isnan(theirs), torch.isnan(e4m3.decode(codes)))
    finite = ~torch.isnan(theirs)
    assert torch.equal(theirs[finite], e4m3.decode(codes)[finite])
    x = torch.randn(100_000) * 100
    x = x[x.abs() <= 448]  # torch does not saturate: out of range is NaN there
    assert torch.equal(x.to(torch.float8_e4m3fn).view(torch.uint8), e4m3.encode(x))
