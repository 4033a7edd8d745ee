/* y = x @ W^T for many rows (prefill), float32, int8, FP8 or 4-bit weights: a GEMM with packed weight panels.
 *
 * The row kernels (weight_only_linear.c) keep the weights in their [out, in] order and reduce each dot
 * product across lanes; at hundreds of rows a broadcast form wins (measured on bench-llama's projections
 * at 2048 rows: 264-333 GFLOP/s against 180-215 for OpenBLAS and 200-240 for the row kernel). Each task
 * copies NR output rows into a panel [in][NR] in float (int8 codes as they are, E4M3 codes through a
 * 256-entry table, their scales applied to the sums; 4-bit values dequantized with their group's zero point
 * and scale), then MR input rows at a time broadcast each x value
 * against two 16-wide panel vectors, with 2 * MR accumulators in registers. Input rows go in chunks of
 * TCHUNK so that a chunk stays in cache across the tasks; packing costs 1 / TCHUNK of the arithmetic.
 * Panels are handed out dynamically: the worker shares its cores with the HTTP server, and under a static
 * split a thread the OS preempts holds the whole product back. Compiled at first use by kernels/cpu_kernels.py.
 */
#include <stdint.h>
#include <stdlib.h>

#define FORMAT_F32 0
#define FORMAT_INT8 1
#define FORMAT_FP8 2
#define FORMAT_INT4 3

/* The weights of one product, in one of the formats. */
struct weights {
    int format;
    const void *w;        /* f32, int8, FP8: [out, in]; int4: int32 [in / 8, out], 8 input rows per int32 */
    const float *table;   /* FP8: the 256 codes' values */
    const float *zeros;   /* int4: [groups, out] */
    const float *scales;  /* int4: [groups, out] */
    int64_t group_size;   /* int4 */
};

#if defined(__AVX512F__)
#include <immintrin.h>

#define NR 32 /* output rows per panel: two vectors */
#define MR 12 /* input rows per register tile: 24 accumulators of the 32 registers */
#define TCHUNK 192

/* panel[k * NR + r] = W[o + r, k] in float, zero past the last row. */
static void pack(const struct weights *src, int64_t in, int64_t out, int64_t o, int64_t nr, float *restrict panel)
{
    const void *w = src->w;
    const int format = src->format;
    if (format == FORMAT_INT4) {
        /* Input row k of output o + r sits in nibble k % 8 of qweight[k / 8][o + r]: rows of the panel in order. */
        const int32_t *restrict qw = (const int32_t *)w;
        for (int64_t k = 0; k < in; k++) {
            const int64_t g = k / src->group_size, shift = 4 * (k % 8);
            const int32_t *restrict packed = qw + (k / 8) * out + o;
            const float *restrict zero = src->zeros + g * out + o, *restrict scale = src->scales + g * out + o;
            for (int64_t r = 0; r < nr; r++) panel[k * NR + r] = ((float)((packed[r] >> shift) & 15) - zero[r]) * scale[r];
            for (int64_t r = nr; r < NR; r++) panel[k * NR + r] = 0.f;
        }
        return;
    }
    for (int64_t r = 0; r < NR; r++) {
        if (r >= nr) {
            for (int64_t k = 0; k < in; k++) panel[k * NR + r] = 0.f;
        } else if (format == FORMAT_INT8) {
            const int8_t *restrict row = (const int8_t *)w + (o + r) * in;
            for (int64_t k = 0; k < in; k++) panel[k * NR + r] = (float)row[k];
        } else if (format == FORMAT_FP8) {
            const uint8_t *restrict row = (const uint8_t *)w + (o + r) * in;
            for (int64_t k = 0; k < in; k++) panel[k * NR + r] = src->table[row[k]];
        } else {
            const float *restrict row = (const float *)w + (o + r) * in;
            for (int64_t k = 0; k < in; k++) panel[k * NR + r] = row[k];
        }
    }
}

/* Rows [0, mr) of x against the panel of output rows [o, o + nr): y = sums * scale (scale NULL: 1; stride 0:
 * one scale for every row). */
