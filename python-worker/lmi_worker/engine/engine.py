"""lmi-dist: loads a model and runs one scheduled step at a time over its paged KV cache."""

import dataclasses
import logging
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import torch

from .attention_metadata import AttentionMetadata
from .capacity import Capacity
from .draft_model import KEY as DRAFT_KEY, DraftModel
from .kv_cache import KvCache, default_cpu_kv_bytes
from .gemma2 import Gemma2Model
from .llama import LlamaModel
from .lora.adapter import LoraAdapter
from .lora.lora_batch import LoraBatch
from .lora.slots import AdapterSlots
from .model_config import ModelConfig
from .ngram_proposer import NgramProposer
from .options import EngineOptions
from .quant.formats import FORMATS, on_the_fly_methods
from .quant.quant_config import read_quantization_config, resolve_quantization
from .prompt_logprobs import prompt_logprobs_for_chunk
from .sampler import AllowedTokens, Sampler, SamplerRow
from .sequence_state import SequenceState
from .step import ERR_UNKNOWN_ADAPTER, SamplingParams, StepBatch, StepError, StepOutput
from .step_validation import validate_step
from .tensor_parallel import TensorParallel
from .tp_layout import KEY as TP_KEY, TpLayout
from .weights import load_weights, resolve_dtype, resolve_kv_cache_dtype

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
_EMPTY_IDS = torch.zeros(0, dtype=torch.int64)


