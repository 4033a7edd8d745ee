/* y = x @ (decode(codes) * scale)^T for 8-bit weight codes: the matmul of weight-only int8 and FP8, and of
 * float32 weights at decode (plain loads in place of the widening).
 *
 * Decode reads every weight once per step and is bound by memory bandwidth, so reading 1 byte per
 * weight instead of 4 is the gain; the codes are widened to float in registers and never written back.
 * Prefill is compute-bound, and these register tiles still beat OpenBLAS's float GEMM on this machine.
 * Each task is RB output rows: their codes are loaded once per 16 columns and serve TB input rows at
 * a time, the accumulators staying in registers. Compiled at first use by kernels/cpu_kernels.py.
 *
 * Formats: int8 (codes are the values, one scale per output row) and FP8 E4M3 (one scale per tensor,
 * scale_stride 0). E4M3 widens exactly through float16: S EEEE MMM placed as float16 bits
 * S 0EEEE MMM0000000 is the same number times 2^-8 (bias 15 against 7, subnormals included), which the
 * caller folds into the scale. The NaN codes become finite there; a checkpoint holding NaN weights is
 * broken whatever its format.
 */
#include <stdint.h>

#define TCHUNK 64 /* input rows per pass over the weight: 64 x 4096 float32 is 1 MiB */
#define FORMAT_INT8 0
#define FORMAT_FP8 1
#define FORMAT_F32 2 /* plain float weights, scale 1: the same tiles serve float32 decode */

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

#define RB 4 /* output rows per task */
#define TB 4 /* input rows sharing each widened weight vector */

/* Weights [i, i + 16) of the [out, in] matrix at q, in float32. */
static inline __attribute__((always_inline)) __m512 widen(const uint8_t *q, int64_t i, __mmask16 m, const int format)
{
    if (format == FORMAT_F32) return _mm512_maskz_loadu_ps(m, (const float *)q + i);
    const __m128i bytes = _mm_maskz_loadu_epi8(m, q + i);
    if (format == FORMAT_INT8) return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(bytes));
    /* Sign-extended and shifted by 7, the sign lands in bit 15 and a copy of it in bit 14, cleared here:
     * three operations where masking sign and rest apart takes five (prefill is compute-bound). */
    const __m256i shifted = _mm256_slli_epi16(_mm256_cvtepi8_epi16(bytes), 7);
    return _mm512_cvtph_ps(_mm256_and_si256(shifted, _mm256_set1_epi16((short)0xBF80)));
}

/* Rows [o, o + rb) of y for input rows [t, t + tb): rb <= RB, tb <= TB, constants where inlined. */
static inline __attribute__((always_inline)) void tile(const float *restrict x, const uint8_t *restrict q,
                                                        const float *restrict scale, int64_t scale_stride,
                                                        int64_t in, int64_t out, int64_t o, int64_t t,
                                                        const int rb, const int tb, const int format,
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
        if ((k & (format == FORMAT_F32 ? 15 : 63)) == 0) /* once per 64-byte line of each row */
            for (int r = 0; r < rb; r++) {
                const int64_t i = (o + r + RB) * in + k;
                _mm_prefetch(format == FORMAT_F32 ? (const char *)((const float *)q + i) : (const char *)(q + i),
                             _MM_HINT_T0);
            }
        for (int r = 0; r < rb; r++) w[r] = widen(q, (o + r) * in + k, m, format);
        for (int b = 0; b < tb; b++) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + (t + b) * in + k);
            for (int r = 0; r < rb; r++) acc[r][b] = _mm512_fmadd_ps(w[r], xv, acc[r][b]);
        }
    }
    for (int r = 0; r < rb; r++)
        for (int b = 0; b < tb; b++)
            y[(t + b) * out + o + r] = _mm512_reduce_add_ps(acc[r][b]) * scale[(o + r) * scale_stride];
}