static inline __attribute__((always_inline)) void tile(const float *restrict x, const float *restrict panel,
                                                        int64_t in, int64_t out, int64_t o, int64_t nr,
                                                        const float *restrict scale, int64_t scale_stride,
                                                        const int mr, float *restrict y)
{
    __m512 acc0[MR], acc1[MR];
    for (int t = 0; t < mr; t++) { acc0[t] = _mm512_setzero_ps(); acc1[t] = _mm512_setzero_ps(); }
    for (int64_t k = 0; k < in; k++) {
        const __m512 w0 = _mm512_loadu_ps(panel + k * NR), w1 = _mm512_loadu_ps(panel + k * NR + 16);
        for (int t = 0; t < mr; t++) {
            const __m512 xv = _mm512_set1_ps(x[t * in + k]);
            acc0[t] = _mm512_fmadd_ps(xv, w0, acc0[t]);
            acc1[t] = _mm512_fmadd_ps(xv, w1, acc1[t]);
        }
    }
    const __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
    const __m512 s0 = !scale ? _mm512_set1_ps(1.f) : scale_stride ? _mm512_maskz_loadu_ps(m0, scale + o)
                                                                   : _mm512_set1_ps(scale[0]);
    const __m512 s1 = !scale ? _mm512_set1_ps(1.f) : scale_stride ? _mm512_maskz_loadu_ps(m1, scale + o + 16)
                                                                   : _mm512_set1_ps(scale[0]);
    for (int t = 0; t < mr; t++) {
        _mm512_mask_storeu_ps(y + t * out + o, m0, _mm512_mul_ps(acc0[t], s0));
        _mm512_mask_storeu_ps(y + t * out + o + 16, m1, _mm512_mul_ps(acc1[t], s1));
    }
}

static void tokens_block(const float *x, const float *panel, int64_t n, int64_t in, int64_t out, int64_t o,
                         int64_t nr, const float *scale, int64_t scale_stride, float *y)
{
    int64_t t = 0;
    for (; t + MR <= n; t += MR) tile(x + t * in, panel, in, out, o, nr, scale, scale_stride, MR, y + t * out);
    switch (n - t) {
#define CASE(k) case k: tile(x + t * in, panel, in, out, o, nr, scale, scale_stride, k, y + t * out); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11)
    default: break;
    }
}

static void gemm(const float *x, const struct weights *src, const float *scale, int64_t scale_stride,
                 int64_t tokens, int64_t in, int64_t out, int64_t threads, float *y)
{
    const int64_t panels = (out + NR - 1) / NR;
#pragma omp parallel num_threads(threads)
    {
        float *panel = aligned_alloc(64, sizeof(float) * NR * in); /* NR * 4 bytes per column: a multiple of 64 */
        for (int64_t t0 = 0; t0 < tokens; t0 += TCHUNK) {
            const int64_t n = tokens - t0 < TCHUNK ? tokens - t0 : TCHUNK;
#pragma omp for schedule(dynamic)
            for (int64_t p = 0; p < panels; p++) {
                const int64_t o = p * NR, nr = out - o < NR ? out - o : NR;
                pack(src, in, out, o, nr, panel);
                tokens_block(x + t0 * in, panel, n, in, out, o, nr, scale, scale_stride, y + t0 * out);
            }
        }
        free(panel);
    }
}

int panel_gemm_available(void) { return 1; }
#else
static void gemm(const float *x, const struct weights *src, const float *scale, int64_t scale_stride,
                 int64_t tokens, int64_t in, int64_t out, int64_t threads, float *y)
{
    (void)x, (void)src, (void)scale, (void)scale_stride, (void)tokens, (void)in, (void)out, (void)threads, (void)y;
}

/* Without AVX-512 the callers keep BLAS and the row kernels. */
int panel_gemm_available(void) { return 0; }
#endif

/* x [tokens, in] float32, w [out, in] float32 → y [tokens, out]. */
void f32_panel_linear(const float *x, const float *w, int64_t tokens, int64_t in, int64_t out, int64_t threads,
                      float *y)
{
    const struct weights src = {.format = FORMAT_F32, .w = w};
    gemm(x, &src, NULL, 0, tokens, in, out, threads, y);
}

/* x [tokens, in] float32, q [out, in] int8, scale [out] float32 → y [tokens, out]. */
void int8_panel_linear(const float *x, const int8_t *q, const float *scale, int64_t tokens, int64_t in,
                       int64_t out, int64_t threads, float *y)
{
    const struct weights src = {.format = FORMAT_INT8, .w = q};
    gemm(x, &src, scale, 1, tokens, in, out, threads, y);
}

/* x [tokens, in] float32, codes [out, in] E4M3, table [256] their values, *scale the tensor's → y [tokens, out]. */
void fp8_panel_linear(const float *x, const uint8_t *codes, const float *table, const float *scale, int64_t tokens,
                      int64_t in, int64_t out, int64_t threads, float *y)
{
    const struct weights src = {.format = FORMAT_FP8, .w = codes, .table = table};
    gemm(x, &src, scale, 0, tokens, in, out, threads, y);
}

/* x [tokens, in] float32 @ W^T, W[o, i] = (q[i, o] - zeros[g, o]) * scales[g, o], g = i / group_size, q packed
 * 8 input rows per int32 (qweight [in / 8, out]) → y [tokens, out]. */
void int4_panel_linear(const float *x, const int32_t *qweight, const float *zeros, const float *scales,
                       int64_t tokens, int64_t in, int64_t out, int64_t group_size, int64_t threads, float *y)
{
    const struct weights src = {.format = FORMAT_INT4, .w = qweight, .zeros = zeros, .scales = scales,
                                .group_size = group_size};
    gemm(x, &src, NULL, 0, tokens, in, out, threads, y);
}
