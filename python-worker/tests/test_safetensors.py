"""Tests for the safetensors reader and writer."""

import json
import shutil
import struct

import pytest
import torch

from lmi_worker.engine.safetensors import DTYPES, load_safetensors, save_safetensors


def _sample(dtype: torch.dtype, shape) -> torch.Tensor:
    values = torch.arange(-3, -3 + torch.Size(shape).numel(), dtype=torch.float64).reshape(shape)
    if dtype == torch.bool:
        return values.remainder(2) == 1
    if dtype == torch.uint8:
        values = values.abs()
    return (values / 4 if dtype.is_floating_point else values).to(dtype)


def _write_raw(path, header, data: bytes) -> None:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)


@pytest.mark.parametrize("name", list(DTYPES))
def test_round_trip_every_dtype(tmp_path, name):
    dtype = DTYPES[name]
    tensors = {"matrix": _sample(dtype, (3, 5)), "scalar": _sample(dtype, ()),
               "empty": _sample(dtype, (0, 4))}
    path = tmp_path / "t.safetensors"
    save_safetensors(path, tensors)
    loaded = load_safetensors(path)
    assert set(loaded) == set(tensors)
    for key, tensor in tensors.items():
        assert loaded[key].dtype == dtype
        assert loaded[key].shape == tensor.shape
        assert torch.equal(loaded[key], tensor)
    header_len = struct.unpack("<Q", path.read_bytes()[:8])[0]
    assert json.loads(path.read_bytes()[8 : 8 + header_len])["matrix"]["dtype"] == name


def test_metadata_is_ignored_and_mixed_dtypes_stay_aligned(tmp_path):
    tensors = {"a8": _sample(torch.uint8, (3,)), "b16": _sample(torch.bfloat16, (5,)),
               "c32": _sample(torch.float32, (7,)), "d64": _sample(torch.int64, (2,))}
    path = tmp_path / "t.safetensors"
    save_safetensors(path, tensors, metadata={"format": "pt"})
    loaded = load_safetensors(path)
    assert set(loaded) == set(tensors)
    for key, tensor in loaded.items():
        assert tensor.data_ptr() % tensor.element_size() == 0, key
        assert torch.equal(tensor, tensors[key])


def test_loaded_tensors_are_views_into_the_mapped_file(tiny_llama_dir, mapped_ranges):
    path = tiny_llama_dir / "model.safetensors"
    raw = path.read_bytes()
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + header_len])
    tensors = load_safetensors(path)
    ranges = mapped_ranges(path)
    assert ranges, "the file should be memory-mapped"
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    assert sum(end - start for start, end in ranges) >= len(raw)

    def inside(t):
        return lo <= t.data_ptr() and t.data_ptr() + t.numel() * t.element_size() <= hi

    assert all(inside(t) for t in tensors.values())
    # Every tensor sits at its header offset within one mapping: nothing was copied.
    first = "model.embed_tokens.weight"
    for name, tensor in tensors.items():
        moved = tensor.data_ptr() - tensors[first].data_ptr()
        assert moved == header[name]["data_offsets"][0] - header[first]["data_offsets"][0], name
        assert tensor.dtype == torch.float32


def test_writes_to_a_loaded_tensor_never_reach_the_file(tmp_path, tiny_llama_dir):
    path = tmp_path / "model.safetensors"
    shutil.copyfile(tiny_llama_dir / "model.safetensors", path)
    before = path.read_bytes()
    tensor = load_safetensors(path)["model.norm.weight"]
    original = tensor.clone()
    tensor.add_(1.0)
    assert torch.equal(tensor, original + 1.0)
    assert path.read_bytes() == before
    assert torch.equal(load_safetensors(path)["model.norm.weight"], original)


def test_truncated_file_names_the_tensor(tmp_path):
    path = tmp_path / "t.safetensors"
    save_safetensors(path, {"first": torch.ones(4), "last": torch.ones(2, dtype=torch.int8)})
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"t\.safetensors.*'last'.*outside"):
        load_safetensors(path)


@pytest.mark.parametrize("content, message", [
    (b"", "shorter than the 8-byte header size"),
    (b"\x01\x02\x03", "shorter than the 8-byte header size"),
    (struct.pack("<Q", 1000) + b"{}", "header length 1000 is impossible"),
    (struct.pack("<Q", 0) + b"{}", "header length 0 is impossible"),
    (struct.pack("<Q", 4) + b"{abc", "not valid JSON"),
    (struct.pack("<Q", 2) + b"[]", "JSON list, expected an object"),
])
def test_bad_header(tmp_path, content, message):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_safetensors(path)
    assert "bad.safetensors" in str(info.value)


@pytest.mark.parametrize("entry, message", [
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}, r"outside the 8 data bytes"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [8, 4]}, r"outside the 8 data bytes"),
    ({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}, r"needs 12 bytes, data_offsets give 8"),
    ({"dtype": "F16", "shape": [2], "data_offsets": [0, 8]}, r"needs 4 bytes"),
    ({"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}, r"unsupported dtype 'C64'"),
    ({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}, r"shape \[-2\]"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0]}, r"data_offsets \[0\]"),
    ({"dtype": "F32", "shape": [2]}, r"data_offsets None"),
    ("F32", r"not an object"),
])
def test_bad_tensor_entry_names_file_and_tensor(tmp_path, entry, message):
    path = tmp_path / "bad.safetensors"
    _write_raw(path, {"__metadata__": {"format": "pt"}, "w": entry}, b"\x00" * 8)
    with pytest.raises(ValueError, match=message) as info:
        load_safetensors(path)
    assert "bad.safetensors" in str(info.value) and "'w'" in str(info.value)


def test_writer_refuses_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="complex64"):
        save_safetensors(tmp_path / "t.safetensors", {"z": torch.zeros(2, dtype=torch.complex64)})
