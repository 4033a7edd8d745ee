"""Gemma 2 (Gemma2ForCausalLM): the Llama-family block with Gemma's changes, as its paper and config describe.

- Embeddings are scaled by sqrt(hidden_size); RMSNorm multiplies by (1 + weight), so the stored weights get
  1 added at load and the shared norm code runs unchanged.
- Four norms a block: the attention's and the MLP's outputs are normalized too, before the residual add.
- The MLP gates with GELU (tanh approximation) instead of SiLU.
- Attention scores are scaled by query_pre_attn_scalar^-1/2 and soft-capped (cap * tanh(s / cap)); even layers
  attend within sliding_window, odd layers to the whole context.
- Logits are soft-capped by final_logit_softcapping.
"""

import functools
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F

from .attention_metadata import AttentionMetadata
from .kv_cache import KvCache
from .llama import DecoderLayer, LlamaModel, _projected
from .lora.lora_batch import LoraBatch
from .paged_attention import PagedAttention


@dataclass
class Gemma2Norms:
    """A block's two extra norms, (1 + weight) each."""

    pre_feedforward: torch.Tensor
    post_feedforward: torch.Tensor


class Gemma2Model(LlamaModel):
    """LlamaModel's weights and projections with Gemma 2's forward."""

    def __init__(self, config, weights: Dict[str, torch.Tensor], max_model_len: int, device, quant, tp=None,
                 layout=None):
        super().__init__(config, weights, max_model_len, device, quant, tp, layout)
        features = config.gemma2
        self.final_softcap = features.final_logit_softcapping
        self.embed_scale = torch.tensor(config.hidden_size ** 0.5, dtype=self.dtype)
        self.norm = self.norm + 1
        self.extra_norms: List[Gemma2Norms] = []
        for i, layer in enumerate(self.layers):
            p = f"model.layers.{i}."
            layer.input_norm = layer.input_norm + 1
            layer.post_attention_norm = layer.post_attention_norm + 1
            self.extra_norms.append(Gemma2Norms(weights[p + "pre_feedforward_layernorm.weight"].to(device) + 1,
                                                weights[p + "post_feedforward_layernorm.weight"].to(device) + 1))
        scale = features.query_pre_attn_scalar ** -0.5
        threads = len(os.sched_getaffinity(0))
        use_kernel = device.type == "cpu" and self.dtype == torch.float32
        cap = features.attn_logit_softcapping
        self.windowed = PagedAttention(scale, config.sliding_window, use_kernel, threads, softcap=cap)
        self.full = PagedAttention(scale, None, use_kernel, threads, softcap=cap)

    @property
    def weight_bytes(self) -> int:
        extra = sum(t.numel() * t.element_size() for n in self.extra_norms
                    for t in (n.pre_feedforward, n.post_feedforward))
        return super().weight_bytes + extra

    def forward(self, input_ids: torch.Tensor, meta: AttentionMetadata, cache: KvCache,
                logit_rows: torch.Tensor, lora: Optional[LoraBatch] = None) -> torch.Tensor:
        """As LlamaModel.forward."""
        ops = self.elementwise
        h = self._embed(input_ids) * self.embed_scale
        pending = None
        for i, (layer, norms, k_cache, v_cache) in enumerate(zip(self.layers, self.extra_norms, cache.keys,
                                                                  cache.values)):
            delta = None if lora is None else functools.partial(lora.add, i)
            attention = self.windowed if i % 2 == 0 else self.full
            attended = self._attention(layer, ops.add_rms_norm(h, pending, layer.input_norm), meta, k_cache,
                                       v_cache, delta, attention)
            x = ops.add_rms_norm(h, ops.add_rms_norm(attended, None, layer.post_attention_norm),
                                 norms.pre_feedforward)
            pending = ops.add_rms_norm(self._mlp(layer, x, delta), None, norms.post_feedforward)
        last = h.index_select(0, logit_rows)
        logits = self.lm_head.linear(ops.add_rms_norm(last, pending.index_select(0, logit_rows), self.norm)).float()
        if self.tp is not None:
            gathered = self.tp.gather_columns(logits)
            if gathered is None:
                return None
            logits = gathered[:, :self.config.vocab_size]
        if self.final_softcap is not None:
            logits = torch.tanh(logits / self.final_softcap) * self.final_softcap
        return logits

    def _mlp(self, layer: DecoderLayer, x: torch.Tensor, delta) -> torch.Tensor:
        gate, up = _projected(x, layer.gate_up_proj, "gate_up", delta).chunk(2, dim=-1)
        return self._summed(_projected(F.gelu(gate, approximate="tanh") * up, layer.down_proj, "down", delta))
