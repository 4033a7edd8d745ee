"""Float64 pieces of a pre-norm rotary decoder, read from config.json's keys alone, for the reference forwards
of architectures (reference_phi3.py, reference_mixtral.py) that must share nothing with the engine."""

import torch


class ReferenceDecoder:
    """RMSNorm, rotate-half RoPE and grouped-query attention under a causal (and sliding-window) mask."""

    def __init__(self, raw: dict, n: int):
        self.raw = raw
        self.heads = raw["num_attention_heads"]
        self.kv_heads = raw.get("num_key_value_heads") or self.heads
        self.d = raw.get("head_dim") or raw["hidden_size"] // self.heads
        pos = torch.arange(n)
        self.causal = pos[None, :] <= pos[:, None]
        self.windowed = self.causal.clone()
        if raw.get("sliding_window") is not None:
            self.windowed &= pos[None, :] > pos[:, None] - raw["sliding_window"]
        inv_freq = 1.0 / raw.get("rope_theta", 10000.0) ** (torch.arange(0, self.d, 2, dtype=torch.float64) / self.d)
        angles = torch.outer(pos.double(), inv_freq)
        self.cos = torch.cat([angles.cos()] * 2, -1)[:, None, :]
        self.sin = torch.cat([angles.sin()] * 2, -1)[:, None, :]

    def rms_norm(self, t, weight):
        return weight * t / torch.sqrt(t.pow(2).mean(-1, keepdim=True) + self.raw["rms_norm_eps"])

    def attention(self, q, k, v, scale=None, softcap=None, windowed=True):
        """q [n, H*d], k and v [n, KVH*d] → [n, H*d]: softmax(cap(q k^T * scale) + mask) v, scale d^-1/2 unless
        given, the sliding window where the config has one unless `windowed` is false."""
        n, d = q.shape[0], self.d
        q, k, v = q.view(n, self.heads, d), k.view(n, self.kv_heads, d), v.view(n, self.kv_heads, d)
        q, k = self._rotated(q), self._rotated(k)
        k = k.repeat_interleave(self.heads // self.kv_heads, 1)
        v = v.repeat_interleave(self.heads // self.kv_heads, 1)
        scores = torch.einsum("qhd,khd->hqk", q, k) * (d ** -0.5 if scale is None else scale)
        if softcap is not None:
            scores = softcap * torch.tanh(scores / softcap)
        scores = scores.masked_fill(~(self.windowed if windowed else self.causal), float("-inf")).softmax(-1)
        return torch.einsum("hqk,khd->qhd", scores, v).reshape(n, self.heads * d)

    def _rotated(self, t):
        half = self.d // 2
        return t * self.cos + torch.cat([-t[..., half:], t[..., :half]], -1) * self.sin
