"""The engine's sampler: penalties, then allowed-token masks, then one greedy or random token per row, with logprobs.

A row with an allowed-token mask (structured output) has every other token's logit set to -inf
after the penalties and before anything else, so no choice, truncation or seed can pick one.
Logprobs (chosen token and top-N) are the log_softmax of the penalized, masked logits, before
temperature and truncation: vLLM's "processed" logprobs without the temperature, which for a
masked row are those of the constrained distribution, as vLLM's logits processors give them. A
top-N entry of probability 0 (a masked row allowing fewer than N tokens) is padding.
Random rows divide by the temperature, then truncate in vLLM's order (top_k, top_p, min_p).
Truncation keeps every token whose scaled logit reaches a threshold, so a token tied with the
last one kept is kept too: top_k may keep more than k tokens, top_p more than the nucleus.
An unseeded draw inverts the row's CDF, kept tokens in (logit desc, id asc) order when truncated
and vocabulary order when not, at a uniform from the process generator. A seeded row races its
kept tokens instead (the Gumbel-max trick: the largest scaled logit plus Gumbel noise wins), with
one noise value per vocabulary id from a generator seeded by (seed, output index) alone: the same
row draws the same token in any batch, after any history. The race is also what lets a seeded
sequence recomputed after a preemption or a worker restart go on with the same tokens: logits
computed again differ in their last bits, which moves a CDF target across one of the thousands
of nearby token boundaries now and then, but flips a race only when its two best scores are that
close.
"""

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .step import SamplingParams

_CANDIDATES = 64  # first guess at how many top tokens hold a truncated row's kept set
_GROWTH = 8  # rows whose kept set outgrows the guess retry with this many times more
_FULL_SORT_ABOVE = 8  # a top-k wider than vocab / this costs about a full sort once candidates are ordered
_BLOCK = 256  # the CDF is inverted over block sums first, then within one block
_MASK64 = (1 << 64) - 1
_WORD = np.dtype("<u4")
_NEG_INF_BITS = np.uint32(0xFF800000)

_PROCESS_GENERATOR = torch.Generator()
_PROCESS_GENERATOR.seed()


@dataclass
class SamplerRow:
    """One sequence that samples this step."""

    params: SamplingParams
    output_index: int  # how many tokens the sequence generated before this one: seeds the draw
    # The history, read only for penalties: callers may leave it empty for rows without them.
    prompt_ids: torch.Tensor  # int64 [P]
    output_ids: torch.Tensor  # int64 [O]


@dataclass
class AllowedTokens:
    """The tokens the constrained rows may sample, as offsets to add to their logits: 0 allowed, -inf not.

    An addition rather than a masked_fill: selecting per element mispredicts on an irregular mask; for 64 rows
    of 32000 random bits masked_fill took 8.4 ms on CPU, building these offsets and adding them 1.1 ms.
    """

    rows: torch.Tensor  # int64 [c]: the constrained rows, ascending
    offsets: torch.Tensor  # float32 [c, V]

    @classmethod
    def unpack(cls, words: np.ndarray, index: Sequence[int], vocab: int) -> "AllowedTokens":
        """Row i samples under words[index[i]], or freely where index[i] is -1. words: packed masks, uint32
        [M, W] as the STEP message holds them: bit t & 31 of word t >> 5 allows token id t, ids from 32 W on are
        not allowed, and bits from `vocab` on are ignored."""
        index = np.asarray(index)
        rows = np.flatnonzero(index >= 0)
        packed = np.ascontiguousarray(np.asarray(words, _WORD)[index[rows]])
        # Little-endian words are little-endian bytes, so bit t of a row is bit t & 7 of its byte t >> 3.
        bits = np.unpackbits(packed.view(np.uint8), axis=1, count=vocab, bitorder="little")
        # 1 - 1 is 0.0; 0 - 1 wraps to all ones, and with the sign, exponent and no mantissa left, -inf.
        offsets = np.subtract(bits, 1, dtype=np.uint32) & _NEG_INF_BITS
        return cls(torch.from_numpy(rows), torch.from_numpy(offsets.view(np.float32)))


@dataclass
class SampleResult:
    """One token per row, with its logprob and the row's top-N."""

    token_ids: torch.Tensor  # int64 [n]
    logprobs: torch.Tensor  # float32 [n]
    top_ids: torch.Tensor  # int64 [n, N]: N = max top_logprobs; -1 pads
    top_logprobs: torch.Tensor  # float32 [n, N]: -inf pads