class LmiDistEngine:
    """Holds the weights, the KV cache and per-sequence state; executes StepBatches."""

    def __init__(self, model: LlamaModel, cache: KvCache, capacity: Capacity, lora: Optional[AdapterSlots] = None,
                 draft: Optional[DraftModel] = None):
        self.model = model
        self.cache = cache
        self.capacity = capacity
        self.lora = lora  # None: LoRA off (option.max_loras 0)
        self.sampler = Sampler()
        # Drafts for sequences a step lets speculate (StepBatch.lookahead): a draft model's, else n-grams.
        self.draft = draft
        self.proposer = NgramProposer()
        self.states: Dict[int, SequenceState] = {}

    @classmethod
    def load(cls, options: EngineOptions, progress: Optional[Progress] = None,
             tp: Optional[TensorParallel] = None) -> "LmiDistEngine":
        """`tp`: this process's rank in a tensor-parallel group, which holds its slices of the model."""
        report = progress or (lambda stage, fraction: None)
        config = ModelConfig.from_dir(options.model_dir)
        device = _resolve_device(options.device, tp)
        if tp is not None and device.type == "cuda":
            tp.use_cuda(device)
        dtype = resolve_dtype(options.dtype, config)
        if device.type == "cpu" and dtype == torch.float16:
            log.warning("option.dtype float16 has no CPU kernels in this torch build; computing in float32")
            dtype = torch.float32
        max_model_len = options.max_model_len or config.max_position_embeddings
        if max_model_len > config.max_position_embeddings:
            raise ValueError(f"option.max_model_len {max_model_len} exceeds the model's "
                             f"max_position_embeddings {config.max_position_embeddings}")
        if options.block_size <= 0:
            raise ValueError(f"option.block_size {options.block_size} must be a positive number of tokens")
        if options.max_loras < 0:
            raise ValueError(f"option.max_loras {options.max_loras} must be >= 0 (0 turns LoRA off)")
        if options.max_loras and config.num_local_experts is not None:
            raise ValueError(f"option.enable_lora: LoRA adapters of {config.architecture}'s experts are not "
                             f"supported yet; set option.enable_lora false")
        quant = resolve_quantization(options.quantize, config, read_quantization_config(options.model_dir),
                                     FORMATS, on_the_fly_methods())
        layout = _tp_layout(config, options, quant.method, tp)
        report("weights", 0.0)
        weights = load_weights(options.model_dir, config, dtype, quant.prequantized, layout)
        model_class = Gemma2Model if config.gemma2 is not None else LlamaModel
        model = model_class(config, weights, max_model_len, device, quant, tp, layout)
        del weights
        report("weights", 1.0)
        # Allocated before the KV cache, which takes what device memory is left.
        lora = (AdapterSlots(config, options.max_loras, options.max_lora_rank, dtype, device)
                if options.max_loras else None)
        cache_dtype = resolve_kv_cache_dtype(options.kv_cache_dtype, dtype)
        per_block = KvCache.bytes_per_block(config.num_hidden_layers, model.kv_heads, config.head_dim,
                                            options.block_size, cache_dtype)
        useful = options.max_num_seqs * -(-max_model_len // options.block_size) * per_block
        budget = _kv_budget(options, device, useful)
        num_blocks = budget // per_block
        if tp is not None:
            num_blocks = tp.minimum(num_blocks)  # one block table addresses every rank's cache
        needed = -(-max_model_len // options.block_size)
        if num_blocks < needed:
            key = "option.kv_cache_bytes" if device.type == "cpu" else "option.gpu_memory_utilization"
            raise ValueError(f"{key}: the KV cache budget of {budget} bytes holds {num_blocks} blocks of "
                             f"{options.block_size} tokens, but one sequence of max_model_len {max_model_len} "
                             f"needs {needed} ({needed * per_block} bytes)")
        cache = KvCache.allocate(config.num_hidden_layers, model.kv_heads, config.head_dim,
                                 options.block_size, num_blocks, cache_dtype, device)
        report("kv_cache", 1.0)
        # The group's totals: the parent reports what the model takes on all its devices.
        weight_bytes = model.weight_bytes if tp is None else tp.total(model.weight_bytes)
        group_per_block = per_block if tp is None else tp.total(per_block)
        capacity = Capacity(num_blocks=num_blocks, block_size=options.block_size, max_model_len=max_model_len,
                            vocab_size=config.vocab_size, eos_token_ids=tuple(config.eos_token_ids),
                            bos_token_id=config.bos_token_id, dtype=str(dtype).replace("torch.", ""),
                            device=str(device), architecture=config.architecture,
                            num_layers=config.num_hidden_layers, kv_bytes_per_block=group_per_block,
                            weight_bytes=weight_bytes, quantization=quant.method,
                            tensor_parallel_degree=1 if tp is None else tp.size)
        draft = None
        if options.speculative_draft_model:
            if tp is not None:
                raise ValueError(f"{DRAFT_KEY}: draft models do not run in a tensor-parallel group yet")
            draft = _load_draft(options, config, num_blocks, max_model_len)
        log.info("loaded %s (%s, %s%s): weights %.1f MiB (quantization %s), %d KV blocks of %d tokens (%.1f MiB, %s)",
                 config.architecture, capacity.dtype, capacity.device,
                 "" if tp is None else f", rank {tp.rank} of {tp.size}", model.weight_bytes / 2**20,
                 capacity.quantization, num_blocks, options.block_size, num_blocks * per_block / 2**20,
                 str(cache_dtype).replace("torch.", ""))
        return cls(model, cache, capacity, lora, draft)

    def register_adapter(self, adapter_id: int, name: str, path: str) -> LoraAdapter:
        """Reads a PEFT adapter into host memory; raises ValueError, changing nothing, when it cannot."""
        if self.lora is None:
            raise ValueError(f"adapter {adapter_id} ({name!r}): LoRA is off; set option.max_loras to use adapters")
        return self.lora.register(adapter_id, name, path)

    def unregister_adapter(self, adapter_id: int) -> None:
        """Forgets an adapter; raises ValueError when it is unknown or a live sequence uses it."""
        if self.lora is None:
            raise ValueError(f"adapter {adapter_id}: LoRA is off; set option.max_loras to use adapters")
        self.lora.unregister(adapter_id, {s.adapter_id for s in self.states.values()})

    def execute(self, batch: StepBatch) -> StepOutput:
        """Runs one step; raises StepError, changing nothing, when the step is malformed."""
        finished = set(batch.finished.tolist())
        live = {k: v for k, v in self.states.items() if k not in finished} if finished else self.states
        validate_step(batch, live, self.capacity)
        seq_slots = self._place_adapters(batch, live)
        self.states = live
        if batch.num_seqs == 0:
            return _empty_output(batch.step_id)
        for seq in batch.new_sequences:
            self.states[seq.seq_id] = SequenceState(seq.prompt_len, seq.params, seq.prefix_ids.tolist(),
                                                    adapter_id=seq.adapter_id)
        states = [self.states[s] for s in batch.seq_ids.tolist()]
        start = time.perf_counter()
        batch, drafts = self._with_drafts(batch, states)
        logit_rows, sample_at, prompt_spans = self._plan_logits(batch, states, drafts)
        meta = AttentionMetadata.build(batch.start_pos, batch.token_offsets, batch.block_offsets,
                                       batch.block_tables, self.capacity.block_size, self.capacity.num_blocks,
                                       self.model.kv_heads, self.model.dtype, self.model.device)
        input_ids = torch.from_numpy(batch.tokens.astype(np.int64)).to(self.model.device)
        lora = None if seq_slots is None else LoraBatch.build(self.lora, seq_slots, batch.token_offsets,
                                                               self.model.device)
        with torch.inference_mode():
            logits = self.model.forward(input_ids, meta, self.cache,
                                        torch.tensor(logit_rows, dtype=torch.int64, device=self.model.device), lora)
            if logits is not None:
                logits = logits.cpu()
        forward_done = time.perf_counter()
        if logits is None:  # a tensor-parallel follower: rank 0 samples
            output = _empty_output(batch.step_id)
            output.forward_ms = (forward_done - start) * 1e3
            return output
        prompt_logprobs = [prompt_logprobs_for_chunk(int(batch.seq_ids[i]), states[i], int(batch.start_pos[i]),
                                                     logits[lo:hi]) for i, lo, hi in prompt_spans]
        output = self._sample(batch, states, logits, sample_at, drafts)
        done = time.perf_counter()
        output.prompt_logprobs = prompt_logprobs
        output.forward_ms = (forward_done - start) * 1e3
        output.sample_ms = (done - forward_done) * 1e3
        return output

    def _place_adapters(self, batch: StepBatch, live: Dict[int, SequenceState]) -> Optional[List[int]]:
        """Each scheduled sequence's adapter slot (-1: none), or None when no sequence has an adapter.

        Raises StepError, before any sequence state changes, for an unknown adapter or too many.
        """
        new = {seq.seq_id: seq.adapter_id for seq in batch.new_sequences}
        if self.lora is None:
            named = [a for a in new.values() if a]
            if named:
                raise StepError(ERR_UNKNOWN_ADAPTER, f"adapter id {named[0]}: LoRA is off (option.max_loras 0)")
            return None
        adapters = {seq_id: state.adapter_id for seq_id, state in live.items()}
        adapters.update(new)
        scheduled = [adapters[seq_id] for seq_id in batch.seq_ids.tolist()]
        slot_of = self.lora.place({a for a in adapters.values() if a}, [a for a in scheduled if a])
        if not any(scheduled):
            return None
        return [slot_of[a] if a else -1 for a in scheduled]

    def _with_drafts(self, batch: StepBatch, states: List[SequenceState]):
        """The step with each speculating sequence's draft tokens after its own, and the drafts per sequence.

        A sequence speculates when the step gives it lookahead and it samples; one that asked for prompt
        logprobs of this chunk does not (their rows would mix with the drafts').
        """
        drafts: List[List[int]] = [[] for _ in states]
        if not len(batch.lookahead) and self.draft is None:
            return batch, drafts
        offsets, starts = batch.token_offsets, batch.start_pos.tolist()
        wants = [batch.lookahead_of(i) if batch.sample[i] and not (state.params.prompt_logprobs
                                                                   and starts[i] < state.prompt_len)
                 else 0 for i, state in enumerate(states)]
        if self.draft is not None:  # it must see every step's chunks, and the token before each
            drafts = self.draft.propose(batch, [state.tokens[start - 1] if start else None
                                                for state, start in zip(states, starts)], wants)
        else:
            drafts = [self.proposer.propose(state.tokens[:start] + batch.tokens[offsets[i]:offsets[i + 1]].tolist(), k)
                      if k else [] for i, (state, start, k) in enumerate(zip(states, starts, wants))]
        if not any(drafts):
            return batch, drafts
        pieces = [np.concatenate([batch.tokens[offsets[i]:offsets[i + 1]], np.asarray(d, np.int32)])
                  for i, d in enumerate(drafts)]
        counts = [len(piece) for piece in pieces]
        return dataclasses.replace(batch, tokens=np.concatenate(pieces).astype(np.int32),
                                   token_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)), drafts

    def _plan_logits(self, batch: StepBatch, states: List[SequenceState], drafts: List[List[int]]):
        """Which flat rows need logits: the last row of sampling sequences (and each of their drafts' rows),
        every row of prompt-logprob chunks.

        Also appends this step's tokens, drafts included, to each sequence's history.
        """
        logit_rows: List[int] = []
        sample_at: List[int] = []  # (index into logit_rows) per sampled row, batch order
        prompt_spans = []  # (sequence index, lo, hi) into logit_rows
        offsets = batch.token_offsets
        for i, state in enumerate(states):
            first, lo, hi = int(batch.start_pos[i]), int(offsets[i]), int(offsets[i + 1])
            del state.tokens[first:]
            state.tokens.extend(batch.tokens[lo:hi].tolist())
            if state.params.prompt_logprobs and first < state.prompt_len:
                prompt_spans.append((i, len(logit_rows), len(logit_rows) + hi - lo))
                logit_rows.extend(range(lo, hi))
                if batch.sample[i]:
                    sample_at.append(len(logit_rows) - 1)
            elif batch.sample[i]:
                rows = len(drafts[i]) + 1  # the sequence's last token, then one per draft
                sample_at.extend(range(len(logit_rows), len(logit_rows) + rows))
                logit_rows.extend(range(hi - rows, hi))
        return logit_rows, sample_at, prompt_spans

    def _sample(self, batch: StepBatch, states: List[SequenceState], logits: torch.Tensor,
                sample_at: List[int], drafts: List[List[int]]) -> StepOutput:
        """One token per sampling sequence; a speculating one keeps its drafts while each equals the token
        sampled at its position, and gains the first sample that differs (or the one after every draft).

        Sampling each draft's position as if it were the only one and keeping a draft only where the sample
        is that draft is rejection sampling for a proposal that is one token: every kept token is a sample
        of the target model, so greedy, seeded and random outputs are what they would be without drafts.
        """
        sampling = np.nonzero(batch.sample)[0]
        if not len(sampling):
            return _empty_output(batch.step_id)
        rows = [row for i in sampling for row in _sampler_rows(states[i], len(drafts[i]) + 1)]
        result = self.sampler(logits[sample_at], rows, _allowed_tokens(batch, sampling, drafts, logits.shape[1]))
        tokens = result.token_ids.tolist()
        keep, seq_ids, row = [], [], 0
        for i in sampling:
            draft = drafts[i]
            accepted = 0
            while accepted < len(draft) and tokens[row + accepted] == draft[accepted]:
                accepted += 1
            keep.extend(range(row, row + accepted + 1))
            seq_ids.extend([int(batch.seq_ids[i])] * (accepted + 1))
            row += len(draft) + 1
            if draft:
                del states[i].tokens[len(states[i].tokens) - len(draft) + accepted:]  # the rejected drafts
        picked = torch.tensor(keep, dtype=torch.int64)
        return StepOutput(step_id=batch.step_id, seq_ids=np.array(seq_ids, np.int64),
                          token_ids=result.token_ids[picked].numpy().astype(np.int32),
                          logprobs=result.logprobs[picked].numpy(),
                          top_ids=result.top_ids[picked].numpy().astype(np.int32),
                          top_logprobs=result.top_logprobs[picked].numpy(),
                          prompt_logprobs=[], forward_ms=0.0, sample_ms=0.0)


def _empty_output(step_id: int) -> StepOutput:
    return StepOutput(step_id=step_id, seq_ids=np.zeros(0, np.int64), token_ids=np.zeros(0, np.int32),
                      logprobs=np.zeros(0, np.float32), top_ids=np.zeros((0, 0), np.int32),
                      top_logprobs=np.zeros((0, 0), np.float32), prompt_logprobs=[], forward_ms=0.0, sample_ms=0.0)


def _allowed_tokens(batch: StepBatch, sampling: np.ndarray, drafts: List[List[int]],
                    vocab: int) -> Optional[AllowedTokens]:
    """Each sampler row's allowed-token mask, None when no sampling sequence is constrained.

    A speculating sequence has a row per draft too; validation leaves constrained ones no drafts.
    """
    if not len(batch.mask_index):
        return None
    index = np.repeat(batch.mask_index[sampling], [len(drafts[i]) + 1 for i in sampling])
    if not (index >= 0).any():
        return None
    return AllowedTokens.unpack(batch.masks, index, vocab)


def _sampler_rows(state: SequenceState, count: int) -> List[SamplerRow]:
    """The rows choosing the tokens after the history's last `count` positions: the last `count` - 1 tokens
    are drafts, each row seeing only the history before its own position."""
    rows = []
    for length in range(len(state.tokens) - count + 1, len(state.tokens) + 1):
        output_index = max(0, length - state.prompt_len)
        if _uses_history(state.params):
            history = torch.tensor(state.tokens[:length], dtype=torch.int64)
            rows.append(SamplerRow(state.params, output_index, history[:state.prompt_len],
                                   history[state.prompt_len:]))
        else:
            rows.append(SamplerRow(state.params, output_index, _EMPTY_IDS, _EMPTY_IDS))
    return rows


def _uses_history(p: SamplingParams) -> bool:
    return p.repetition_penalty != 1.0 or p.presence_penalty != 0.0 or p.frequency_penalty != 0.0


def _resolve_device(option: str, tp: Optional[TensorParallel]) -> torch.device:
    if option == "auto":
        option = "cuda" if torch.cuda.is_available() else "cpu"
    if option not in ("cpu", "cuda") and not option.startswith("cuda:"):
        raise ValueError(f"option.device {option!r} is not one of auto, cpu, cuda")
    if option.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"option.device {option!r}: CUDA is not available in this torch build")
    if option == "cuda" and tp is not None:
        return torch.device("cuda", tp.rank % torch.cuda.device_count())  # one GPU per rank on each node
    return torch.device(option)


