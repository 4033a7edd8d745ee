"""The Llama-family decoder (Llama, Mistral, Qwen2, Phi-3, Mixtral) over a flat ragged batch and a paged KV cache."""

import functools
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F

from .attention_metadata import AttentionMetadata
from .decoder_elementwise import DecoderElementwise
from .kv_cache import KvCache
from .lora.lora_batch import LoraBatch
from .mixture_of_experts import SparseMoe
from .model_config import ModelConfig
from .paged_attention import PagedAttention
from .quant.formats import load_projection
from .quant.linear_weight import DenseWeight, LinearWeight
from .quant.quant_config import QuantConfig
from .rope import rope_cos_sin, rope_inv_freq
from .tensor_parallel import TensorParallel
from .tp_layout import TpLayout

# Adds one layer's LoRA deltas in place: (projection name, its input, its output).
LoraDelta = Callable[[str, torch.Tensor, torch.Tensor], None]


@dataclass
class DecoderLayer:
    """One transformer block; q/k/v and gate/up are fused into one matmul each. A Mixtral block has experts
    (`moe`) in place of the MLP's projections."""

    input_norm: torch.Tensor
    qkv_proj: LinearWeight  # [(H + 2 * KVH) * D, hidden]
    qkv_bias: Optional[torch.Tensor]  # Qwen2 only
    o_proj: LinearWeight
    post_attention_norm: torch.Tensor
    gate_up_proj: Optional[LinearWeight]  # [2 * intermediate, hidden]
    down_proj: Optional[LinearWeight]
    moe: Optional[SparseMoe] = None


