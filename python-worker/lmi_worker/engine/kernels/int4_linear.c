/* y = x @ W^T for 4-bit weights packed 8 input rows per int32 (GPTQ's qweight layout, AWQ repacked to it):
 * W[o, i] = (q[i, o] - zero[i / group, o]) * scale[i / group, o].
 *
 * Decode reads every weight once per step and is bound by memory bandwidth: half a byte per weight
 * instead of four. Per group the kernel sums x[i] * q[i, o] and x[i] alone, then adds
 * scale * (sum_xq - zero * sum_x): the zero point and scale cost one FMA per group and output, not per
 * weight. Each task is 16 * CW output columns for TB input rows, the accumulators staying in registers.
 * Compiled at first use by kernels/cpu_kernels.py.
 */
#include <stdint.h>

#define TB 2 /* input rows sharing each unpacked weight vector: 2 * CW accumulators and totals in registers */
#define PF 16 /* qweight rows prefetched ahead */

#if defined(__AVX512F__)
#include <immintrin.h>

#define CW 4 /* 16-column vectors per task: each qweight row is read 256 contiguous bytes at a time */

static inline __mmask16 lanes(int64_t out, int64_t o)
{
    return out - o >= 16 ? (__mmask16)0xFFFF : out <= o ? 0 : (__mmask16)((1u << (out - o)) - 1);
}

/* Columns [o, o + 16 * CW) (lanes past `out` masked off) of y for input rows [t, t + tb). */
static inline __attribute__((always_inline)) void tile(const float *restrict x, const int32_t *restrict qw,
                                                        const float *restrict zeros, const float *restrict scales,
                                                        int64_t in, int64_t out, int64_t group, int64_t o,
                                                        int64_t t, const int tb, float *restrict y)
{
    __mmask16 m[CW];
    for (int c = 0; c < CW; c++) m[c] = lanes(out, o + 16 * c);
    const __m512i nibble = _mm512_set1_epi32(15);
    __m512 total[TB][CW];
    for (int b = 0; b < tb; b++)
        for (int c = 0; c < CW; c++) total[b][c] = _mm512_setzero_ps();
    for (int64_t lo = 0; lo < in; lo += group) {
        const int64_t hi = lo + group < in ? lo + group : in;
        __m512 acc[TB][CW];
        float xsum[TB];
        for (int b = 0; b < tb; b++) {
            for (int c = 0; c < CW; c++) acc[b][c] = _mm512_setzero_ps();
            xsum[b] = 0.f;
        }
        for (int64_t i = lo; i < hi; i += 8) {
            /* A task walks down CW * 64 bytes of qweight, a row (out * 4 bytes) apart: a stride the hardware
             * prefetcher does not follow across pages, so fetch PF rows ahead. */
            if (i + 8 * PF < in)
                for (int c = 0; c < CW; c++)
                    _mm_prefetch((const char *)(qw + (i / 8 + PF) * out + o + 16 * c), _MM_HINT_T0);
            __m512i w[CW];
            for (int c = 0; c < CW; c++) w[c] = _mm512_maskz_loadu_epi32(m[c], qw + (i / 8) * out + o + 16 * c);
            for (int j = 0; j < 8; j++) {
                __m512 xv[TB];
                for (int b = 0; b < tb; b++) xv[b] = _mm512_set1_ps(x[(t + b) * in + i + j]);
                for (int c = 0; c < CW; c++) {
                    const __m512 v = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(w[c], 4 * j), nibble));
                    for (int b = 0; b < tb; b++) acc[b][c] = _mm512_fmadd_ps(v, xv[b], acc[b][c]);
                }
            }
            for (int b = 0; b < tb; b++)
                for (int j = 0; j < 8; j++) xsum[b] += x[(t + b) * in + i + j];
        }
        const int64_t g = lo / group;
        for (int c = 0; c < CW; c++) {
            const __m512 z = _mm512_maskz_loadu_ps(m[c], zeros + g * out + o + 16 * c);
            const __m512 s = _mm512_maskz_loadu_ps(m[c], scales + g * out + o + 16 * c);
            for (int b = 0; b < tb; b++)
                total[b][c] = _mm512_fmadd_ps(s, _mm512_fnmadd_ps(z, _mm512_set1_ps(xsum[b]), acc[b][c]), total[b][c]);
        }
    }
    for (int b = 0; b < tb; b++)
        for (int c = 0; c < CW; c++) _mm512_mask_storeu_ps(y + (t + b) * out + o + 16 * c, m[c], total[b][c]);
}

#else
/* Without AVX-512 (the build is -march=native), plain loops the compiler vectorizes as it can. */
#define CW 1

static void tile(const float *restrict x, const int32_t *restrict qw, const float *restrict zeros,
                 const float *restrict scales, int64_t in, int64_t out, int64_t group, int64_t o, int64_t t,
                 const int tb, float *restrict y)
{
    const int64_t width = out - o < 16 ? out - o : 16;
    for (int b = 0; b < tb; b++)
        for (int64_t c = o; c < o + width; c++) {
            float total = 0.f;
            for (int64_t lo = 0; lo < in; lo += group) {
                const int64_t hi = lo + group < in ? lo + group : in;
                float acc = 0.f, xsum = 0.f;
                for (int64_t i = lo; i < hi; i++) {
                    const float xi = x[(t + b) * in + i];
                    acc += xi * (float)((qw[(i / 8) * out + c] >> (4 * (i % 8))) & 15);
                    xsum += xi;
                }
                total += scales[(lo / group) * out + c] * (acc - zeros[(lo / group) * out + c] * xsum);
            }
            y[(t + b) * out + c] = total;
        }
}
#endif

void int4_linear(const float *x,       /* [tokens, in] */
                 const int32_t *qw,    /* [in / 8, out] */
                 const float *zeros,   /* [groups, out] */
                 const float *scales,  /* [groups, out] */
                 int64_t tokens, int64_t in, int64_t out, int64_t group, int64_t threads,
                 float *y)             /* [tokens, out] */
{
    const int64_t columns = 16 * CW, tasks = (out + columns - 1) / columns;
    /* Dynamic: a thread the OS preempts (the HTTP server shares the cores) must not hold the rest back. */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
    for (int64_t task = 0; task < tasks; task++) {
        int64_t t = 0;
        for (; t + TB <= tokens; t += TB) tile(x, qw, zeros, scales, in, out, group, task * columns, t, TB, y);
        if (t < tokens) tile(x, qw, zeros, scales, in, out, group, task * columns, t, 1, y); /* TB is 2 */
    }
}
