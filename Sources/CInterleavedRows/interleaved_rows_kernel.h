// The interleaved-rows kernel, instantiated by interleaved_rows.c once per instruction set:
// JIT_TARGET (the functions' target attribute), JIT_NAME(name) (their names) and
// JIT_DOT4(acc, u, s) (acc + Σ of each lane's four u8·s8 products: VPDPBUSD with AVX-512 VNNI,
// VPMADDUBSW + VPMADDWD + VPADDD with AVX2 — exact either way, as no pair of products here can
// reach the int16 bound of VPMADDUBSW: |u| ≤ 128, |s| ≤ 127). The integer sums are the same, and
// so are the float operations, so both give the same bits.
#define JIT_INLINE static inline __attribute__((always_inline)) JIT_TARGET

/// Four activation bytes, as one 32-bit value broadcast to every lane.
JIT_INLINE __m256i JIT_NAME(four)(const int8_t *x) {
    int32_t value;
    memcpy(&value, x, 4);
    return _mm256_set1_epi32(value);
}

/// One token's block (32 bytes at `x`) against a block of eight Q4 rows already split into
/// nibbles: `low[c]` holds elements 4c…4c+3 of each row, `high[c]` elements 16+4c…16+4c+3.
/// Returns the eight rows' integer dot products, one a lane. Two chains, so that each waits on
/// only four multiply-adds.
JIT_INLINE __m256i JIT_NAME(nibble_block)(const __m256i low[4], const __m256i high[4], const int8_t *x) {
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (int c = 0; c < 4; c++) {
        a = JIT_DOT4(a, low[c], JIT_NAME(four)(x + 4 * c));
        b = JIT_DOT4(b, high[c], JIT_NAME(four)(x + 16 + 4 * c));
    }
    return _mm256_add_epi32(a, b);
}

/// The same for eight Q8 rows: `magnitudes[c]`/`signs[c]` hold elements 4c…4c+3 of each row as
/// |w| and w. The activations take the weights' signs, so that the unsigned operand is |w|.
JIT_INLINE __m256i JIT_NAME(byte_block)(const __m256i magnitudes[8], const __m256i signs[8], const int8_t *x) {
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (int c = 0; c < 8; c += 2) {
        a = JIT_DOT4(a, magnitudes[c], _mm256_sign_epi8(JIT_NAME(four)(x + 4 * c), signs[c]));
        b = JIT_DOT4(b, magnitudes[c + 1], _mm256_sign_epi8(JIT_NAME(four)(x + 4 * c + 4), signs[c + 1]));
    }
    return _mm256_add_epi32(a, b);
}

/// Eight rows (group `g`) against `n` (≤ 4, a constant after inlining) tokens from `token`:
/// each block's weights are loaded and split once for all of them; `acc[i]` (lane r: row r)
/// receives token `token + i`'s sums, accumulated block by block — the same order for every
/// token, whatever `n` is, so that a token's result does not depend on its batch.
JIT_INLINE void JIT_NAME(group)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    ptrdiff_t g, const int8_t *x, const float *xs, const float *xsums, ptrdiff_t token, int n, __m256 acc[4]) {
    const ptrdiff_t columns = (ptrdiff_t)blocks * 32, blockBytes = signedWeights ? 256 : 128;
    __m256 f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0;
    for (int b = 0; b < blocks; b++) {
        const ptrdiff_t block = g * blocks + b;
        const uint8_t *w = weights + block * blockBytes;
        __m256i first[8], second[8];  // nibbles: low, high; bytes: magnitudes, signs
        if (signedWeights) {
            for (int c = 0; c < 8; c++) {
                second[c] = _mm256_loadu_si256((const __m256i *)(w + 32 * c));
                first[c] = _mm256_abs_epi8(second[c]);
            }
        } else {
            for (int c = 0; c < 4; c++) {
                __m256i packed = _mm256_loadu_si256((const __m256i *)(w + 32 * c));
                first[c] = _mm256_and_si256(packed, _mm256_set1_epi8(0x0F));
                second[c] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F));
            }
        }
        const __m256 d = _mm256_loadu_ps(scales + block * 8), m = _mm256_loadu_ps(offsets + block * 8);
