/* The decoder layer's elementwise steps in float32, each one pass over memory.
 *
 * In torch each of them is several operators, every one reading and writing the whole [tokens, width]
 * activation: at prefill (2048 rows) they took a quarter of the step on bench-llama. The arithmetic is
 * the same as the torch code they replace (engine/llama.py), in the same order per element; only
 * the sum of squares is added in another order. Rows are split between threads.
 */
#include <math.h>
#include <stdint.h>

#include "vector_exp.h"

/* Below this many floats one thread is faster: waking a sleeping OpenMP thread (OMP_WAIT_POLICY=PASSIVE)
 * took about 80 us here, as long as a 16-row norm takes on one core. */
#define PARALLEL_MIN_FLOATS (1 << 17)

/* h += delta (when delta is not NULL), then out = weight * (h * rsqrt(mean(h^2) + eps)), row by row. */
void add_rms_norm(float *h, const float *delta, const float *weight, int64_t rows, int64_t width, float eps,
                  int64_t threads, float *out)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (rows * width >= PARALLEL_MIN_FLOATS)
    for (int64_t r = 0; r < rows; r++) {
        float *restrict x = h + r * width;
        if (delta) {
            const float *restrict d = delta + r * width;
#pragma omp simd
            for (int64_t i = 0; i < width; i++) x[i] += d[i];
        }
        float squares = 0.f;
#pragma omp simd reduction(+ : squares)
        for (int64_t i = 0; i < width; i++) squares += x[i] * x[i];
        const float inv = 1.f / sqrtf(squares / (float)width + eps);
        float *restrict y = out + r * width;
#pragma omp simd
        for (int64_t i = 0; i < width; i++) y[i] = weight[i] * (x[i] * inv);
    }
}

/* out [rows, width] = silu(gate) * up, where gate_up [rows, 2 * width] holds gate then up on each row. */
void silu_mul(const float *gate_up, int64_t rows, int64_t width, int64_t threads, float *out)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (rows * 2 * width >= PARALLEL_MIN_FLOATS)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict g = gate_up + r * 2 * width;
        const float *restrict u = g + width;
        float *restrict y = out + r * width;
        int64_t i = 0;
#if defined(__AVX512F__)
        const __m512 one = _mm512_set1_ps(1.f);
        for (; i + 16 <= width; i += 16) {
            const __m512 x = _mm512_loadu_ps(g + i);
            const __m512 silu = _mm512_div_ps(x, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
            _mm512_storeu_ps(y + i, _mm512_mul_ps(silu, _mm512_loadu_ps(u + i)));
        }
#endif
        for (; i < width; i++) y[i] = g[i] / (1.f + expf(-g[i])) * u[i];
    }
}

/* Rotate-half RoPE in place on the first `heads` heads of each row of x [rows, row_stride]:
 * with halves a, b of a head and c, s the tables' row for its position, a' = a c - b s, b' = b c + a s. */
void rope_in_place(float *x, int64_t rows, int64_t row_stride, int64_t heads, int64_t head_dim,
                   const int64_t *positions, const float *cos_table, const float *sin_table, int64_t threads)
{
    const int64_t half = head_dim / 2;
#pragma omp parallel for num_threads(threads) schedule(static) if (rows * heads * head_dim >= PARALLEL_MIN_FLOATS)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict c = cos_table + positions[r] * half;
        const float *restrict s = sin_table + positions[r] * half;
        for (int64_t h = 0; h < heads; h++) {
            float *restrict a = x + r * row_stride + h * head_dim;
            float *restrict b = a + half;
#pragma omp simd
            for (int64_t i = 0; i < half; i++) {
                const float ai = a[i], bi = b[i];
                a[i] = ai * c[i] - bi * s[i];
                b[i] = bi * c[i] + ai * s[i];
            }
        }
    }
}
