"""The sampler: greedy, truncated random draws, penalties, seeds and logprobs."""

import math

import pytest
import torch

from lmi_worker.engine.sampler import Sampler, SamplerRow
from lmi_worker.engine.step import SamplingParams

DRAWS = 2000
EMPTY = torch.zeros(0, dtype=torch.int64)


@pytest.fixture
def sampler():
    g = torch.Generator()
    g.manual_seed(1234)
    return Sampler(g)


def row(output_len=0, prompt=EMPTY, output=None, **params):
    out = torch.zeros(output_len, dtype=torch.int64) if output is None else torch.tensor(output)
    return SamplerRow(SamplingParams(**params), len(out), prompt, out)


def logits_of(probs, vocab=None):
    """Logits whose softmax is probs, padded with tokens of probability 1e-9 up to vocab."""
    p = torch.tensor(probs, dtype=torch.float64)
    if vocab is not None:
        p = torch.cat((p, torch.full((vocab - len(probs),), 1e-9, dtype=torch.float64)))
    return p.log().float()


def draw(sampler, logits, n=DRAWS, **params):
    """Tokens of n rows sharing logits [V] and params."""
    rows = [row(**params) for _ in range(n)]
    return sampler(logits.expand(n, -1).contiguous(), rows).token_ids


def assert_kept(tokens, kept, probs):
    """Only kept tokens appear, and each does whose share of the kept mass makes missing it near impossible."""
    seen = set(tokens.tolist())
    assert seen <= set(kept), seen - set(kept)
    mass = sum(probs[i] for i in kept)
    for i in kept:
        if probs[i] / mass > 0.01:
            assert i in seen, i


def test_greedy_picks_the_first_maximum(sampler):
    logits = torch.tensor([[0.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0], [-1.0, -5.0, -0.5, -2.0]])
    result = sampler(logits, [row(), row(), row()])
    assert result.token_ids.tolist() == torch.argmax(logits, dim=-1).tolist() == [1, 0, 2]
    assert result.token_ids.dtype == torch.int64
    assert result.top_ids.shape == (3, 0) and result.top_logprobs.shape == (3, 0)


def test_logprobs_are_log_softmax_before_temperature(sampler):
    logits = torch.randn(6, 50, generator=torch.Generator().manual_seed(0)) * 3
    rows = [row(), row(temperature=0.5), row(temperature=2.0, top_k=5, top_logprobs=3),
            row(top_logprobs=50), row(temperature=1.0, top_p=0.5), row(temperature=0.7, min_p=0.2)]
    result = sampler(logits, rows)
    expected = torch.log_softmax(logits, dim=-1)
    chosen = expected.gather(1, result.token_ids[:, None])[:, 0]
    torch.testing.assert_close(result.logprobs, chosen)
    assert result.logprobs.dtype == torch.float32
    torch.testing.assert_close(result.top_logprobs[3], expected[3].sort(descending=True).values)


def test_top_logprobs_sorted_and_padded(sampler):
    logits = torch.randn(4, 30, generator=torch.Generator().manual_seed(1))
    rows = [row(top_logprobs=2), row(), row(top_logprobs=5, temperature=1.0), row(top_logprobs=1)]
    result = sampler(logits, rows)
    assert result.top_ids.shape == result.top_logprobs.shape == (4, 5)
    assert result.top_ids.dtype == torch.int64 and result.top_logprobs.dtype == torch.float32
    expected = torch.log_softmax(logits, dim=-1)
    for i, n in enumerate([2, 0, 5, 1]):
        best = expected[i].topk(n)
        assert result.top_ids[i, :n].tolist() == best.indices.tolist()
        torch.testing.assert_close(result.top_logprobs[i, :n], best.values)
        assert bool((result.top_logprobs[i, :n].diff() <= 0).all())
        assert result.top_ids[i, n:].tolist() == [-1] * (5 - n)
        assert bool((result.top_logprobs[i, n:] == float("-inf")).all())


def test_input_logits_unchanged(sampler):
    logits = torch.randn(4, 40, generator=torch.Generator().manual_seed(2))
    before = logits.clone()
    rows = [row(output=[1, 2, 2], prompt=torch.tensor([3, 4]), repetition_penalty=1.3, presence_penalty=0.5,
                frequency_penalty=0.2),
            row(temperature=0.8), row(temperature=1.2, top_p=0.9, top_k=10, min_p=0.05, top_logprobs=4), row()]
    sampler(logits, rows)
    assert torch.equal(logits, before)
    sampler(logits, [row(temperature=1.0) for _ in range(4)])
    assert torch.equal(logits, before)