#define JIT_TOKEN(i, f)                                                                                 \
    if (i < n) {                                                                                             \
        const ptrdiff_t t = token + i;                                                                       \
        const int8_t *xb = x + t * columns + 32 * b;                                                         \
        __m256i dots = signedWeights ? JIT_NAME(byte_block)(first, second, xb) : JIT_NAME(nibble_block)(first, second, xb); \
        f = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(d, _mm256_set1_ps(xs[t * blocks + b])), f); \
        f = _mm256_fmadd_ps(m, _mm256_set1_ps(xsums[t * blocks + b]), f);                                    \
    }
        JIT_TOKEN(0, f0)
        JIT_TOKEN(1, f1)
        JIT_TOKEN(2, f2)
        JIT_TOKEN(3, f3)
#undef JIT_TOKEN
    }
    acc[0] = f0;
    acc[1] = f1;
    acc[2] = f2;
    acc[3] = f3;
}

#ifdef JIT_WIDE
/// Batches of at least this many tokens take sixteen rows at a time (`group_pair`): measured on
/// this project's Zen 4 machine, a 640-token prefill ran ~20 % faster, while one decode token
/// ran ~15 % slower (the second group's weights are joined in for a single token) and sixteen
/// were within noise.
#define JIT_WIDE_TOKENS 32

/// Eight floats at `a` then eight at `b`, in one register (AVX-512F only: no DQ insert).
JIT_INLINE __m512 JIT_NAME(join)(const float *a, const float *b) {
    __m512i low = _mm512_castsi256_si512(_mm256_castps_si256(_mm256_loadu_ps(a)));
    return _mm512_castsi512_ps(_mm512_inserti64x4(low, _mm256_castps_si256(_mm256_loadu_ps(b)), 1));
}

/// Sixteen Q4 rows (groups `g` and `g + 1`) against `n` (≤ 4) tokens from `token`, in 512-bit
/// registers: `group`'s nibble path with each weight register holding both groups, so that one
/// broadcast of four activation bytes and one multiply-add serve sixteen rows, not eight. Every
/// lane does the same integer and float operations, in the same order, as `group` would do for
/// it, so the results are the same bits. `acc[i]` receives token `token + i`'s sixteen rows.
JIT_INLINE void JIT_NAME(group_pair)(
    const uint8_t *weights, const float *scales, const float *offsets, int blocks, ptrdiff_t g,
    const int8_t *x, const float *xs, const float *xsums, ptrdiff_t token, int n, __m512 acc[4]) {
    const ptrdiff_t columns = (ptrdiff_t)blocks * 32;
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    __m512 f0 = _mm512_setzero_ps(), f1 = f0, f2 = f0, f3 = f0;
    for (int b = 0; b < blocks; b++) {
        const ptrdiff_t block = g * blocks + b, next = block + blocks;
        const uint8_t *w = weights + block * 128, *v = weights + next * 128;
        __m512i low[4], high[4];
        for (int c = 0; c < 4; c++) {
            __m512i packed = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(w + 32 * c))),
                                                _mm256_loadu_si256((const __m256i *)(v + 32 * c)), 1);
            low[c] = _mm512_and_si512(packed, nibble);
            high[c] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
        }
        const __m512 d = JIT_NAME(join)(scales + block * 8, scales + next * 8);
        const __m512 m = JIT_NAME(join)(offsets + block * 8, offsets + next * 8);
#define JIT_TOKEN(i, f)                                                                                 \
    if (i < n) {                                                                                             \
        const ptrdiff_t t = token + i;                                                                       \
        const int8_t *xb = x + t * columns + 32 * b;                                                         \
        __m512i p = _mm512_setzero_si512(), q = p;                                                           \
        for (int c = 0; c < 4; c++) {                                                                        \
            int32_t lo, hi;                                                                                  \
            memcpy(&lo, xb + 4 * c, 4);                                                                      \
            memcpy(&hi, xb + 16 + 4 * c, 4);                                                                 \
            p = _mm512_dpbusd_epi32(p, low[c], _mm512_set1_epi32(lo));                                       \
            q = _mm512_dpbusd_epi32(q, high[c], _mm512_set1_epi32(hi));                                      \
        }                                                                                                    \
        __m512i dots = _mm512_add_epi32(p, q);                                                               \
        f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), _mm512_mul_ps(d, _mm512_set1_ps(xs[t * blocks + b])), f); \
        f = _mm512_fmadd_ps(m, _mm512_set1_ps(xsums[t * blocks + b]), f);                                    \
    }
        JIT_TOKEN(0, f0)
        JIT_TOKEN(1, f1)
        JIT_TOKEN(2, f2)
        JIT_TOKEN(3, f3)
