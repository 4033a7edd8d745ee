"""Attention over a paged KV cache for a ragged batch of prefill chunks and decode tokens."""

from typing import Optional

import torch
import torch.nn.functional as F

from .attention_metadata import AttentionMetadata, DecodeGroup, PrefillChunk
from .kernels import cpu_kernels

# torch >= 2.0 (the CUDA builds) fuses attention; Debian's CPU torch 1.13 has no such kernel.
_SDPA = getattr(F, "scaled_dot_product_attention", None)

# Queries of a long prefill chunk are processed in pieces so scores stay [heads, piece, context].
PREFILL_QUERY_PIECE = 512


class PagedAttention:
    """Writes a step's K/V into the cache, then attends each query to its own sequence's history.

    The cache is [KVH, num_blocks, BS, D] per layer, in the compute dtype or float16
    (option.kv_cache_dtype). Decode tokens use the native CPU kernel when it is available
    (float32 compute on CPU, a float32 or float16 cache); otherwise, and for prefill chunks, the
    blocks are gathered into contiguous tensors, in the compute dtype, and multiplied with bmm.
    """

    def __init__(self, scale: float, sliding_window: Optional[int], use_cpu_kernel: bool, threads: int,
                 softcap: Optional[float] = None):
        self.scale = scale
        self.sliding_window = sliding_window
        # Gemma 2 caps the scores (cap * tanh(scores / cap)) before the softmax; the native kernel does not.
        self.softcap = softcap
        self.kernel = cpu_kernels.load_library() if use_cpu_kernel and softcap is None else None
        self.threads = threads

    def __call__(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, k_cache: torch.Tensor,
                 v_cache: torch.Tensor, meta: AttentionMetadata) -> torch.Tensor:
        """q: [T, H, D], k/v: [T, KVH, D]. Returns [T, H * D]."""
        num_tokens, num_heads, head_dim = q.shape
        kv_heads = k_cache.shape[0]
        k_cache.view(-1, head_dim).index_copy_(0, meta.write_rows,
                                               k.transpose(0, 1).reshape(-1, head_dim).to(k_cache.dtype))
        v_cache.view(-1, head_dim).index_copy_(0, meta.write_rows,
                                               v.transpose(0, 1).reshape(-1, head_dim).to(v_cache.dtype))
        out = torch.empty((num_tokens, num_heads, head_dim), dtype=q.dtype, device=q.device)
        if meta.decode is not None:
            out[meta.decode.rows] = self._decode(q[meta.decode.rows], k_cache, v_cache, meta.decode)
        for chunk in meta.prefills:
            out[chunk.row_start:chunk.row_end] = self._prefill(q[chunk.row_start:chunk.row_end], k_cache, v_cache,
                                                               chunk, kv_heads)
        return out.view(num_tokens, num_heads * head_dim)

    def _decode(self, q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor,
                group: DecodeGroup) -> torch.Tensor:
        if self.kernel is not None and cpu_kernels.decode_attention_supports(self.kernel, q, k_cache):
            return cpu_kernels.paged_decode_attention(self.kernel, q, k_cache, v_cache, group.block_tables,
                                                      group.context_lens, self.sliding_window, self.scale,
                                                      self.threads)
        # q: [B, H, D] → [KVH * B, G, D]; gathered context: [KVH * B, L, D]
        batch, num_heads, head_dim = q.shape
        kv_heads = k_cache.shape[0]
        groups = num_heads // kv_heads
        context = group.context
        qg = q.view(batch, kv_heads, groups, head_dim).transpose(0, 1).reshape(kv_heads * batch, groups, head_dim)
        keys = _gather(k_cache, group.block_rows, q.dtype).view(kv_heads * batch, context, head_dim)
        values = _gather(v_cache, group.block_rows, q.dtype).view(kv_heads * batch, context, head_dim)
        mask = group.mask(self.sliding_window)[None, :, None, :].expand(kv_heads, batch, 1, context).reshape(
            kv_heads * batch, 1, context)
        out = _attend(qg, keys, values, mask, self.scale, self.softcap).view(kv_heads, batch, groups, head_dim)
        return out.transpose(0, 1).reshape(batch, num_heads, head_dim)

    def _prefill(self, q: torch.Tensor, k_cache: torch.Tensor, v_cache: torch.Tensor, chunk: PrefillChunk,
                 kv_heads: int) -> torch.Tensor:
        # q: [N, H, D] → [KVH, G * N, D]; context: [KVH, C, D]
        n, num_heads, head_dim = q.shape
        groups = num_heads // kv_heads
        context = chunk.first_pos + n
        keys = _gather(k_cache, chunk.block_rows, q.dtype).view(kv_heads, -1, head_dim)[:, :context]
        values = _gather(v_cache, chunk.block_rows, q.dtype).view(kv_heads, -1, head_dim)[:, :context]
        out = torch.empty_like(q)
        key_pos = torch.arange(context, device=q.device)[None, :]
        for lo in range(0, n, PREFILL_QUERY_PIECE):
            hi = min(n, lo + PREFILL_QUERY_PIECE)
            piece = hi - lo
            qg = q[lo:hi].view(piece, kv_heads, groups, head_dim).permute(1, 2, 0, 3).reshape(
                kv_heads, groups * piece, head_dim)
            # Causal: the query at position p sees positions <= p (and > p - window when sliding).
            query_pos = torch.arange(chunk.first_pos + lo, chunk.first_pos + hi, device=q.device)[:, None]
            blocked = key_pos > query_pos
            if self.sliding_window is not None:
                blocked |= key_pos <= query_pos - self.sliding_window
            mask = torch.zeros(blocked.shape, dtype=q.dtype, device=q.device).masked_fill_(blocked, float("-inf"))
            piece_out = _attend(qg, keys, values, mask.repeat(groups, 1), self.scale, self.softcap).view(
                kv_heads, groups, piece, head_dim)
            out[lo:hi] = piece_out.permute(2, 0, 1, 3).reshape(piece, num_heads, head_dim)
        return out


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor, scale: float,
            softcap: Optional[float] = None) -> torch.Tensor:
    """softmax(cap(q k^T * scale) + mask) v. q: [X, M, D]; k, v: [X, N, D]; mask broadcasts to [X, M, N]."""
    if _SDPA is not None and scale == q.shape[-1] ** -0.5 and softcap is None:
        return _SDPA(q, k, v, attn_mask=mask)
    scores = torch.bmm(q, k.transpose(1, 2)).mul_(scale)
    if softcap is not None:
        scores = scores.div_(softcap).tanh_().mul_(softcap)
    scores = scores.add_(mask)
    return torch.bmm(torch.softmax(scores, dim=-1), v)


def _gather(cache: torch.Tensor, block_rows: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Whole blocks of a [KVH, num_blocks, BS, D] cache, by row of its [KVH * num_blocks, BS * D] view, in dtype."""
    kv_heads, num_blocks, block_size, head_dim = cache.shape
    return cache.view(kv_heads * num_blocks, block_size * head_dim).index_select(0, block_rows).to(dtype)
