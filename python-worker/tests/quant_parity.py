"""Parity of a quantized engine with the float model run on its dequantized weights, on the golden prompts.

Engines load on LMI_TEST_DEVICE (cpu unless set). Where FP8 runs through torch._scaled_mm, which rounds the
activations to E4M3 per tensor too, the twin rounds them the same way (with e4m3.encode, not torch's cast).
"""

import copy
import os
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F

from forward_probe import blocks_for, forward_logits
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.quant import e4m3
from lmi_worker.engine.quant.fp8 import Fp8Weight
from lmi_worker.engine.quant.linear_weight import DenseWeight, LinearWeight, StackedWeight
from lmi_worker.engine.step import SamplingParams
from lmi_worker.engine.step_builder import ScheduledSequence

PROJECTIONS = ("qkv_proj", "o_proj", "gate_up_proj", "down_proj")


DEVICE = os.environ.get("LMI_TEST_DEVICE", "cpu")


def device_engine(model_dir, quantize: Optional[str] = None) -> LmiDistEngine:
    """An engine on the test device for a test model with a small KV cache; quantize: option.quantize."""
    return LmiDistEngine.load(EngineOptions(model_dir=str(model_dir), device=DEVICE, kv_cache_bytes=64 << 20,
                                            quantize=quantize))


class ActivationRoundedWeight(DenseWeight):
    """A dense weight that first rounds x to E4M3 with one scale max|x| / 448, as FP8's _scaled_mm path does."""

    def linear(self, x: torch.Tensor, bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        scale = (x.abs().max().float() / e4m3.MAX).clamp(min=1e-12)
        rounded = e4m3.decode(e4m3.encode(x.float() / scale)) * scale
        return F.linear(rounded.to(x.dtype), self.weight, bias)


def runs_scaled_mm(weight: LinearWeight) -> bool:
    """Whether a projection computes through FP8's torch._scaled_mm (all its parts, when stacked)."""
    parts = weight.parts if isinstance(weight, StackedWeight) else [weight]
    return all(isinstance(p, Fp8Weight) and p.scaled_mm for p in parts)


def twin_weight(weight: LinearWeight) -> DenseWeight:
    """The float weight that computes what `weight` should: its dequantized W, rounding x where FP8 does."""
    kind = ActivationRoundedWeight if runs_scaled_mm(weight) else DenseWeight
    return kind(weight.dequantize())


def dequantized_twin(engine: LmiDistEngine) -> LmiDistEngine:
    """The same engine with every projection replaced by its twin_weight; its own KV cache."""
    twin = copy.copy(engine)
    twin.model = copy.copy(engine.model)
    twin.model.layers = [copy.copy(layer) for layer in engine.model.layers]
    for layer in twin.model.layers:
        for name in PROJECTIONS:
            setattr(layer, name, twin_weight(getattr(layer, name)))
    twin.cache = copy.deepcopy(engine.cache)
    twin.states = {}
    return twin


def prompt_logits(engine: LmiDistEngine, prompts: List[List[int]]) -> List[torch.Tensor]:
    """Every prompt token's logits, all prompts in one ragged prefill."""
    order = list(range(engine.capacity.num_blocks))
    seqs = [ScheduledSequence(seq_id=i + 1, tokens=ids, start_pos=0,
                              block_table=blocks_for(len(ids), engine.capacity.block_size, order))
            for i, ids in enumerate(prompts)]
    return forward_logits(engine, seqs)


def greedy(engine: LmiDistEngine, cases: List[dict]) -> List[Tuple[List[int], List[float]]]:
    """Greedy output ids and their logprobs for each golden case, decoded step by step."""
    runner = OfflineRunner(engine)
    for i, case in enumerate(cases):
        runner.add(i, case["prompt_ids"], len(case["output_ids"]), SamplingParams())
    results = runner.run()
    return [(results[i].output, results[i].logprobs) for i in range(len(cases))]


def max_logit_difference(engine: LmiDistEngine, other: LmiDistEngine, cases: List[dict]) -> float:
    """The largest |logit difference| of two engines over every prompt token of every case, prefilled all
    in one ragged step (many rows: the BLAS paths) and each alone (few rows: the decode kernels)."""
    prompts = [case["prompt_ids"] for case in cases]
    worst = 0.0
    for batch in [prompts] + [[p] for p in prompts]:
        for a, b in zip(prompt_logits(engine, batch), prompt_logits(other, batch)):
            worst = max(worst, (a - b).abs().max().item())
    return worst