#undef JIT_TOKEN
    }
    acc[0] = f0;
    acc[1] = f1;
    acc[2] = f2;
    acc[3] = f3;
}
#endif

/// The entry point's body (the header says what it computes).
JIT_INLINE void JIT_NAME(rows_body)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, const int8_t *x, const float *xs, const float *xsums, int tokenCount,
    float *out, ptrdiff_t outStride, bool accumulate) {
    for (ptrdiff_t g = groupStart; g < groupEnd; g++) {
#ifdef JIT_WIDE
        if (!signedWeights && tokenCount >= JIT_WIDE_TOKENS && g + 1 < groupEnd) {
            for (int t = 0; t < tokenCount; t += 4) {
                const int n = tokenCount - t < 4 ? tokenCount - t : 4;
                __m512 acc[4];
                switch (n) {
                case 4: JIT_NAME(group_pair)(weights, scales, offsets, blocks, g, x, xs, xsums, t, 4, acc); break;
                case 3: JIT_NAME(group_pair)(weights, scales, offsets, blocks, g, x, xs, xsums, t, 3, acc); break;
                case 2: JIT_NAME(group_pair)(weights, scales, offsets, blocks, g, x, xs, xsums, t, 2, acc); break;
                default: JIT_NAME(group_pair)(weights, scales, offsets, blocks, g, x, xs, xsums, t, 1, acc); break;
                }
                for (int i = 0; i < n; i++) {
                    float *target = out + (t + i) * outStride + 8 * g;
                    __m512 value = accumulate ? _mm512_add_ps(_mm512_loadu_ps(target), acc[i]) : acc[i];
                    _mm512_storeu_ps(target, value);
                }
            }
            g++;  // the pair took group g + 1 too
            continue;
        }
#endif
        for (int t = 0; t < tokenCount; t += 4) {
            const int n = tokenCount - t < 4 ? tokenCount - t : 4;
            __m256 acc[4];
            // Constant token counts, so that each call unrolls and keeps `acc` in registers.
            switch (n) {
            case 4: JIT_NAME(group)(signedWeights, weights, scales, offsets, blocks, g, x, xs, xsums, t, 4, acc); break;
            case 3: JIT_NAME(group)(signedWeights, weights, scales, offsets, blocks, g, x, xs, xsums, t, 3, acc); break;
            case 2: JIT_NAME(group)(signedWeights, weights, scales, offsets, blocks, g, x, xs, xsums, t, 2, acc); break;
            default: JIT_NAME(group)(signedWeights, weights, scales, offsets, blocks, g, x, xs, xsums, t, 1, acc); break;
            }
            for (int i = 0; i < n; i++) {
                float *target = out + (t + i) * outStride + 8 * g;
                __m256 value = accumulate ? _mm256_add_ps(_mm256_loadu_ps(target), acc[i]) : acc[i];
                _mm256_storeu_ps(target, value);
            }
        }
    }
}

JIT_TARGET void JIT_NAME(rows)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, const int8_t *x, const float *xs, const float *xsums, int tokenCount,
    float *out, ptrdiff_t outStride, bool accumulate) {
    // A constant for each call of the body, so that its branches on it compile away.
    if (signedWeights)
        JIT_NAME(rows_body)(true, weights, scales, offsets, blocks, groupStart, groupEnd, x, xs, xsums, tokenCount,
                            out, outStride, accumulate);
    else
        JIT_NAME(rows_body)(false, weights, scales, offsets, blocks, groupStart, groupEnd, x, xs, xsums, tokenCount,
                            out, outStride, accumulate);
}

#undef JIT_INLINE
