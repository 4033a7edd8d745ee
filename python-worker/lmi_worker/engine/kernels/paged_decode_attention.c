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

void paged_decode_attention(const float *q,            /* [B, H, D] */
                            const float *k_cache,      /* [KVH, num_blocks, BS, D] */
                            const float *v_cache,      /* [KVH, num_blocks, BS, D] */
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

#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads)
    for (int64_t b = 0; b < batch; b++) {
        for (int64_t kvh = 0; kvh < kv_heads; kvh++) {
            const int64_t length = context_lens[b];
            const int64_t first = sliding_window > 0 && length > sliding_window ? length - sliding_window : 0;
            const int64_t span = length - first;
            float *scores = malloc(sizeof(float) * groups * span);
            float *acc = calloc(groups * head_dim, sizeof(float));
            const float *kh = k_cache + kvh * head_stride;
            const float *vh = v_cache + kvh * head_stride;
            const float *qb = q + (b * heads + kvh * groups) * head_dim;
            const int32_t *table = block_tables + b * max_blocks;

            for (int64_t p = first; p < length; p++) {
                const float *k = kh + ((int64_t)table[p / block_size] * block_size + p % block_size) * head_dim;
                for (int64_t g = 0; g < groups; g++) {
                    const float *qg = qb + g * head_dim;
                    float dot = 0.f;
#pragma omp simd reduction(+ : dot)
                    for (int64_t d = 0; d < head_dim; d++) dot += qg[d] * k[d];
                    scores[g * span + (p - first)] = dot * scale;
                }
            }
            for (int64_t g = 0; g < groups; g++) {
                float *s = scores + g * span;
                float max = -INFINITY, sum = 0.f;
                for (int64_t i = 0; i < span; i++) max = s[i] > max ? s[i] : max;
                for (int64_t i = 0; i < span; i++) { s[i] = expf(s[i] - max); sum += s[i]; }
                const float inv = 1.f / sum;
                for (int64_t i = 0; i < span; i++) s[i] *= inv;
            }
            for (int64_t p = first; p < length; p++) {
                const float *v = vh + ((int64_t)table[p / block_size] * block_size + p % block_size) * head_dim;
                for (int64_t g = 0; g < groups; g++) {
                    const float w = scores[g * span + (p - first)];
                    float *a = acc + g * head_dim;
#pragma omp simd
                    for (int64_t d = 0; d < head_dim; d++) a[d] += w * v[d];
                }
            }
            for (int64_t g = 0; g < groups; g++)
                memcpy(out + (b * heads + kvh * groups + g) * head_dim, acc + g * head_dim, sizeof(float) * head_dim);
            free(scores);
            free(acc);
        }
    }
}