/* All input rows for output rows [o, o + rb). */
static inline __attribute__((always_inline)) void rows(const float *restrict x, const uint8_t *restrict q,
                                                        const float *restrict scale, int64_t scale_stride,
                                                        int64_t tokens, int64_t in, int64_t out, int64_t o,
                                                        const int rb, const int format, float *restrict y)
{
    int64_t t = 0;
    for (; t + TB <= tokens; t += TB) tile(x, q, scale, scale_stride, in, out, o, t, rb, TB, format, y);
    switch (tokens - t) {
    case 3: tile(x, q, scale, scale_stride, in, out, o, t, rb, 3, format, y); break;
    case 2: tile(x, q, scale, scale_stride, in, out, o, t, rb, 2, format, y); break;
    case 1: tile(x, q, scale, scale_stride, in, out, o, t, rb, 1, format, y); break;
    default: break;
    }
}

#else
/* Without AVX-512 (the build is -march=native), plain loops the compiler vectorizes as it can. */
#define RB 4

static float fp8_value(uint8_t c)
{
    const int e = (c >> 3) & 0xF, m = c & 7;
    const float v = e ? (1.f + m / 8.f) * (float)(1 << e) / 128.f : m / 8.f / 64.f;
    return (c & 0x80 ? -v : v) / 256.f; /* the caller's scale carries the 2^8 of the float16 route */
}

static void rows(const float *restrict x, const uint8_t *restrict q, const float *restrict scale,
                 int64_t scale_stride, int64_t tokens, int64_t in, int64_t out, int64_t o, const int rb,
                 const int format, float *restrict y)
{
    for (int r = 0; r < rb; r++)
        for (int64_t t = 0; t < tokens; t++) {
            float acc = 0.f;
            for (int64_t k = 0; k < in; k++) {
                const int64_t i = (o + r) * in + k;
                const float w = format == FORMAT_F32 ? ((const float *)q)[i]
                                : format == FORMAT_INT8 ? (float)(int8_t)q[i] : fp8_value(q[i]);
                acc += w * x[t * in + k];
            }
            y[t * out + o + r] = acc * scale[(o + r) * scale_stride];
        }
}
#endif

static void linear(const float *x, const uint8_t *q, const float *scale, int64_t scale_stride, int64_t tokens,
                   int64_t in, int64_t out, int64_t threads, const int format, float *y)
{
    const int64_t full = out / RB;
    /* Input rows in chunks that stay in L2 across every task; the codes are streamed again per chunk,
     * which costs little beside the chunk's arithmetic. */
    for (int64_t t0 = 0; t0 < tokens; t0 += TCHUNK) {
        const int64_t n = tokens - t0 < TCHUNK ? tokens - t0 : TCHUNK;
        const float *xc = x + t0 * in;
        float *yc = y + t0 * out;
        /* Dynamic: a thread the OS preempts (the HTTP server shares the cores) must not hold the rest back. */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
        for (int64_t task = 0; task < full; task++)
            rows(xc, q, scale, scale_stride, n, in, out, task * RB, RB, format, yc);
        for (int64_t o = full * RB; o < out; o++) rows(xc, q, scale, scale_stride, n, in, out, o, 1, format, yc);
    }
}

/* x [tokens, in] float32, q [out, in] int8, scale [out] float32 → y [tokens, out] float32. */
void int8_linear(const float *x, const int8_t *q, const float *scale, int64_t tokens, int64_t in, int64_t out,
                 int64_t threads, float *y)
{
    linear(x, (const uint8_t *)q, scale, 1, tokens, in, out, threads, FORMAT_INT8, y);
}

/* x [tokens, in] float32, q [out, in] E4M3 codes, *scale_x256 = the tensor's scale * 2^8 → y [tokens, out]. */
void fp8_linear(const float *x, const uint8_t *q, const float *scale_x256, int64_t tokens, int64_t in, int64_t out,
                int64_t threads, float *y)
{
    linear(x, q, scale_x256, 0, tokens, in, out, threads, FORMAT_FP8, y);
}

/* x [tokens, in] float32, w [out, in] float32 → y [tokens, out]; scale_one points at 1.0f. */
void f32_rows_linear(const float *x, const float *w, const float *scale_one, int64_t tokens, int64_t in, int64_t out,
                     int64_t threads, float *y)
{
    linear(x, (const uint8_t *)w, scale_one, 0, tokens, in, out, threads, FORMAT_F32, y);
}
