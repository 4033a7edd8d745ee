"""The decoder's elementwise steps: residual add with RMSNorm, SiLU-gated product, RoPE.

float32 on CPU runs each as one pass in native code (kernels/decoder_elementwise.c); other devices and
dtypes run the torch operators, which compute the same values in the same order: Hugging Face's.
"""

from typing import Optional

import torch
import torch.nn.functional as F

from .kernels import cpu_kernels


class DecoderElementwise:
    """The model's elementwise operations, with its RMSNorm epsilon and RoPE tables."""

    def __init__(self, eps: float, rope_cos: torch.Tensor, rope_sin: torch.Tensor, device: torch.device,
                 dtype: torch.dtype):
        self.eps = eps
        self.rope_cos = rope_cos.contiguous()
        self.rope_sin = rope_sin.contiguous()
        self.kernel = cpu_kernels.load_library() if device.type == "cpu" and dtype == torch.float32 else None

    def add_rms_norm(self, h: torch.Tensor, delta: Optional[torch.Tensor], weight: torch.Tensor) -> torch.Tensor:
        """Adds delta to h in place (h must be a tensor the caller owns), then returns RMSNorm(h) * weight."""
        if self.kernel is not None:
            return cpu_kernels.add_rms_norm(self.kernel, h, delta, weight, self.eps)
        if delta is not None:
            h.add_(delta)
        # Normalised in float32 then cast back, as Hugging Face's LlamaRMSNorm does.
        xf = h.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * xf.to(h.dtype)

    def silu_mul(self, gate_up: torch.Tensor) -> torch.Tensor:
        """gate_up [T, 2 * I], gate then up: silu(gate) * up, [T, I]."""
        if self.kernel is not None:
            return cpu_kernels.silu_mul(self.kernel, gate_up)
        gate, up = gate_up.chunk(2, dim=-1)
        return F.silu(gate) * up

    def rotate(self, x: torch.Tensor, heads: int, head_dim: int, positions: torch.Tensor) -> None:
        """Rotate-half RoPE, in place, on heads [0, heads) of each row of x [T, width]; positions [T] int64."""
        if self.kernel is not None:
            cpu_kernels.rope_in_place(self.kernel, x, heads, head_dim, positions, self.rope_cos, self.rope_sin)
            return
        part = x[:, :heads * head_dim].view(x.shape[0], heads, head_dim)
        half = head_dim // 2
        xf = part.float()
        x1, x2 = xf[..., :half], xf[..., half:]
        c, s = self.rope_cos[positions][:, None, :], self.rope_sin[positions][:, None, :]
        part.copy_(torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1))
