"""What the architecture tests (test_phi3, test_mixtral, test_gemma2) run on a tiny checkpoint: its logits in
chunks on shuffled blocks, greedy generation through the engine's runner, and greedy decoding by a reference."""

from typing import Callable, Dict, List

import numpy as np
import torch

from forward_probe import forward_logits
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import SamplingParams
from lmi_worker.engine.step_builder import ScheduledSequence


def small_engine(path, **options) -> LmiDistEngine:
    return LmiDistEngine.load(EngineOptions(model_dir=str(path), kv_cache_bytes=8 << 20, block_size=8, **options))


def chunked_logits(engine: LmiDistEngine, ids: List[int], chunk: int) -> torch.Tensor:
    """Logits of every position, the sequence computed `chunk` tokens a step on shuffled blocks."""
    table = np.random.default_rng(0).permutation(engine.capacity.num_blocks)[:-(-len(ids) // 8)].tolist()
    return torch.cat([forward_logits(engine, [ScheduledSequence(0, ids[start:start + chunk], start, table)])[0]
                      for start in range(0, len(ids), chunk)])


def engine_greedy(engine: LmiDistEngine, prompts: List[List[int]], tokens: int) -> Dict[int, List[int]]:
    """Each prompt's greedy continuation, the prompts batched together."""
    runner = OfflineRunner(engine)
    for i, prompt in enumerate(prompts):
        runner.add(i, prompt, tokens, SamplingParams())
    while any(not g.done for g in runner.generations.values()):
        runner.step()
    return {i: runner.generations[i].output for i in range(len(prompts))}


def reference_greedy(logits_of: Callable[[List[int]], torch.Tensor], prompts: List[List[int]],
                     tokens: int) -> Dict[int, List[int]]:
    """Each prompt's greedy continuation by a reference forward that recomputes the whole sequence each token."""
    outputs = {}
    for i, prompt in enumerate(prompts):
        ids = list(prompt)
        for _ in range(tokens):
            ids.append(int(logits_of(ids)[-1].argmax()))
        outputs[i] = ids[len(prompt):]
    return outputs


def random_prompts(count: int, shortest: int) -> List[List[int]]:
    """`count` seeded prompts of BOS and random ids, of lengths shortest, shortest + 1, ..."""
    return [[1] + np.random.default_rng(s).integers(3, 512, shortest + s - 1).tolist() for s in range(count)]