def test_unrestricted_draws_follow_the_distribution(sampler):
    vocab = 1000  # not a multiple of the CDF block, with mass on both sides of block edges
    probs = {0: 0.1, 255: 0.2, 256: 0.3, 511: 0.15, 999: 0.25}
    logits = torch.full((vocab,), float("-inf"))
    for i, p in probs.items():
        logits[i] = math.log(p)
    n = 20000
    counts = torch.bincount(draw(sampler, logits, n=n, temperature=1.0), minlength=vocab)
    assert set(counts.nonzero()[:, 0].tolist()) == set(probs)
    for i, p in probs.items():
        assert abs(counts[i].item() - n * p) < 5 * math.sqrt(n * p * (1 - p)), (i, counts[i])


def test_temperature_sharpens_and_flattens(sampler):
    logits = logits_of([0.6, 0.3, 0.1])
    cold = torch.bincount(draw(sampler, logits, temperature=0.25), minlength=3)
    hot = torch.bincount(draw(sampler, logits, temperature=4.0), minlength=3)
    # At T=0.25 token 0 has probability 0.6^4 / (0.6^4 + 0.3^4 + 0.1^4) ~ 0.94; at T=4 ~ 0.41.
    assert cold[0] > 0.9 * DRAWS
    assert 0.35 * DRAWS < hot[0] < 0.47 * DRAWS


def test_top_k_keeps_the_k_largest(sampler):
    probs = [0.05, 0.3, 0.02, 0.2, 0.15, 0.1, 0.18]
    tokens = draw(sampler, logits_of(probs), temperature=1.0, top_k=3)
    assert_kept(tokens, [1, 3, 6], probs)


def test_top_k_keeps_ties_at_the_boundary(sampler):
    logits = torch.tensor([5.0, 4.0, 4.0, 4.0, 1.0, 0.0])
    tokens = draw(sampler, logits, temperature=1.0, top_k=2)
    assert set(tokens.tolist()) == {0, 1, 2, 3}


def test_top_p_keeps_the_nucleus(sampler):
    probs = [0.1, 0.4, 0.05, 0.3, 0.15]
    # Sorted: 0.4, 0.3, 0.15 reach 0.85 >= 0.8 first; 0.4 + 0.3 = 0.7 does not.
    tokens = draw(sampler, logits_of(probs), temperature=1.0, top_p=0.8)
    assert_kept(tokens, [1, 3, 4], probs)
    assert set(draw(sampler, logits_of(probs), temperature=1.0, top_p=0.0).tolist()) == {1}


def test_top_p_applies_after_temperature(sampler):
    probs = [0.1, 0.4, 0.05, 0.3, 0.15]
    tempered = torch.softmax(logits_of(probs).double() / 0.5, dim=-1)
    order = tempered.argsort(descending=True).tolist()
    cumulative = tempered[order].cumsum(0)
    kept = order[:int((cumulative < 0.85).sum()) + 1]
    tokens = draw(sampler, logits_of(probs), temperature=0.5, top_p=0.85)
    assert_kept(tokens, kept, tempered.tolist())
    assert kept == [1, 3]  # 0.56 + 0.32 of the tempered mass; untempered, 0.4 + 0.3 < 0.85


def test_min_p_keeps_tokens_near_the_top(sampler):
    probs = [0.3, 0.02, 0.25, 0.1, 0.08, 0.25]
    # min_p 0.3 of max prob 0.3: keep prob >= 0.09.
    tokens = draw(sampler, logits_of(probs), temperature=1.0, min_p=0.3)
    assert_kept(tokens, [0, 2, 3, 5], probs)


def test_filters_apply_in_order_top_k_top_p_min_p(sampler):
    probs = [0.3, 0.25, 0.2, 0.15, 0.1]
    # top_k 4 renormalizes to 0.333, 0.278, 0.222, 0.167, so top_p 0.6 keeps two tokens where
    # it would keep three alone (0.3 + 0.25 < 0.6), and top_p 0.8 three where it would keep four.
    assert set(draw(sampler, logits_of(probs), temperature=1.0, top_k=4, top_p=0.6).tolist()) == {0, 1}
    assert set(draw(sampler, logits_of(probs), temperature=1.0, top_p=0.6).tolist()) == {0, 1, 2}
    assert set(draw(sampler, logits_of(probs), temperature=1.0, top_k=4, top_p=0.8).tolist()) == {0, 1, 2}
    # min_p 0.7 of the max 0.3 then drops 0.2.
    tokens = draw(sampler, logits_of(probs), temperature=1.0, top_k=4, top_p=0.8, min_p=0.7)
    assert set(tokens.tolist()) == {0, 1}
    # top_k 2 first: top_p 0.5 of {0.545, 0.455} keeps one token only.
    assert set(draw(sampler, logits_of(probs), temperature=1.0, top_k=2, top_p=0.5).tolist()) == {0}


