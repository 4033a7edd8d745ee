/* y = x @ (q * scale[:, None])^T for int8 weight codes q: the decode-sized matmul of int8 weight-only.
 *
 * Decode reads every weight once per step and is bound by memory bandwidth, so reading 1 byte per
 * weight instead of 4 is the gain; the codes are widened to float in registers and never written back.
 * Each task is RB output rows: their codes are loaded once per 16 columns and serve TB input rows at
 * a time, the accumulators staying in registers. Compiled at first use by kernels/cpu_kernels.py.
 */
#include <stdint.h>

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

#define RB 4 /* output rows per task */
#define TB 4 /* input rows sharing each widened weight vector */

/* Rows [o, o + rb) of y for input rows [t, t + tb): rb <= RB, tb <= TB, constants where inlined. */
static inline __attribute__((always_inline)) void tile(const float *restrict x, const int8_t *restrict q,
                                                        const float *restrict scale, int64_t in, int64_t out,
                                                        int64_t o, int64_t t, const int rb, const int tb,
                                                        float *restrict y)
{
    __m512 acc[RB][TB];
    for (int r = 0; r < rb; r++)
        for (int b = 0; b < tb; b++) acc[r][b] = _mm512_setzero_ps();
    for (int64_t k = 0; k < in; k += 16) {
        /* The last chunk of a width that is no multiple of 16 is masked: lanes past `in` read as 0. */
        const __mmask16 m = in - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (in - k)) - 1);
        __m512 w[RB];
        /* The hardware prefetcher does not follow RB short interleaved streams: fetch the next task's rows. */
        if ((k & 63) == 0)
            for (int r = 0; r < rb; r++) _mm_prefetch((const char *)(q + (o + r + RB) * in + k), _MM_HINT_T0);
        for (int r = 0; r < rb; r++)
            w[r] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, q + (o + r) * in + k)));
        for (int b = 0; b < tb; b++) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + (t + b) * in + k);
            for (int r = 0; r < rb; r++) acc[r][b] = _mm512_fmadd_ps(w[r], xv, acc[r][b]);
        }
    }
    for (int r = 0; r < rb; r++)
        for (int b = 0; b < tb; b++) y[(t + b) * out + o + r] = _mm512_reduce_add_ps(acc[r][b]) * scale[o + r];
}

/* All input rows for output rows [o, o + rb). */
static inline __attribute__((always_inline)) void rows(const float *restrict x, const int8_t *restrict q,
                                                        const float *restrict scale, int64_t tokens, int64_t in,
                                                        int64_t out, int64_t o, const int rb, float *restrict y)
{
    int64_t t = 0;
    for (; t + TB <= tokens; t += TB) tile(x, q, scale, in, out, o, t, rb, TB, y);
    switch (tokens - t) {
    case 3: tile(x, q, scale, in, out, o, t, rb, 3, y); break;
    case 2: tile(x, q, scale, in, out, o, t, rb, 2, y); break;
    case 1: tile(x, q, scale, in, out, o, t, rb, 1, y); break;
    default: break;
    }
}

#else
/* Without AVX-512 (the build is -march=native), plain loops the compiler vectorizes as it can. */
static void rows(const float *restrict x, const int8_t *restrict q, const float *restrict scale, int64_t tokens,
                 int64_t in, int64_t out, int64_t o, const int rb, float *restrict y)
{
    for (int r = 0; r < rb; r++)
        for (int64_t t = 0; t < tokens; t++) {
            float acc = 0.f;
#pragma omp simd reduction(+ : acc)
            for (int64_t k = 0; k < in; k++) acc += (float)q[(o + r) * in + k] * x[t * in + k];
            y[t * out + o + r] = acc * scale[o + r];
        }
}
#define RB 4
#endif

void int8_linear(const float *x,      /* [tokens, in] */
                 const int8_t *q,     /* [out, in] */
                 const float *scale,  /* [out] */
                 int64_t tokens, int64_t in, int64_t out, int64_t threads,
                 float *y)            /* [tokens, out] */
{
    const int64_t full = out / RB;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t task = 0; task < full; task++) rows(x, q, scale, tokens, in, out, task * RB, RB, y);
    for (int64_t o = full * RB; o < out; o++) rows(x, q, scale, tokens, in, out, o, 1, y);
}