def _load_draft(options: EngineOptions, config: ModelConfig, num_blocks: int, max_model_len: int) -> DraftModel:
    """The draft model, with a cache of as many blocks as the target's, in its own compute dtype."""
    path = options.speculative_draft_model
    draft_config = ModelConfig.from_dir(path)
    if draft_config.vocab_size != config.vocab_size:
        raise ValueError(f"{DRAFT_KEY} {path}: its vocab_size {draft_config.vocab_size} is not the model's "
                         f"{config.vocab_size}; a draft must share the model's tokenizer")
    if draft_config.max_position_embeddings < max_model_len:
        raise ValueError(f"{DRAFT_KEY} {path}: its max_position_embeddings {draft_config.max_position_embeddings} "
                         f"is below max_model_len {max_model_len}")
    dtype = resolve_dtype(options.dtype, draft_config)
    per_block = KvCache.bytes_per_block(draft_config.num_hidden_layers, draft_config.num_key_value_heads,
                                        draft_config.head_dim, options.block_size, dtype)
    draft = LmiDistEngine.load(EngineOptions(model_dir=path, dtype=options.dtype, device=options.device,
                                             max_model_len=max_model_len, block_size=options.block_size,
                                             kv_cache_bytes=num_blocks * per_block, max_num_seqs=options.max_num_seqs))
    return DraftModel(draft.model, draft.cache, options.block_size)