class Sampler:
    def __init__(self, generator: Optional[torch.Generator] = None):
        self._generator = _PROCESS_GENERATOR if generator is None else generator

    def __call__(self, logits: torch.Tensor, rows: List[SamplerRow],
                 allowed: Optional[AllowedTokens] = None) -> SampleResult:
        """logits: [n, V], one row per SamplerRow; left unmodified. allowed: None when no row is constrained;
        each constrained row must allow some token."""
        x = _penalized(logits, rows)
        if allowed is not None:
            x = _masked(x, x is logits, allowed)
        lse = torch.logsumexp(x, dim=-1)
        tokens = self._choose(x, rows)
        logprobs = x.gather(1, tokens[:, None])[:, 0] - lse
        top_ids, top_logprobs = _top_logprobs(x, lse, [r.params.top_logprobs for r in rows])
        return SampleResult(tokens, logprobs, top_ids, top_logprobs)

    def _choose(self, x: torch.Tensor, rows: List[SamplerRow]) -> torch.Tensor:
        greedy = [i for i, r in enumerate(rows) if r.params.greedy]
        if len(greedy) == len(rows):
            return x.max(dim=-1).indices  # first maximum, like argmax, and faster on CPU
        tokens = torch.empty(len(rows), dtype=torch.int64)
        if greedy:
            tokens[greedy] = x[greedy].max(dim=-1).indices
        unseeded = [i for i, r in enumerate(rows) if not r.params.greedy and r.params.seed < 0]
        if unseeded:
            uniforms = torch.rand(len(unseeded), generator=self._generator, dtype=torch.float64)
            tokens[unseeded] = _random_tokens(_take(x, unseeded), [rows[i].params for i in unseeded],
                                              uniforms=uniforms)
        seeded = [i for i, r in enumerate(rows) if not r.params.greedy and r.params.seed >= 0]
        if seeded:
            noise = torch.stack([_gumbel_noise(rows[i].params.seed, rows[i].output_index, x.shape[1])
                                 for i in seeded])
            tokens[seeded] = _random_tokens(_take(x, seeded), [rows[i].params for i in seeded], noise=noise)
        return tokens


def _gumbel_noise(seed: int, output_index: int, vocab: int) -> torch.Tensor:
    """float64 [V]: Gumbel(0, 1) per token id, a function of (seed, output index) alone."""
    g = torch.Generator()
    g.manual_seed(_splitmix64(_splitmix64(seed & _MASK64) ^ output_index))
    return torch.empty(vocab, dtype=torch.float64).exponential_(generator=g).log_().neg_()


