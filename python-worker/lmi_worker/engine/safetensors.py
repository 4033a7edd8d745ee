"""Reads and writes the safetensors format, with zero-copy tensors mapped from the file."""

import json
import logging
import math
import mmap
import os
import struct
from pathlib import Path
from typing import Collection, Dict, Mapping, Optional, Union

import torch

log = logging.getLogger(__name__)

PathLike = Union[str, os.PathLike]

DTYPES: Dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {dtype: name for name, dtype in DTYPES.items()}
# FP8 E4M3 tensors are read as their uint8 codes: torch 1.13 has no float8 dtype (quant/e4m3.py decodes them).
FP8_E4M3 = "F8_E4M3"
_BYTE_DTYPES = {FP8_E4M3: torch.uint8}

# The reference implementation refuses headers above 100 MB; a larger value means a corrupt file.
MAX_HEADER_BYTES = 100_000_000
METADATA_KEY = "__metadata__"
_ALIGN = 8


def load_safetensors(path: PathLike) -> Dict[str, torch.Tensor]:
    """All tensors of a safetensors file, in header order, as views into a private mapping of it.

    The mapping is copy-on-write (ACCESS_COPY): writing to a tensor never reaches the file, and
    nothing is read into anonymous memory until written. Each tensor keeps the mapping alive.
    """
    path = Path(path)
    size = path.stat().st_size
    if size < 8:
        raise ValueError(f"{path}: not a safetensors file: {size} bytes, shorter than the 8-byte header size")
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    size = len(mapped)  # the file may have changed since stat
    (header_len,) = struct.unpack("<Q", mapped[:8])
    if header_len == 0 or header_len > MAX_HEADER_BYTES or 8 + header_len > size:
        raise ValueError(f"{path}: header length {header_len} is impossible for a file of {size} bytes")
    header = _parse_header(path, mapped[8 : 8 + header_len])
    data_start = 8 + header_len
    data_len = size - data_start
    tensors = {}
    for name, entry in header.items():
        if name == METADATA_KEY:
            continue
        dtype, shape, begin, end = _check_entry(path, name, entry, data_len)
        tensors[name] = _view(mapped, dtype, shape, data_start + begin, end - begin)
    log.debug("mapped %d tensors from %s", len(tensors), path)
    return tensors


def _parse_header(path: Path, raw: bytes) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is a JSON {type(header).__name__}, expected an object")
    return header


def _check_entry(path: Path, name: str, entry, data_len: int):
    where = f"{path}: tensor {name!r}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: header entry is not an object")
    dtype = DTYPES.get(entry.get("dtype")) or _BYTE_DTYPES.get(entry.get("dtype"))
    if dtype is None:
        raise ValueError(f"{where}: unsupported dtype {entry.get('dtype')!r}; supported: "
                         f"{', '.join([*DTYPES, *_BYTE_DTYPES])}")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise ValueError(f"{where}: shape {shape!r} is not a list of non-negative integers")
    offsets = entry.get("data_offsets")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets):
        raise ValueError(f"{where}: data_offsets {offsets!r} is not a pair of non-negative integers")
    begin, end = offsets
    if begin > end or end > data_len:
        raise ValueError(f"{where}: data_offsets [{begin}, {end}] lie outside the {data_len} data bytes")
    itemsize = torch.empty((), dtype=dtype).element_size()
    expected = math.prod(shape) * itemsize
    if end - begin != expected:
        raise ValueError(
            f"{where}: shape {shape} of {entry['dtype']} needs {expected} bytes, "
            f"data_offsets give {end - begin}"
        )
    return dtype, shape, begin, end


def _is_count(value) -> bool:
    # bool is an int subclass, and true is no dimension.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _view(mapped: mmap.mmap, dtype: torch.dtype, shape, offset: int, nbytes: int) -> torch.Tensor:
    if nbytes == 0:
        # torch.frombuffer refuses a zero count; an empty tensor has no bytes to share.
        return torch.empty(shape, dtype=dtype)
    itemsize = torch.empty((), dtype=dtype).element_size()
    return torch.frombuffer(mapped, dtype=dtype, offset=offset, count=nbytes // itemsize).view(shape)


def save_safetensors(
    path: PathLike, tensors: Mapping[str, torch.Tensor], metadata: Optional[Mapping[str, str]] = None,
    fp8_names: Collection[str] = (),
) -> None:
    """Writes tensors (CPU, any supported dtype) to a safetensors file; those in fp8_names are uint8
    E4M3 codes, written as F8_E4M3."""
    # Widest items first, and a header padded to 8 bytes, keep every tensor aligned to its item size.
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header: Dict[str, object] = {}
    if metadata:
        header[METADATA_KEY] = dict(metadata)
    offset = 0
    for name in order:
        tensor = tensors[name]
        if tensor.dtype not in _NAMES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {tensor.dtype}, unsupported by safetensors")
        nbytes = tensor.numel() * tensor.element_size()
        if name in fp8_names and tensor.dtype != torch.uint8:
            raise ValueError(f"{path}: tensor {name!r} is to be written as {FP8_E4M3} but is {tensor.dtype}, "
                             f"not uint8 codes")
        header[name] = {
            "dtype": FP8_E4M3 if name in fp8_names else _NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-(8 + len(raw)) % _ALIGN)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in order:
            f.write(_raw_bytes(tensors[name]))


def _raw_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    # numpy has no bfloat16; reinterpreting as bytes works for every dtype.
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