def _tp_layout(config: ModelConfig, options: EngineOptions, quantization: str,
               tp: Optional[TensorParallel]) -> Optional[TpLayout]:
    """The rank's slices; refuses what tensor parallelism does not split yet."""
    if tp is None:
        return None
    if config.num_local_experts is not None:
        raise ValueError(f"{TP_KEY} {tp.size}: the experts of {config.architecture} do not split across ranks "
                         f"yet; serve this model with {TP_KEY} 1")
    if quantization != "none":
        raise ValueError(f"{TP_KEY} {tp.size}: quantized weights ({quantization}) do not split across ranks "
                         f"yet; serve this model with {TP_KEY} 1 or a float checkpoint")
    if options.max_loras:
        raise ValueError(f"{TP_KEY} {tp.size}: LoRA adapters do not split across ranks yet; "
                         f"set option.enable_lora false or {TP_KEY} 1")
    return TpLayout(config, tp.rank, tp.size)


def _kv_budget(options: EngineOptions, device: torch.device, useful_bytes: int) -> int:
    if device.type == "cpu":
        return options.kv_cache_bytes if options.kv_cache_bytes is not None else default_cpu_kv_bytes(useful_bytes)
    if options.kv_cache_bytes is not None:
        return options.kv_cache_bytes
    if not 0 < options.gpu_memory_utilization <= 1:
        raise ValueError(f"option.gpu_memory_utilization {options.gpu_memory_utilization} must be in (0, 1]")
    free, total = torch.cuda.mem_get_info(device)
    # Leave room for activations of the largest step on top of what the weights already took.
    activation_reserve = int(0.05 * total)
    return max(0, int(free - (1 - options.gpu_memory_utilization) * total) - activation_reserve)
