"""Drives the engine without the Java scheduler: a minimal block allocator and step loop.

Used by the benchmark and the tests; the production policy (budgets, preemption,
prefix caching) lives in the Java scheduler.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from .engine import LmiDistEngine
from .step import NewSequence, SamplingParams, StepOutput
from .step_builder import ScheduledSequence, build_step


@dataclass
class Generation:
    """A sequence's progress and what it produced."""

    seq_id: int
    prompt: List[int]
    max_new_tokens: int
    params: SamplingParams
    adapter_id: int = 0
    lookahead: Optional[int] = None  # speculative tokens per step; None: the runner's
    output: List[int] = field(default_factory=list)
    logprobs: List[float] = field(default_factory=list)
    top: List[List[tuple]] = field(default_factory=list)  # per output token: [(id, logprob)] best first
    block_table: List[int] = field(default_factory=list)
    computed: int = 0  # tokens whose K/V is in the cache
    sent: bool = False

    @property
    def done(self) -> bool:
        return len(self.output) >= self.max_new_tokens

    @property
    def tokens(self) -> List[int]:
        return self.prompt + self.output


class OfflineRunner:
    """Runs a fixed set of generations to completion, every sequence in every step that has room for it.

    `prefill_chunk` caps each sequence's share of a step; `max_num_batched_tokens` caps the step, spent
    over the generations in the order they were added, as the Java scheduler spends its token budget.
    `lookahead` lets every sampling sequence speculate up to that many tokens a step (never past its
    max_new_tokens), with KV slots reserved for them.
    """

    def __init__(self, engine: LmiDistEngine, block_order: Optional[Sequence[int]] = None,
                 prefill_chunk: int = 1 << 30, max_num_batched_tokens: int = 1 << 30, lookahead: int = 0):
        self.engine = engine
        self.block_size = engine.capacity.block_size
        self.free_blocks = list(block_order if block_order is not None else range(engine.capacity.num_blocks))
        self.prefill_chunk = prefill_chunk
        self.max_num_batched_tokens = max_num_batched_tokens
        self.lookahead = lookahead
        self.generations: Dict[int, Generation] = {}
        self.step_id = 0
        self.finished: List[int] = []

    def add(self, seq_id: int, prompt: Sequence[int], max_new_tokens: int,
            params: SamplingParams = SamplingParams(), adapter_id: int = 0,
            lookahead: Optional[int] = None) -> Generation:
        gen = Generation(seq_id, list(prompt), max_new_tokens, params, adapter_id, lookahead)
        self.generations[seq_id] = gen
        return gen

    def step(self) -> StepOutput:
        """One step over the unfinished generations: a prefill chunk or one decode token each, within the budget."""
        scheduled, new = [], []
        budget = self.max_num_batched_tokens
        for gen in self.generations.values():
            if gen.done:
                continue
            remaining = len(gen.tokens) - gen.computed
            n = min(remaining, self.prefill_chunk, budget)
            if n == 0:
                break
            budget -= n
            end = gen.computed + n
            sample = end == len(gen.tokens)
            wanted = self.lookahead if gen.lookahead is None else gen.lookahead
            lookahead = min(wanted, gen.max_new_tokens - len(gen.output) - 1) if sample else 0
            while len(gen.block_table) * self.block_size < end + lookahead:
                gen.block_table.append(self.free_blocks.pop(0))
            if not gen.sent:
                # Tokens before `computed` are cached blocks (reuse_prefix): the engine gets their ids.
                new.append(NewSequence(gen.seq_id, len(gen.prompt), gen.params,
                                       np.array(gen.tokens[:gen.computed], np.int32), gen.adapter_id))
                gen.sent = True
            scheduled.append(ScheduledSequence(gen.seq_id, gen.tokens[gen.computed:end], gen.computed,
                                               list(gen.block_table), sample=sample, lookahead=lookahead))
            gen.computed = end
        batch = build_step(self.step_id, scheduled, new, self.finished)
        self.step_id += 1
        self.finished = []
        out = self.engine.execute(batch)
        gained: Dict[int, int] = {}
        for i, seq_id in enumerate(out.seq_ids.tolist()):
            gen = self.generations[seq_id]
            # Every token after a sequence's first this step is an accepted draft, its K/V computed.
            gen.computed += 1 if seq_id in gained else 0
            gained[seq_id] = gained.get(seq_id, 0) + 1
            gen.output.append(int(out.token_ids[i]))
            gen.logprobs.append(float(out.logprobs[i]))
            gen.top.append([(int(t), float(lp)) for t, lp in zip(out.top_ids[i], out.top_logprobs[i]) if t >= 0])
            if gen.done:
                self.release(gen)
        return out

    def reuse_prefix(self, gen: Generation, source: Generation, blocks: int) -> None:
        """Starts `gen`, not yet sent, after `source`'s first `blocks` full blocks, as a prefix-cache hit
        does; their tokens must be `gen`'s first ones. The blocks stay `source`'s to free."""
        tokens = blocks * self.block_size
        if gen.sent or gen.tokens[:tokens] != source.tokens[:tokens] or source.computed < tokens:
            raise ValueError(f"sequence {gen.seq_id} cannot reuse {blocks} blocks of sequence {source.seq_id}")
        gen.block_table = list(source.block_table[:blocks])
        gen.computed = tokens

    def release(self, gen: Generation) -> None:
        self.free_blocks.extend(gen.block_table)
        gen.block_table = []
        self.finished.append(gen.seq_id)

    def run(self) -> Dict[int, Generation]:
        while any(not g.done for g in self.generations.values()):
            self.step()
        return self.generations


def shuffled_blocks(num_blocks: int, seed: int) -> List[int]:
    return np.random.default_rng(seed).permutation(num_blocks).tolist()