def _penalized(logits: torch.Tensor, rows: List[SamplerRow]) -> torch.Tensor:
    """float32 logits after the penalties; the input itself when it is float32 and no row has any."""
    repeat = [i for i, r in enumerate(rows) if r.params.repetition_penalty != 1.0]
    occur = [i for i, r in enumerate(rows)
             if r.params.presence_penalty != 0.0 or r.params.frequency_penalty != 0.0]
    if not repeat and not occur:
        return logits.float()
    x = logits.to(torch.float32, memory_format=torch.contiguous_format, copy=True)
    vocab = x.shape[1]
    flat = x.view(-1)
    # Entries are addressed as row * vocab + token, so that all rows go at once. A token seen twice
    # reads and writes the same value twice, so the set-style updates below count it once.
    if repeat:
        keys = torch.cat([torch.cat((rows[i].prompt_ids, rows[i].output_ids)) + i * vocab for i in repeat])
        penalty = torch.tensor([r.params.repetition_penalty for r in rows])[keys // vocab]
        values = flat[keys]
        flat[keys] = torch.where(values > 0, values / penalty, values * penalty)
    if occur:
        keys = torch.cat([rows[i].output_ids + i * vocab for i in occur])
        row = keys // vocab
        flat[keys] = flat[keys] - torch.tensor([r.params.presence_penalty for r in rows])[row]
        frequency = torch.tensor([r.params.frequency_penalty for r in rows])[row]
        flat.index_put_((keys,), -frequency, accumulate=True)
    return x


def _masked(x: torch.Tensor, shared: bool, allowed: AllowedTokens) -> torch.Tensor:
    """x with the tokens its constrained rows may not sample at -inf; `shared`: x is the caller's tensor.

    Finite logits plus 0 keep their value exactly.
    """
    if allowed.rows.numel() == x.shape[0]:  # every row, in order: a plain addition is faster still
        return x + allowed.offsets if shared else x.add_(allowed.offsets)
    if shared:
        return x.index_add(0, allowed.rows, allowed.offsets)
    return x.index_add_(0, allowed.rows, allowed.offsets)


def _random_tokens(x: torch.Tensor, params: List[SamplingParams], uniforms: Optional[torch.Tensor] = None,
                   noise: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Tempered, truncated draws; x [m, V] may be the caller's tensor and is only read.

    Each row draws at its uniform (float64 [m]: the CDF is inverted) or, given noise instead (float64
    [m, V], Gumbel per token id), races its kept tokens.
    """
    temperature = torch.tensor([p.temperature for p in params])
    tokens = torch.empty(len(params), dtype=torch.int64)
    truncated = [i for i, p in enumerate(params) if p.top_k > 0 or p.top_p < 1.0 or p.min_p > 0.0]
    whole = [i for i, p in enumerate(params) if not (p.top_k > 0 or p.top_p < 1.0 or p.min_p > 0.0)]
    if whole:
        xw = _take(x, whole)
        scaled = (xw - xw.amax(dim=-1, keepdim=True)).div_(temperature[whole, None])
        if noise is None:
            tokens[whole] = _invert_cdf(scaled.exp_(), uniforms[whole])
        else:
            tokens[whole] = (scaled.double() + noise[whole]).argmax(dim=-1)
    if truncated:
        sub = [params[i] for i in truncated]
        tokens[truncated] = _truncated_tokens(
            _take(x, truncated), temperature[truncated],
            None if uniforms is None else uniforms[truncated], None if noise is None else noise[truncated],
            torch.tensor([p.top_k for p in sub]), torch.tensor([p.top_p for p in sub]),
            torch.tensor([p.min_p for p in sub]))
    return tokens


def _truncated_tokens(x: torch.Tensor, temperature: torch.Tensor, uniforms: Optional[torch.Tensor],
                      noise: Optional[torch.Tensor], top_k: torch.Tensor, top_p: torch.Tensor,
                      min_p: torch.Tensor) -> torch.Tensor:
    """Draws among a few top candidates per row, widening them for rows whose kept set may not fit.

    A full sort of the vocabulary costs ~40x a top-64 on CPU, and kept sets are usually small.
    """
    m, vocab = x.shape
    # Without top_k, top_p measures probability against the whole row.
    whole_row = ((top_p < 1.0) & (top_k == 0)).nonzero()[:, 0]
    lse = torch.zeros(m)
    if whole_row.numel():
        xw = x if whole_row.numel() == m else x[whole_row]
        # Shifted to a maximum of 0, exp cannot overflow; in place, as broadcast division out of place is slow.
        scaled = (xw - xw.amax(dim=-1, keepdim=True)).div_(temperature[whole_row, None])
        lse[whole_row] = scaled.exp_().sum(dim=-1).log_()
    tokens = torch.empty(m, dtype=torch.int64)
    pending = torch.arange(m)
    width = min(vocab, max(_CANDIDATES, int(top_k.max()) + 1))
    while True:
        xp = x if pending.numel() == m else x[pending]
        done, chosen, reach = _draw_from_candidates(
            xp, width, temperature[pending], None if uniforms is None else uniforms[pending],
            None if noise is None else noise[pending], top_k[pending], top_p[pending], min_p[pending], lse[pending])
        tokens[pending[done]] = chosen[done]
        pending = pending[~done]
        if not pending.numel():
            return tokens
        width = max(width * _GROWTH, math.ceil(float(reach[~done].max())))
        if width > vocab // _FULL_SORT_ABOVE:
            width = vocab


def _draw_from_candidates(x: torch.Tensor, width: int, temperature: torch.Tensor, uniforms: Optional[torch.Tensor],
                          noise: Optional[torch.Tensor], top_k: torch.Tensor, top_p: torch.Tensor,
                          min_p: torch.Tensor, lse: torch.Tensor):
    """(done, token, reach) per row, drawn among its `width` top tokens; not done where the kept set may
    reach past them, and then likely past `reach` too.

    lse: logsumexp of the whole row's scaled logits, shifted so that the maximum is 0.
    """
    values, ids = _candidates(x, width)
    # In place: out-of-place broadcast division is many times slower on CPU.
    z = values.sub_(values[:, :1].clone()).div_(temperature[:, None])  # scaled logits, the row maximum at 0
    cdf = z.exp().double().cumsum(dim=-1)
    # Candidates are sorted, so each filter keeps a prefix: the tokens at or above a threshold, ties included.
    n_k = torch.where(top_k > 0, _at_or_above(z, top_k.clamp(min=1, max=width)), width)
    # top_p renormalizes over what top_k kept, as in vLLM; over the whole row without top_k.
    total = torch.where(top_k > 0, cdf.gather(1, (n_k - 1)[:, None])[:, 0], lse.double().exp())
    nucleus = 1 + (cdf[:, :-1] < (top_p * total)[:, None]).sum(dim=-1)
    n_p = torch.where(top_p < 1.0, _at_or_above(z, nucleus.minimum(n_k)), width)
    n_m = (z >= min_p.clamp(max=1.0).log()[:, None]).sum(dim=-1)  # prob >= min_p * max prob, the max at z = 0
    kept = n_k.minimum(n_p).minimum(n_m)
    # Tokens past the candidates score at most z[:, -1]; top_k's set must fit whole, as top_p's total is over it.
    # Masked-out tokens (-inf) sort last and weigh nothing, kept or not: once one is a candidate, all that can be
    # drawn are.
    done = (torch.where(top_k > 0, n_k < width, kept < width) | (z[:, -1] == -math.inf)
            | (width == x.shape[1]))
    # top_p alone needs its missing mass in tokens no likelier than the last candidate.
    missing = (top_p * total - cdf[:, -1]).clamp(min=0.0) / z[:, -1].double().exp().clamp(min=1e-300)
    reach = torch.where((top_p < 1.0) & (top_k == 0) & (min_p == 0.0), width + missing, torch.zeros_like(missing))
    if noise is not None:
        scores = (z.double() + noise.gather(1, ids)).masked_fill_(torch.arange(width) >= kept[:, None], -math.inf)
        return done, ids.gather(1, scores.argmax(dim=-1, keepdim=True))[:, 0], reach
    # 1 - u is in (0, 1]: the first CDF entry reaching the target is a kept token of positive weight.
    target = (1.0 - uniforms) * cdf.gather(1, (kept - 1)[:, None])[:, 0]
    return done, ids.gather(1, torch.searchsorted(cdf, target[:, None]))[:, 0], reach


def _at_or_above(z: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """How many of each row's sorted entries are at least its n-th."""
    return (z >= z.gather(1, (n - 1)[:, None])).sum(dim=-1)


def _candidates(x: torch.Tensor, width: int):
    """The `width` largest logits of each row and their ids, by logit descending then id ascending.

    The order must not depend on width (nor so on the batch): it fixes which token a CDF target picks.
    """
    if width == x.shape[1]:
        return torch.sort(x, dim=-1, descending=True, stable=True)
    values, ids = x.topk(width, dim=-1)
    ids, order = ids.sort(dim=-1)
    values, order = torch.sort(values.gather(1, order), dim=-1, descending=True, stable=True)
    return values, ids.gather(1, order)


def _invert_cdf(weights: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Per row, index i with probability weights[i] / sum(weights); every row holds a positive weight.

    Blockwise float64 sums keep tiny weights their share, which one float32 cumsum over the
    vocabulary would round away, and cost less than it.
    """
    m, length = weights.shape
    blocks = -(-length // _BLOCK)
    if blocks * _BLOCK != length:
        weights = F.pad(weights, (0, blocks * _BLOCK - length))
    weights = weights.reshape(m, blocks, _BLOCK)
    block_cdf = weights.sum(dim=-1).double().cumsum(dim=-1)
    # 1 - u is in (0, 1]: the target is positive and at most the total, so the first CDF entry
    # reaching it belongs to a positive weight.
    target = (1.0 - uniforms) * block_cdf[:, -1]
    block = torch.searchsorted(block_cdf, target[:, None])
    start = torch.cat((torch.zeros(m, 1, dtype=torch.float64), block_cdf[:, :-1]), dim=1).gather(1, block)
    inner_cdf = weights[torch.arange(m), block[:, 0]].double().cumsum(dim=-1)
    # The float32 block sum and the float64 one of its entries may differ in the last bits.
    inner_target = torch.minimum(target[:, None] - start, inner_cdf[:, -1:])
    return block[:, 0] * _BLOCK + torch.searchsorted(inner_cdf, inner_target)[:, 0]


def _top_logprobs(x: torch.Tensor, lse: torch.Tensor, counts: List[int]):
    n, vocab = x.shape
    width = min(max(counts, default=0), vocab)
    ids = torch.full((n, width), -1, dtype=torch.int64)
    logprobs = torch.full((n, width), float("-inf"))
    if width == 0:
        return ids, logprobs
    asking = [i for i, c in enumerate(counts) if c > 0]
    values, top = _take(x, asking).topk(width, dim=-1)
    pad = (torch.arange(width) >= torch.tensor([counts[i] for i in asking])[:, None]) | (values == -math.inf)
    ids[asking] = top.masked_fill_(pad, -1)
    logprobs[asking] = (values - lse[asking, None]).masked_fill_(pad, float("-inf"))
    return ids, logprobs


def _take(x: torch.Tensor, rows: List[int]) -> torch.Tensor:
    """x's rows, without a copy when they are all of them in order."""
    return x if len(rows) == x.shape[0] else x[rows]


def _splitmix64(v: int) -> int:
    v = (v + 0x9E3779B97F4A7C15) & _MASK64
    v = ((v ^ (v >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    v = ((v ^ (v >> 27)) * 0x94D049BB133111EB) & _MASK64
    return v ^ (v >> 31)