class LlamaModel:
    """Weights plus the forward; all mutable state lives in the KvCache passed in.

    Under tensor parallelism (`tp` and its `layout`) the weights are this rank's slices: the heads, the
    MLP's rows and the vocabulary are split, o_proj's and down_proj's partial outputs summed over the
    ranks, and only rank 0 gets logits.
    """

    def __init__(self, config: ModelConfig, weights: Dict[str, torch.Tensor], max_model_len: int,
                 device: torch.device, quant: QuantConfig, tp: Optional[TensorParallel] = None,
                 layout: Optional[TpLayout] = None):
        self.config = config
        self.device = device
        self.quant = quant
        self.tp = tp
        self.layout = layout
        self.head_dim = config.head_dim
        self.num_heads = layout.heads if layout else config.num_attention_heads
        self.kv_heads = layout.kv_heads if layout else config.num_key_value_heads
        self.embed_tokens = weights["model.embed_tokens.weight"].to(device)
        self.dtype = self.embed_tokens.dtype
        # RoPE tables in float32 whatever the weights are, as Hugging Face computes them.
        cos, sin = rope_cos_sin(rope_inv_freq(config), torch.arange(max_model_len))
        self.elementwise = DecoderElementwise(config.rms_norm_eps, cos.to(device), sin.to(device), device,
                                              self.dtype)
        self.layers: List[DecoderLayer] = [self._layer(weights, i) for i in range(config.num_hidden_layers)]
        self.norm = weights["model.norm.weight"].to(device)
        self.lm_head = DenseWeight(weights["lm_head.weight"].to(device))
        use_cpu_kernel = device.type == "cpu" and self.dtype == torch.float32
        self.attention = PagedAttention(self.head_dim ** -0.5, config.sliding_window, use_cpu_kernel,
                                        threads=len(os.sched_getaffinity(0)))

    def _layer(self, weights: Dict[str, torch.Tensor], i: int) -> DecoderLayer:
        p = f"model.layers.{i}."

        def w(name: str) -> torch.Tensor:
            return weights[p + name].to(self.device)

        def proj(*names: str) -> LinearWeight:
            parts = [load_projection(weights, p + name, self.quant, self.dtype, self.device) for name in names]
            return parts[0] if len(parts) == 1 else type(parts[0]).stack_rows(parts)

        qkv_bias = None
        if self.config.attention_bias:
            qkv_bias = torch.cat([w("self_attn.q_proj.bias"), w("self_attn.k_proj.bias"), w("self_attn.v_proj.bias")])
        moe = None
        if self.config.num_local_experts is not None:
            experts = [f"block_sparse_moe.experts.{e}." for e in range(self.config.num_local_experts)]
            moe = SparseMoe(w("block_sparse_moe.gate.weight"), [proj(e + "w1", e + "w3") for e in experts],
                            [proj(e + "w2") for e in experts], self.config.num_experts_per_tok,
                            self.elementwise.silu_mul)
        return DecoderLayer(
            input_norm=w("input_layernorm.weight"),
            qkv_proj=proj("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
            qkv_bias=qkv_bias,
            o_proj=proj("self_attn.o_proj"),
            post_attention_norm=w("post_attention_layernorm.weight"),
            gate_up_proj=None if moe else proj("mlp.gate_proj", "mlp.up_proj"),
            down_proj=None if moe else proj("mlp.down_proj"),
            moe=moe,
        )

    @property
    def weight_bytes(self) -> int:
        """The weights' bytes on the device, whatever format each projection is stored in."""
        total = sum(t.numel() * t.element_size() for t in (self.embed_tokens, self.norm))
        total += self.lm_head.nbytes if self.lm_head.weight is not self.embed_tokens else 0
        for layer in self.layers:
            total += sum(t.numel() * t.element_size() for t in (layer.input_norm, layer.post_attention_norm))
            total += sum(w.nbytes for w in (layer.qkv_proj, layer.o_proj, layer.gate_up_proj, layer.down_proj)
                         if w is not None)
            total += layer.moe.nbytes if layer.moe is not None else 0
            if layer.qkv_bias is not None:
                total += layer.qkv_bias.numel() * layer.qkv_bias.element_size()
        return total

    def forward(self, input_ids: torch.Tensor, meta: AttentionMetadata, cache: KvCache,
                logit_rows: torch.Tensor, lora: Optional[LoraBatch] = None) -> torch.Tensor:
        """input_ids: [T]; returns float32 logits [len(logit_rows), vocab] for the rows asked (None on
        tensor-parallel ranks other than 0).

        `lora` adds the adapters' deltas to the rows that have one; None when no row has.
        """
        ops = self.elementwise
        # The residual stream; each block's output is added to it as the next norm reads it.
        h = self._embed(input_ids)
        pending = None
        for i, (layer, k_cache, v_cache) in enumerate(zip(self.layers, cache.keys, cache.values)):
            delta = None if lora is None else functools.partial(lora.add, i)
            pending = self._attention(layer, ops.add_rms_norm(h, pending, layer.input_norm), meta, k_cache, v_cache,
                                      delta)
            pending = self._mlp(layer, ops.add_rms_norm(h, pending, layer.post_attention_norm), delta)
        last = h.index_select(0, logit_rows)
        logits = self.lm_head.linear(ops.add_rms_norm(last, pending.index_select(0, logit_rows), self.norm)).float()
        if self.tp is None:
            return logits
        gathered = self.tp.gather_columns(logits)
        return None if gathered is None else gathered[:, :self.config.vocab_size]

    def _embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        if self.tp is None:
            return F.embedding(input_ids, self.embed_tokens)
        # Each rank looks up the ids in its share of the vocabulary, zeros for the rest; the sum is the row.
        local = input_ids - self.layout.vocab_start
        outside = (local < 0) | (local >= self.layout.vocab)
        h = F.embedding(local.masked_fill(outside, 0), self.embed_tokens)
        h.masked_fill_(outside[:, None], 0)
        return self.tp.all_reduce(h)

    def _attention(self, layer: DecoderLayer, x: torch.Tensor, meta: AttentionMetadata, k_cache: torch.Tensor,
                   v_cache: torch.Tensor, delta: Optional[LoraDelta],
                   attention: Optional[PagedAttention] = None) -> torch.Tensor:
        # x: [T, hidden] → q: [T, H, D], k/v: [T, KVH, D]
        tokens = x.shape[0]
        qkv = _projected(x, layer.qkv_proj, "qkv", delta, layer.qkv_bias)
        # q and k are side by side at the start of each row: rotated together, in place.
        self.elementwise.rotate(qkv, self.num_heads + self.kv_heads, self.head_dim, meta.positions)
        q_size = self.num_heads * self.head_dim
        kv_size = self.kv_heads * self.head_dim
        q = qkv[:, :q_size].view(tokens, self.num_heads, self.head_dim)
        k = qkv[:, q_size:q_size + kv_size].view(tokens, self.kv_heads, self.head_dim)
        v = qkv[:, q_size + kv_size:].view(tokens, self.kv_heads, self.head_dim)
        out = (attention or self.attention)(q, k, v, k_cache, v_cache, meta)
        return self._summed(_projected(out, layer.o_proj, "o", delta))

    def _mlp(self, layer: DecoderLayer, x: torch.Tensor, delta: Optional[LoraDelta]) -> torch.Tensor:
        if layer.moe is not None:
            return layer.moe(x)
        gate_up = _projected(x, layer.gate_up_proj, "gate_up", delta)
        return self._summed(_projected(self.elementwise.silu_mul(gate_up), layer.down_proj, "down", delta))

    def _summed(self, partial: torch.Tensor) -> torch.Tensor:
        """A row-parallel projection's output: the sum of every rank's partial product."""
        return partial if self.tp is None else self.tp.all_reduce(partial)


def _projected(x: torch.Tensor, weight: LinearWeight, projection: str, delta: Optional[LoraDelta],
               bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """One fused projection, with the step's LoRA deltas added to its output when it has any."""
    y = weight.linear(x, bias)
    if delta is not None:
        delta(projection, x, y)
    return y

