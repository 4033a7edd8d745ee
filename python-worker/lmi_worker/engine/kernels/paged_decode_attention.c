/* Decode attention over the paged KV cache on CPU: reads K and V straight from their blocks.
 *
 * One query token per sequence. Each (sequence, KV head) pair is one task: it streams that
 * head's blocks once and serves all query heads of its group, so K/V bytes are read once.
 * Compiled at first use by kernels/cpu_kernels.py and called through ctypes.
 *
 * With AVX-512 a task is one pass (online softmax, as flash-decoding does): each block's K and V are
 * used while in cache, scores come 16 tokens at a time, and exp is vectorized. Blocks lie at random
 * places, one head's block is one 4 KiB page, and the hardware prefetcher stops at page edges, so the
 * loads wait on memory unless the blocks two ahead are fetched by hand. Elsewhere, two passes in
 * plain C: scores and softmax over the whole context, then the weighted sum of V.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Blocks sit at random places in the cache, and hardware prefetchers stop at page edges:
 * fetching a block before it is needed keeps the loads streaming. */
static void prefetch_bytes(const void *block, int64_t bytes)
{
    for (int64_t i = 0; i < bytes; i += 64) __builtin_prefetch((const char *)block + i, 0, 3);
}

static void prefetch_block(const float *block, int64_t floats) { prefetch_bytes(block, floats * 4); }

#if defined(__AVX512F__)
#include "vector_exp.h"

#define MAX_GROUPS 16  /* query heads per KV head kept in registers' worth of state; more take the C path */
#define MAX_DIM_VECS 16 /* head_dim up to 256 */
#define PREFETCH_AHEAD 2

/* The head shapes the one-pass path serves; the others take the two passes (float32) or torch (float16). */
static int one_pass_fits(int64_t heads, int64_t kv_heads, int64_t head_dim)
{
    return head_dim % 16 == 0 && head_dim <= 16 * MAX_DIM_VECS && heads / kv_heads <= MAX_GROUPS;
}

