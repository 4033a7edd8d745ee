"""Builds the C kernels with the system's gcc on first use and loads them; None when that fails."""

import ctypes
import hashlib
import logging
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

import torch

log = logging.getLogger(__name__)

# One library from all sources: one build, one load, one cache entry per CPU.
SOURCES = [Path(__file__).with_name(name)
           for name in ("paged_decode_attention.c", "weight_only_linear.c", "int4_linear.c", "decoder_elementwise.c",
                         "panel_gemm.c")]
HEADERS = [Path(__file__).with_name("vector_exp.h")]
# Every CPU this process may run on, as the attention kernel uses: torch counts physical cores only, and
# the weight-only matmuls gain from the second hyperthread (measured: 31 against 25 GB/s on a 100000-row weight).
THREADS = len(os.sched_getaffinity(0))
CFLAGS = ["-O3", "-march=native", "-fno-math-errno", "-fopenmp", "-fPIC", "-shared", "-std=c11"]


def _cache_dir() -> Path:
    base = os.environ.get("LMI_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "lmi")
    return Path(base) / "kernels"


def _cpu_flags() -> str:
    # -march=native code must never be reused on a CPU with other instruction sets.
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return ""


_P, _I, _F = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float
# Each exported kernel's parameters (pointers, int64 sizes, float scalars), in the C order; all return void.
_SIGNATURES = {
    "paged_decode_attention": [_P] * 5 + [_I] * 8 + [_F, _I, _P],
    "paged_decode_attention_f16": [_P] * 5 + [_I] * 8 + [_F, _I, _P],
    "int8_linear": [_P] * 3 + [_I] * 4 + [_P],
    "fp8_linear": [_P] * 3 + [_I] * 4 + [_P],
    "f32_rows_linear": [_P] * 3 + [_I] * 4 + [_P],
    "int4_linear": [_P] * 4 + [_I] * 5 + [_P],
    "f32_panel_linear": [_P] * 2 + [_I] * 4 + [_P],
    "int8_panel_linear": [_P] * 3 + [_I] * 4 + [_P],
    "fp8_panel_linear": [_P] * 4 + [_I] * 4 + [_P],
    "int4_panel_linear": [_P] * 4 + [_I] * 5 + [_P],
    "add_rms_norm": [_P] * 3 + [_I] * 2 + [_F, _I, _P],
    "silu_mul": [_P] + [_I] * 3 + [_P],
    "rope_in_place": [_P] + [_I] * 4 + [_P] * 3 + [_I],
}


@lru_cache(maxsize=1)
def load_library() -> Optional[ctypes.CDLL]:
    """The compiled kernel library, built once per source and CPU; None if gcc is missing or fails."""
    source = b"".join(path.read_bytes() for path in SOURCES + HEADERS)
    key = hashlib.sha256(source + " ".join(CFLAGS).encode() + _cpu_flags().encode()).hexdigest()[:16]
    target = _cache_dir() / f"cpu_kernels-{key}.so"
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                built = Path(tmp) / target.name
                subprocess.run(["gcc", *CFLAGS, "-o", str(built), *map(str, SOURCES), "-lm"], check=True,
                               capture_output=True, text=True, timeout=120)
                os.replace(built, target)  # atomic: concurrent workers never load a half-written file
        except (OSError, subprocess.SubprocessError) as e:
            detail = getattr(e, "stderr", "") or str(e)
            log.warning("CPU kernels not built (%s); using the slower torch paths", detail.strip())
            return None
    library = ctypes.CDLL(str(target))
    for name, argtypes in _SIGNATURES.items():
        fn = getattr(library, name)
        fn.restype = None
        fn.argtypes = argtypes
    library.panel_gemm_available.restype = ctypes.c_int
    library.paged_decode_attention_f16_supports.restype = ctypes.c_int
    library.paged_decode_attention_f16_supports.argtypes = [_I] * 3
    log.info("CPU kernels loaded from %s", target)
    return library


def decode_attention_supports(library: ctypes.CDLL, q: torch.Tensor, k_cache: torch.Tensor) -> bool:
    """Whether the kernel computes this decode: float32 queries; a float32 cache, or a float16 one for the
    head shapes of its one-pass (AVX-512) path."""
    if q.dtype != torch.float32:
        return False
    if k_cache.dtype == torch.float32:
        return True
    return k_cache.dtype == torch.float16 and _f16_attention(library, q.shape[1], k_cache.shape[0], q.shape[2])


@lru_cache(maxsize=None)
def _f16_attention(library: ctypes.CDLL, heads: int, kv_heads: int, head_dim: int) -> bool:
    # Asked once per shape, not on every layer of every step.
    return bool(library.paged_decode_attention_f16_supports(heads, kv_heads, head_dim))


def paged_decode_attention(library: ctypes.CDLL, q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor,
                           block_tables: torch.Tensor, context_lens: torch.Tensor, sliding_window: Optional[int],
                           scale: float, threads: int) -> torch.Tensor:
    """q: [B, H, D] float32; caches [KVH, blocks, BS, D] float32 or float16 (see decode_attention_supports);
    block_tables [B, max_blocks] int32."""
    batch, heads, head_dim = q.shape
    kv_heads, num_blocks, block_size, _ = k_cache.shape
    q = q.contiguous()
    out = torch.empty_like(q)
    fn = library.paged_decode_attention_f16 if k_cache.dtype == torch.float16 else library.paged_decode_attention
    fn(
        q.data_ptr(), k_cache.data_ptr(), v_cache.data_ptr(), block_tables.data_ptr(), context_lens.data_ptr(),
        batch, heads, kv_heads, head_dim, block_size, num_blocks, block_tables.shape[1],
        sliding_window or 0, scale, threads, out.data_ptr())
    return out


def int8_linear(library: ctypes.CDLL, x: torch.Tensor, qweight: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x [T, in] float32 @ (qweight [out, in] int8 * scale [out] float32)^T: [T, out] float32."""
    return _weight_only(library.int8_linear, x, qweight, scale)


def fp8_linear(library: ctypes.CDLL, x: torch.Tensor, codes: torch.Tensor, scale_x256: torch.Tensor) -> torch.Tensor:
    """x [T, in] float32 @ (e4m3(codes [out, in] uint8) * scale)^T: [T, out] float32; scale_x256 float32 [1] is
    the tensor's scale times 2^8 (the kernel widens E4M3 through float16, which carries the value times 2^-8)."""
    return _weight_only(library.fp8_linear, x, codes, scale_x256)


def f32_rows_linear(library: ctypes.CDLL, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """x [T, in] float32 @ weight [out, in] float32 ^T by the register tiles of the weight-only kernel."""
    return _weight_only(library.f32_rows_linear, x, weight.contiguous(), _ONE)


_ONE = torch.ones(1)

# From this many rows the panel GEMM beats the other paths, measured in bench-llama's prefill (interleaved runs):
# float32 against BLAS 582/759 tokens/s at 128 rows, 1128/1002 at 512, 1125/953 at 2048; int8 against the row
# kernel 934/1024 at 512, 1176/964 at 2048.
F32_PANEL_MIN_ROWS = 256
INT8_PANEL_MIN_ROWS = 1024
FP8_PANEL_MIN_ROWS = 1024
# 4-bit: past its row kernel's 16 rows the alternative dequantizes the whole weight for BLAS on every call.
INT4_PANEL_MIN_ROWS = 17


def panel_gemm_usable(library: ctypes.CDLL, rows: int, min_rows: int) -> bool:
    """Whether x of `rows` rows should take the panel GEMM (it needs AVX-512)."""
    return rows >= min_rows and _panel_gemm_built(library)


@lru_cache(maxsize=None)
def _panel_gemm_built(library: ctypes.CDLL) -> bool:
    # Asked once, not on every projection of every step.
    return bool(library.panel_gemm_available())


def f32_panel_linear(library: ctypes.CDLL, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """x [T, in] float32 @ weight [out, in] float32 ^T by the panel GEMM (many rows)."""
    x, weight = x.contiguous(), weight.contiguous()
    out = torch.empty(x.shape[0], weight.shape[0], dtype=torch.float32)
    library.f32_panel_linear(x.data_ptr(), weight.data_ptr(), x.shape[0], x.shape[1], weight.shape[0], THREADS,
                             out.data_ptr())
    return out


def int8_panel_linear(library: ctypes.CDLL, x: torch.Tensor, qweight: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """As int8_linear, by the panel GEMM (many rows)."""
    x, scale = x.contiguous(), scale.float().contiguous()
    out = torch.empty(x.shape[0], qweight.shape[0], dtype=torch.float32)
    library.int8_panel_linear(x.data_ptr(), qweight.data_ptr(), scale.data_ptr(), x.shape[0], x.shape[1],
                              qweight.shape[0], THREADS, out.data_ptr())
    return out


def fp8_panel_linear(library: ctypes.CDLL, x: torch.Tensor, codes: torch.Tensor, values: torch.Tensor,
                     scale: torch.Tensor) -> torch.Tensor:
    """As fp8_linear, by the panel GEMM (many rows); values: float32 [256], each E4M3 code's value."""
    x = x.contiguous()
    scale = scale.float().reshape(1).contiguous()
    out = torch.empty(x.shape[0], codes.shape[0], dtype=torch.float32)
    library.fp8_panel_linear(x.data_ptr(), codes.data_ptr(), values.data_ptr(), scale.data_ptr(), x.shape[0],
                             x.shape[1], codes.shape[0], THREADS, out.data_ptr())
    return out


def _weight_only(fn, x: torch.Tensor, codes: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    x = x.contiguous()
    scale = scale.float().contiguous()
    out = torch.empty(x.shape[0], codes.shape[0], dtype=torch.float32)
    fn(x.data_ptr(), codes.data_ptr(), scale.data_ptr(), x.shape[0], codes.shape[1], codes.shape[0], THREADS,
       out.data_ptr())
    return out


def int4_linear(library: ctypes.CDLL, x: torch.Tensor, qweight: torch.Tensor, zeros: torch.Tensor,
                scales: torch.Tensor, group_size: int) -> torch.Tensor:
    """x [T, in] float32 @ W^T, W[o, i] = (q[i, o] - zeros[g, o]) * scales[g, o] with g = i // group_size and
    q packed 8 input rows per int32 (qweight [in / 8, out]); zeros/scales [groups, out] float32."""
    return _int4(library.int4_linear, x, qweight, zeros, scales, group_size)


def int4_panel_linear(library: ctypes.CDLL, x: torch.Tensor, qweight: torch.Tensor, zeros: torch.Tensor,
                      scales: torch.Tensor, group_size: int) -> torch.Tensor:
    """As int4_linear, by the panel GEMM (many rows)."""
    return _int4(library.int4_panel_linear, x, qweight, zeros, scales, group_size)


def _int4(fn, x: torch.Tensor, qweight: torch.Tensor, zeros: torch.Tensor, scales: torch.Tensor,
          group_size: int) -> torch.Tensor:
    x = x.contiguous()
    out = torch.empty(x.shape[0], qweight.shape[1], dtype=torch.float32)
    fn(x.data_ptr(), qweight.data_ptr(), zeros.data_ptr(), scales.data_ptr(), x.shape[0], x.shape[1], qweight.shape[1],
       group_size, THREADS, out.data_ptr())
    return out


def add_rms_norm(library: ctypes.CDLL, h: torch.Tensor, delta: Optional[torch.Tensor], weight: torch.Tensor,
                 eps: float) -> torch.Tensor:
    """h [T, W] float32 += delta (in place, when given); returns weight * h / sqrt(mean(h^2) + eps)."""
    _require_contiguous(h)
    delta = None if delta is None else delta.contiguous()
    out = torch.empty_like(h)
    library.add_rms_norm(h.data_ptr(), None if delta is None else delta.data_ptr(), weight.contiguous().data_ptr(),
                         h.shape[0], h.shape[1], eps, THREADS, out.data_ptr())
    return out


def silu_mul(library: ctypes.CDLL, gate_up: torch.Tensor) -> torch.Tensor:
    """gate_up [T, 2 * I] float32, gate then up: silu(gate) * up, [T, I]."""
    gate_up = gate_up.contiguous()
    width = gate_up.shape[1] // 2
    out = torch.empty(gate_up.shape[0], width, dtype=torch.float32)
    library.silu_mul(gate_up.data_ptr(), gate_up.shape[0], width, THREADS, out.data_ptr())
    return out


def rope_in_place(library: ctypes.CDLL, x: torch.Tensor, heads: int, head_dim: int, positions: torch.Tensor,
                  cos_table: torch.Tensor, sin_table: torch.Tensor) -> None:
    """Rotate-half RoPE on heads [0, heads) of each row of x [T, width] float32, rows contiguous; tables
    [max_len, head_dim / 2] float32 contiguous, positions [T] int64 within them."""
    if x.stride(1) != 1 or heads * head_dim > x.shape[1]:
        raise ValueError(f"rope_in_place needs rows of at least {heads * head_dim} contiguous floats")
    positions = positions.contiguous()
    library.rope_in_place(x.data_ptr(), x.shape[0], x.stride(0), heads, head_dim, positions.data_ptr(),
                          cos_table.data_ptr(), sin_table.data_ptr(), THREADS)


def _require_contiguous(t: torch.Tensor) -> None:
    # The kernel writes through the pointer: a copy would lose the in-place update.
    if not t.is_contiguous():
        raise ValueError("add_rms_norm updates h in place and needs it contiguous")