def test_wide_nucleus_beyond_the_first_candidates(sampler):
    vocab = 5000
    logits = torch.linspace(0.0, -1.0, vocab)
    probs = torch.softmax(logits.double(), dim=-1)
    kept = int((probs.cumsum(0) - probs < 0.5).sum())
    tokens = draw(sampler, logits, temperature=1.0, top_p=0.5)
    assert kept > 1000  # past the first candidate widths, 64 and 512
    assert int(tokens.max()) < kept
    assert len(set(tokens.tolist())) > 800


def test_mixed_truncations_in_one_batch(sampler):
    probs = [0.3, 0.25, 0.2, 0.15, 0.1]
    logits = logits_of(probs, vocab=300)
    kinds = [dict(top_k=2), dict(top_p=0.5), dict(min_p=0.6), dict(), dict(top_k=200)]
    rows = [row(temperature=1.0, **kinds[i % 5]) for i in range(5 * 500)]
    tokens = sampler(logits.expand(len(rows), -1).contiguous(), rows).token_ids.view(500, 5)
    assert set(tokens[:, 0].tolist()) == {0, 1}
    assert set(tokens[:, 1].tolist()) == {0, 1}
    assert set(tokens[:, 2].tolist()) == {0, 1, 2}
    assert set(tokens[:, 3].tolist()) >= {0, 1, 2, 3, 4}
    assert set(tokens[:, 4].tolist()) >= {0, 1, 2, 3, 4} and int(tokens[:, 4].max()) < 300


def test_masked_tokens_never_drawn(sampler):
    logits = torch.full((700,), float("-inf"))
    logits[[3, 400, 699]] = torch.tensor([0.0, 1.0, 2.0])
    for params in [dict(), dict(top_p=0.99), dict(min_p=0.01), dict(top_k=50)]:
        assert set(draw(sampler, logits, temperature=1.5, **params).tolist()) == {3, 400, 699}


def test_repetition_penalty_as_hugging_face(sampler):
    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0, 1.0, 0.0]])
    r = row(prompt=torch.tensor([0, 1, 1]), output=[3, 5], repetition_penalty=2.0, top_logprobs=6)
    expected = torch.tensor([[1.0, -2.0, 0.5, -6.0, 1.0, 0.0]])
    result = sampler(logits, [r])
    assert_logprobs_match(result, expected)


def test_presence_and_frequency_penalties_on_output_only(sampler):
    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0, 1.0, 0.0]])
    r = row(prompt=torch.tensor([4]), output=[0, 2, 2, 2, 1], presence_penalty=0.5, frequency_penalty=0.25,
            top_logprobs=6)
    expected = torch.tensor([[2.0 - 0.75, -1.0 - 0.75, 0.5 - 1.25, -3.0, 1.0, 0.0]])
    assert_logprobs_match(sampler(logits, [r]), expected)


def test_all_penalties_together(sampler):
    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0, 1.0, 0.0]])
    r = row(prompt=torch.tensor([4]), output=[0, 1, 1], repetition_penalty=1.25, presence_penalty=0.5,
            frequency_penalty=0.25, top_logprobs=6)
    # Repetition first (tokens 4, 0, 1), then presence and frequency (tokens 0 once, 1 twice).
    expected = torch.tensor([[1.6 - 0.75, -1.25 - 1.0, 0.5, -3.0, 0.8, 0.0]])
    assert_logprobs_match(sampler(logits, [r]), expected)


def assert_logprobs_match(result, expected):
    want = torch.log_softmax(expected, dim=-1)
    got = torch.full_like(want, float("nan")).scatter_(1, result.top_ids, result.top_logprobs)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(result.logprobs, want.gather(1, result.token_ids[:, None])[:, 0])