/* out[i] = the sum of v[i]'s lanes, for 16 vectors: a transpose-and-add tree instead of 16 reductions. */
static inline __m512 sum16(__m512 v[16])
{
    __m512 x[8], y[4];
    for (int i = 0; i < 8; i++)
        x[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int j = 0; j < 4; j++)
        y[j] = _mm512_add_ps(_mm512_shuffle_ps(x[2 * j], x[2 * j + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(x[2 * j], x[2 * j + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    /* y[j] holds, per 128-bit lane l, the sums over lane l of v[4j .. 4j+3]; add the four lanes. */
    const __m512 a = _mm512_add_ps(_mm512_shuffle_f32x4(y[0], y[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(y[0], y[1], _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512 b = _mm512_add_ps(_mm512_shuffle_f32x4(y[2], y[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(y[2], y[3], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* One (sequence, KV head) task: positions [first, length) of the blocks in `table`, for `groups` query
 * heads at q (head_dim a multiple of 16), written to out. */
/* 16 cache values from element i of a float32 (half 0) or float16 (half 1) cache. */
static inline __attribute__((always_inline)) __m512 load16(const void *base, int64_t i, const int half)
{
    if (half) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)base + i)));
    return _mm512_loadu_ps((const float *)base + i);
}

static inline __attribute__((always_inline)) void attend_task(const void *restrict kh, const void *restrict vh,
                                                               const int32_t *restrict table,
                                                               const float *restrict q, int64_t first, int64_t length,
                                                               int64_t groups, int64_t head_dim, int64_t block_size,
                                                               float scale, const int half, float *restrict out)
{
    const int64_t block_floats = block_size * head_dim, vecs = head_dim / 16, item = half ? 2 : 4;
    const char *kb = kh, *vb = vh;
    __m512 acc[MAX_GROUPS][MAX_DIM_VECS];
    float running_max[MAX_GROUPS], running_sum[MAX_GROUPS];
    for (int64_t g = 0; g < groups; g++) {
        running_max[g] = -INFINITY;
        running_sum[g] = 0.f;
        for (int64_t c = 0; c < vecs; c++) acc[g][c] = _mm512_setzero_ps();
    }
    const int64_t first_block = first / block_size, blocks = (length + block_size - 1) / block_size;
    for (int64_t blk = first_block; blk < blocks && blk < first_block + PREFETCH_AHEAD; blk++) {
        prefetch_bytes(kb + (int64_t)table[blk] * block_floats * item, block_floats * item);
        prefetch_bytes(vb + (int64_t)table[blk] * block_floats * item, block_floats * item);
    }
    for (int64_t blk = first_block; blk < blocks; blk++) {
        if (blk + PREFETCH_AHEAD < blocks) {
            prefetch_bytes(kb + (int64_t)table[blk + PREFETCH_AHEAD] * block_floats * item, block_floats * item);
            prefetch_bytes(vb + (int64_t)table[blk + PREFETCH_AHEAD] * block_floats * item, block_floats * item);
        }
        const char *keys = kb + (int64_t)table[blk] * block_floats * item;
        const char *values = vb + (int64_t)table[blk] * block_floats * item;
        const int64_t base = blk * block_size;
        for (int64_t t0 = 0; t0 < block_size && base + t0 < length; t0 += 16) {
            const int64_t n = block_size - t0 < 16 ? block_size - t0 : 16;
            const int64_t hi = base + t0 + n <= length ? n : length - base - t0;
            const int64_t lo = base + t0 >= first ? 0 : first - base - t0 < hi ? first - base - t0 : hi;
            if (lo == hi) continue; /* before the sliding window */
            const __mmask16 valid = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
            for (int64_t g = 0; g < groups; g++) {
                const float *qg = q + g * head_dim;
                __m512 dots[16];
                for (int64_t t = 0; t < 16; t++) {
                    __m512 d = _mm512_setzero_ps();
                    if (t < hi)
                        for (int64_t c = 0; c < vecs; c++)
                            d = _mm512_fmadd_ps(_mm512_loadu_ps(qg + c * 16),
                                                load16(keys, (t0 + t) * head_dim + c * 16, half), d);
                    dots[t] = d;
                }
                const __m512 scores = _mm512_mul_ps(sum16(dots), _mm512_set1_ps(scale));
                const float block_max = _mm512_mask_reduce_max_ps(valid, scores);
                const float new_max = block_max > running_max[g] ? block_max : running_max[g];
                const float correction = expf(running_max[g] - new_max);
                running_max[g] = new_max;
                float weights[16];
                _mm512_storeu_ps(weights, _mm512_maskz_mov_ps(valid, exp512(_mm512_sub_ps(scores,
                                                                                        _mm512_set1_ps(new_max)))));
                running_sum[g] = running_sum[g] * correction + _mm512_reduce_add_ps(_mm512_loadu_ps(weights));
                const __m512 corr = _mm512_set1_ps(correction);
                for (int64_t c = 0; c < vecs; c++) acc[g][c] = _mm512_mul_ps(acc[g][c], corr);
                for (int64_t t = lo; t < hi; t++) {
                    const __m512 w = _mm512_set1_ps(weights[t]);
                    for (int64_t c = 0; c < vecs; c++)
                        acc[g][c] = _mm512_fmadd_ps(w, load16(values, (t0 + t) * head_dim + c * 16, half),
                                                    acc[g][c]);
                }
            }
        }
    }
    for (int64_t g = 0; g < groups; g++) {
        const __m512 inv = _mm512_set1_ps(1.f / running_sum[g]);
        for (int64_t c = 0; c < vecs; c++) _mm512_storeu_ps(out + g * head_dim + c * 16, _mm512_mul_ps(acc[g][c], inv));
    }
}
#endif

/* Scores of one block's tokens [lo, hi) against each query head of the group: scores[g * span + t]. */
static void block_scores(const float *restrict keys, const float *restrict q, int64_t lo, int64_t hi,
                         int64_t groups, int64_t head_dim, float scale, float *restrict scores, int64_t span)
{
    int64_t t = lo;
    /* Four tokens at a time: four independent sums hide the latency of each horizontal add. */
    for (; t + 4 <= hi; t += 4) {
        const float *restrict k0 = keys + t * head_dim;
        const float *restrict k1 = k0 + head_dim, *restrict k2 = k1 + head_dim, *restrict k3 = k2 + head_dim;
        for (int64_t g = 0; g < groups; g++) {
            const float *restrict qg = q + g * head_dim;
            float d0 = 0.f, d1 = 0.f, d2 = 0.f, d3 = 0.f;
#pragma omp simd reduction(+ : d0, d1, d2, d3)
            for (int64_t d = 0; d < head_dim; d++) {
                d0 += qg[d] * k0[d];
                d1 += qg[d] * k1[d];
                d2 += qg[d] * k2[d];
                d3 += qg[d] * k3[d];
            }
            float *restrict s = scores + g * span + t;
            s[0] = d0 * scale;
            s[1] = d1 * scale;
            s[2] = d2 * scale;
            s[3] = d3 * scale;
        }
    }
    for (; t < hi; t++) {
        const float *restrict k = keys + t * head_dim;
        for (int64_t g = 0; g < groups; g++) {
            const float *restrict qg = q + g * head_dim;
            float dot = 0.f;
#pragma omp simd reduction(+ : dot)
            for (int64_t d = 0; d < head_dim; d++) dot += qg[d] * k[d];
            scores[g * span + t] = dot * scale;
        }
    }
}

/* acc[g] += weights[g * span + t] * v[t] over the block's tokens [lo, hi). */
static void block_accumulate(const float *restrict values, const float *restrict weights, int64_t lo,
                             int64_t hi, int64_t groups, int64_t head_dim, int64_t span, float *restrict acc)
{
    for (int64_t t = lo; t < hi; t++) {
        const float *restrict v = values + t * head_dim;
        for (int64_t g = 0; g < groups; g++) {
            const float w = weights[g * span + t];
            float *restrict a = acc + g * head_dim;
#pragma omp simd
            for (int64_t d = 0; d < head_dim; d++) a[d] += w * v[d];
        }
    }
}

static void softmax_rows(float *restrict scores, int64_t rows, int64_t span)
{
    for (int64_t g = 0; g < rows; g++) {
        float *restrict s = scores + g * span;
        float max = -INFINITY, sum = 0.f;
        for (int64_t i = 0; i < span; i++) max = s[i] > max ? s[i] : max;
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < span; i++) {
            s[i] = expf(s[i] - max);
            sum += s[i];
        }
        const float inv = 1.f / sum;
#pragma omp simd
        for (int64_t i = 0; i < span; i++) s[i] *= inv;
    }
}

void paged_decode_attention(const float *q,              /* [B, H, D] */
                            const float *k_cache,        /* [KVH, num_blocks, BS, D] */
                            const float *v_cache,        /* [KVH, num_blocks, BS, D] */
                            const int32_t *block_tables, /* [B, max_blocks] */
                            const int32_t *context_lens, /* [B] */
                            int64_t batch, int64_t heads, int64_t kv_heads, int64_t head_dim,
                            int64_t block_size, int64_t num_blocks, int64_t max_blocks,
                            int64_t sliding_window, /* 0: none */
                            float scale, int64_t threads,
                            float *out) /* [B, H, D] */
{
    const int64_t groups = heads / kv_heads;
    const int64_t head_stride = num_blocks * block_size * head_dim;
    const int64_t block_stride = block_size * head_dim;
    int64_t longest = 0;
    for (int64_t b = 0; b < batch; b++) longest = context_lens[b] > longest ? context_lens[b] : longest;

#if defined(__AVX512F__)
    const int one_pass = one_pass_fits(heads, kv_heads, head_dim);
#endif
#pragma omp parallel num_threads(threads)
    {
        /* Per-thread buffers, reused across tasks. */
        float *scores = malloc(sizeof(float) * groups * (longest > 0 ? longest : 1));
        float *acc = malloc(sizeof(float) * groups * head_dim);
#pragma omp for collapse(2) schedule(dynamic)
        for (int64_t b = 0; b < batch; b++) {
            for (int64_t kvh = 0; kvh < kv_heads; kvh++) {
                const int64_t length = context_lens[b];
                const int64_t first = sliding_window > 0 && length > sliding_window ? length - sliding_window : 0;
                const int64_t span = length - first;
                const float *kh = k_cache + kvh * head_stride;
                const float *vh = v_cache + kvh * head_stride;
                const float *qb = q + (b * heads + kvh * groups) * head_dim;
                const int32_t *table = block_tables + b * max_blocks;
#if defined(__AVX512F__)
                if (one_pass) {
                    attend_task(kh, vh, table, qb, first, length, groups, head_dim, block_size, scale, 0,
                                out + (b * heads + kvh * groups) * head_dim);
                    continue;
                }
#endif

                for (int64_t blk = first / block_size; blk * block_size < length; blk++) {
                    const int64_t lo = blk * block_size < first ? first - blk * block_size : 0;
                    const int64_t hi = (blk + 1) * block_size <= length ? block_size : length - blk * block_size;
                    if ((blk + 1) * block_size < length)
                        prefetch_block(kh + (int64_t)table[blk + 1] * block_stride, block_stride);
                    block_scores(kh + (int64_t)table[blk] * block_stride, qb, lo, hi, groups, head_dim, scale,
                                 scores + blk * block_size - first, span);
                }
                softmax_rows(scores, groups, span);
                memset(acc, 0, sizeof(float) * groups * head_dim);
                for (int64_t blk = first / block_size; blk * block_size < length; blk++) {
                    const int64_t lo = blk * block_size < first ? first - blk * block_size : 0;
                    const int64_t hi = (blk + 1) * block_size <= length ? block_size : length - blk * block_size;
                    if ((blk + 1) * block_size < length)
                        prefetch_block(vh + (int64_t)table[blk + 1] * block_stride, block_stride);
                    block_accumulate(vh + (int64_t)table[blk] * block_stride, scores + blk * block_size - first,
                                     lo, hi, groups, head_dim, span, acc);
                }
                memcpy(out + (b * heads + kvh * groups) * head_dim, acc, sizeof(float) * groups * head_dim);
            }
        }
        free(scores);
        free(acc);
    }
}

#if defined(__AVX512F__)
/* As paged_decode_attention for a float16 cache, one pass only: the caller checks
 * paged_decode_attention_f16_supports first and otherwise gathers the blocks for torch. */
int paged_decode_attention_f16_supports(int64_t heads, int64_t kv_heads, int64_t head_dim)
{
    return one_pass_fits(heads, kv_heads, head_dim);
}

void paged_decode_attention_f16(const float *q, const uint16_t *k_cache, const uint16_t *v_cache,
                                const int32_t *block_tables, const int32_t *context_lens, int64_t batch,
                                int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t block_size,
                                int64_t num_blocks, int64_t max_blocks, int64_t sliding_window, float scale,
                                int64_t threads, float *out)
{
    const int64_t groups = heads / kv_heads, head_stride = num_blocks * block_size * head_dim;
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads)
    for (int64_t b = 0; b < batch; b++)
        for (int64_t kvh = 0; kvh < kv_heads; kvh++) {
            const int64_t length = context_lens[b];
            const int64_t first = sliding_window > 0 && length > sliding_window ? length - sliding_window : 0;
            attend_task(k_cache + kvh * head_stride, v_cache + kvh * head_stride, block_tables + b * max_blocks,
                        q + (b * heads + kvh * groups) * head_dim, first, length, groups, head_dim, block_size, scale,
                        1, out + (b * heads + kvh * groups) * head_dim);
        }
}
#else
int paged_decode_attention_f16_supports(int64_t heads, int64_t kv_heads, int64_t head_dim)
{
    (void)heads, (void)kv_heads, (void)head_dim;
    return 0;
}

/* Never called: the caller asks paged_decode_attention_f16_supports first. */
void paged_decode_attention_f16(void) {}
#endif
