/* Decode attention over the paged KV cache on CPU: reads K and V straight from their blocks.
 *
 * One query token per sequence. Each (sequence, KV head) pair is one task: it streams that
 * head's blocks once and serves all query heads of its group, so K/V bytes are read once.
 * Compiled at first use by kernels/cpu_kernels.py and called through ctypes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Blocks sit at random places in the cache, and hardware prefetchers stop at page edges:
 * fetching the next block while this one is computed keeps the loads streaming. */
static void prefetch_block(const float *block, int64_t floats)
{
    for (int64_t i = 0; i < floats; i += 16) __builtin_prefetch(block + i, 0, 3);
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