def test_penalties_flip_the_greedy_choice_per_row(sampler):
    logits = torch.tensor([[3.0, 2.9, 0.0]]).expand(4, -1).contiguous()
    rows = [row(output=[0]), row(output=[0], repetition_penalty=1.1), row(output=[0], presence_penalty=0.2),
            row(output=[0, 0], frequency_penalty=0.06)]
    assert sampler(logits, rows).token_ids.tolist() == [0, 1, 1, 1]
    # The prompt counts for repetition only.
    rows = [row(prompt=torch.tensor([0]), repetition_penalty=1.1), row(prompt=torch.tensor([0]), presence_penalty=1.0)]
    assert sampler(logits[:2], rows).token_ids.tolist() == [1, 0]


def seeded_batch(target, logits, index, others, generator_seed):
    """A batch holding `target` at `index` among `others` random rows, drawn with a fresh process generator."""
    g = torch.Generator()
    g.manual_seed(generator_seed)
    rows = list(others)
    rows.insert(index, target)
    other_logits = torch.randn(len(others), logits.shape[0], generator=g)
    batch = torch.cat((other_logits[:index], logits[None], other_logits[index:]))
    return Sampler(g)(batch, rows).token_ids[index].item()


@pytest.mark.parametrize("truncation", [dict(), dict(top_p=0.95), dict(top_k=300, min_p=0.001)])
def test_seeded_rows_repeat_in_any_batch(truncation):
    vocab = 2000
    # Flat enough that chance repeats are unlikely; rounded, as from a bfloat16 model, to hold many ties
    # whose order must not depend on the batch.
    logits = (torch.randn(vocab, generator=torch.Generator().manual_seed(3)) * 8).round() / 8
    target = row(output_len=7, temperature=1.3, seed=42, **truncation)
    others = [row(temperature=1.0), row(temperature=0.9, top_k=1000), row(), row(temperature=1.0, top_p=0.3),
              row(temperature=2.0, min_p=0.5)]
    tokens = {seeded_batch(target, logits, index, others[:count], 10 * index + count)
              for index, count in [(0, 0), (0, 5), (3, 5), (5, 5), (1, 2), (2, 4)]}
    assert len(tokens) == 1


def test_seeded_rows_vary_with_output_index_and_seed(sampler):
    logits = torch.zeros(1000)
    by_index = [sampler(logits[None], [row(output_len=o, temperature=1.0, seed=7)]).token_ids.item()
                for o in range(20)]
    assert len(set(by_index)) > 10
    by_seed = [sampler(logits[None], [row(output_len=5, temperature=1.0, seed=s)]).token_ids.item()
               for s in range(20)]
    assert len(set(by_seed)) > 10


@pytest.mark.parametrize("truncation", [dict(), dict(top_p=0.95), dict(top_k=300)])
def test_seeded_rows_ignore_noise_in_the_last_bits_of_the_logits(sampler, truncation):
    # What a recompute after a preemption or a worker restart changes: a flat 32000-token row, whose CDF has
    # tokens' boundaries thousands of times closer than a uniform's resolution needs, perturbed by 1e-6.
    vocab = 32000
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(300, vocab, generator=g) * 0.5
    recomputed = logits + torch.randn(300, vocab, generator=g) * 1e-6
    rows = [row(output_len=i, temperature=0.8, seed=114, **truncation) for i in range(300)]
    assert torch.equal(sampler(logits, rows).token_ids, sampler(recomputed, rows).token_ids)


def test_seeded_draws_follow_the_distribution(sampler):
    probs = [0.5, 0.3, 0.15, 0.05]
    n = 8000
    logits = logits_of(probs).expand(n, -1).contiguous()
    rows = [row(output_len=i, temperature=1.0, seed=3) for i in range(n)]
    counts = torch.bincount(sampler(logits, rows).token_ids, minlength=4)
    for i, p in enumerate(probs):
        assert abs(counts[i].item() - n * p) < 5 * math.sqrt(n * p * (1 - p)), (i, counts[i])


def test_unseeded_rows_differ(sampler):
    tokens = draw(sampler, torch.zeros(1000), n=50, temperature=1.0)
    assert len(set(tokens.tolist())) > 25
    again = draw(Sampler(), torch.zeros(1000), n=50, temperature=1.0)
    assert not torch.equal(tokens, again)


def test_empty_batch(sampler):
    result = sampler(torch.zeros(0, 10), [])
    assert result.token_ids.shape == (0,) and result.logprobs.shape == (0,)
    assert result.top_ids.shape == (0, 0)
