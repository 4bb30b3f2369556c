// The interleaved-rows kernel, instantiated by interleaved_rows.c once per instruction set:
// JIT_TARGET (the functions' target attribute), JIT_NAME(name) (their names) and
// JIT_DOT4(acc, u, s) (acc + Σ of each lane's four u8·s8 products: VPDPBUSD with AVX-512 VNNI,
// VPMADDUBSW + VPMADDWD + VPADDD with AVX2 — exact either way, as no pair of products here can
// reach the int16 bound of VPMADDUBSW: |u| ≤ 128, |s| ≤ 127). JIT_WIDE (VNNI only) adds the
// sixteen-row pairs and Q8 weights offset to unsigned bytes (below). JIT_NIBBLE_DOT4 and
// JIT_NIBBLE_SUM, where defined, replace JIT_DOT4 and the final int32 add in `nibble_block` (AVX2:
// a Q4 block's products summed in int16, widened once; interleaved_rows.c says why that is exact).
// The integer sums are the same, and so are the float operations, so every instantiation gives
// the same bits.
#define JIT_INLINE static inline __attribute__((always_inline)) JIT_TARGET

/// A batch's Q8 activations (the header's `x`, `xs`, `xsums`, `xbytesums`).
typedef struct {
    const int8_t *x;
    const float *xs, *xsums;
    const int32_t *xbytesums;
} JIT_NAME(activations);

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
#ifndef JIT_NIBBLE_DOT4
#define JIT_NIBBLE_DOT4(acc, u, s) JIT_DOT4(acc, u, s)
#define JIT_NIBBLE_SUM(a, b) _mm256_add_epi32(a, b)
#endif
JIT_INLINE __m256i JIT_NAME(nibble_block)(const __m256i low[4], const __m256i high[4], const int8_t *x) {
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (int c = 0; c < 4; c++) {
        a = JIT_NIBBLE_DOT4(a, low[c], JIT_NAME(four)(x + 4 * c));
        b = JIT_NIBBLE_DOT4(b, high[c], JIT_NAME(four)(x + 16 + 4 * c));
    }
    return JIT_NIBBLE_SUM(a, b);
}
#undef JIT_NIBBLE_DOT4
#undef JIT_NIBBLE_SUM

#ifdef JIT_WIDE
/// The same for eight Q8 rows offset to unsigned bytes: `offset[c]` holds elements 4c…4c+3 of
/// each row as w + 128, so the activations go in as they are, and 128·Σx (`sum`: the block's
/// Σx) comes back off. Σ(w + 128)·x − 128·Σx = Σ w·x exactly: the same integers as below, with
/// no sign to apply per token. (Not for AVX2: its VPMADDUBSW would saturate pairs of w + 128.)
JIT_INLINE __m256i JIT_NAME(byte_block)(const __m256i offset[8], int32_t sum, const int8_t *x) {
    __m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
    for (int c = 0; c < 8; c += 2) {
        a = JIT_DOT4(a, offset[c], JIT_NAME(four)(x + 4 * c));
        b = JIT_DOT4(b, offset[c + 1], JIT_NAME(four)(x + 4 * c + 4));
    }
    return _mm256_sub_epi32(_mm256_add_epi32(a, b), _mm256_set1_epi32(128 * sum));
}
#else
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
#endif

/// Eight rows (group `g`) against `n` (≤ 4, a constant after inlining) tokens from `token`:
/// each block's weights are loaded and split once for all of them; `acc[i]` (lane r: row r)
/// receives token `token + i`'s sums, accumulated block by block — the same order for every
/// token, whatever `n` is, so that a token's result does not depend on its batch.
JIT_INLINE void JIT_NAME(group)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    ptrdiff_t g, JIT_NAME(activations) in, ptrdiff_t token, int n, __m256 acc[4]) {
    const ptrdiff_t columns = (ptrdiff_t)blocks * 32, blockBytes = signedWeights ? 256 : 128;
    __m256 f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0;
    for (int b = 0; b < blocks; b++) {
        const ptrdiff_t block = g * blocks + b;
        const uint8_t *w = weights + block * blockBytes;
        __m256i first[8], second[8];  // nibbles: low, high; bytes: w + 128 (wide) or |w|, w
        if (signedWeights) {
            for (int c = 0; c < 8; c++) {
                __m256i bytes = _mm256_loadu_si256((const __m256i *)(w + 32 * c));
#ifdef JIT_WIDE
                first[c] = _mm256_xor_si256(bytes, _mm256_set1_epi8((char)0x80));
#else
                second[c] = bytes;
                first[c] = _mm256_abs_epi8(bytes);
#endif
            }
        } else {
            for (int c = 0; c < 4; c++) {
                __m256i packed = _mm256_loadu_si256((const __m256i *)(w + 32 * c));
                first[c] = _mm256_and_si256(packed, _mm256_set1_epi8(0x0F));
                second[c] = _mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F));
            }
        }
        const __m256 d = _mm256_loadu_ps(scales + block * 8), m = _mm256_loadu_ps(offsets + block * 8);
#ifdef JIT_WIDE
#define JIT_BYTES(t, xb) JIT_NAME(byte_block)(first, in.xbytesums[(t) * blocks + b], xb)
#else
#define JIT_BYTES(t, xb) JIT_NAME(byte_block)(first, second, xb)
#endif
#define JIT_TOKEN(i, f)                                                                                 \
    if (i < n) {                                                                                             \
        const ptrdiff_t t = token + i;                                                                       \
        const int8_t *xb = in.x + t * columns + 32 * b;                                                      \
        __m256i dots = signedWeights ? JIT_BYTES(t, xb) : JIT_NAME(nibble_block)(first, second, xb);         \
        f = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(d, _mm256_set1_ps(in.xs[t * blocks + b])), f); \
        f = _mm256_fmadd_ps(m, _mm256_set1_ps(in.xsums[t * blocks + b]), f);                                 \
    }
        JIT_TOKEN(0, f0)
        JIT_TOKEN(1, f1)
        JIT_TOKEN(2, f2)
        JIT_TOKEN(3, f3)
#undef JIT_TOKEN
#undef JIT_BYTES
    }
    acc[0] = f0;
    acc[1] = f1;
    acc[2] = f2;
    acc[3] = f3;
}

#ifdef JIT_WIDE
/// Batches of at least this many tokens take sixteen rows at a time (`group_pair`): measured on
/// this project's Zen 4 machine, a 640-token prefill ran ~20 % faster and a 16-stream decode step
/// ~15–20 %, while one decode token ran ~15 % slower (the second group's weights are joined in
/// for a single token).
#define JIT_WIDE_TOKENS 16

/// Eight floats at `a` then eight at `b`, in one register (AVX-512F only: no DQ insert).
JIT_INLINE __m512 JIT_NAME(join)(const float *a, const float *b) {
    __m512i low = _mm512_castsi256_si512(_mm256_castps_si256(_mm256_loadu_ps(a)));
    return _mm512_castsi512_ps(_mm512_inserti64x4(low, _mm256_castps_si256(_mm256_loadu_ps(b)), 1));
}

/// 32 bytes at `a` then 32 at `b`, in one register.
JIT_INLINE __m512i JIT_NAME(join_bytes)(const uint8_t *a, const uint8_t *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a)),
                              _mm256_loadu_si256((const __m256i *)b), 1);
}

/// One token's block against sixteen rows in 512-bit registers: `nibble_block` (`u[c]` low
/// nibbles, `u[4 + c]` high ones) or the offset `byte_block` (`u[c]`, `sum` its Σx).
JIT_INLINE __m512i JIT_NAME(dots_pair)(bool signedWeights, const __m512i u[8], int32_t sum, const int8_t *x) {
    __m512i a = _mm512_setzero_si512(), b = a;
    for (int c = 0; c < 4; c++) {
        int32_t lo, hi;
        if (signedWeights) {
            memcpy(&lo, x + 8 * c, 4);
            memcpy(&hi, x + 8 * c + 4, 4);
            a = _mm512_dpbusd_epi32(a, u[2 * c], _mm512_set1_epi32(lo));
            b = _mm512_dpbusd_epi32(b, u[2 * c + 1], _mm512_set1_epi32(hi));
        } else {
            memcpy(&lo, x + 4 * c, 4);
            memcpy(&hi, x + 16 + 4 * c, 4);
            a = _mm512_dpbusd_epi32(a, u[c], _mm512_set1_epi32(lo));
            b = _mm512_dpbusd_epi32(b, u[4 + c], _mm512_set1_epi32(hi));
        }
    }
    __m512i dots = _mm512_add_epi32(a, b);
    return signedWeights ? _mm512_sub_epi32(dots, _mm512_set1_epi32(128 * sum)) : dots;
}

/// Sixteen rows (groups `g` and `g + 1`) against `n` (≤ 4) tokens from `token`, in 512-bit
/// registers: `group` with each weight register holding both groups, so that one broadcast of
/// four activation bytes and one multiply-add serve sixteen rows, not eight. Every lane does the
/// same integer and float operations, in the same order, as `group` would do for it, so the
/// results are the same bits. `acc[i]` receives token `token + i`'s sixteen rows.
JIT_INLINE void JIT_NAME(group_pair)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    ptrdiff_t g, JIT_NAME(activations) in, ptrdiff_t token, int n, __m512 acc[4]) {
    const ptrdiff_t columns = (ptrdiff_t)blocks * 32, blockBytes = signedWeights ? 256 : 128;
    const __m512i nibble = _mm512_set1_epi8(0x0F), offset = _mm512_set1_epi8((char)0x80);
    __m512 f0 = _mm512_setzero_ps(), f1 = f0, f2 = f0, f3 = f0;
    for (int b = 0; b < blocks; b++) {
        const ptrdiff_t block = g * blocks + b, next = block + blocks;
        const uint8_t *w = weights + block * blockBytes, *v = weights + next * blockBytes;
        __m512i u[8];
        if (signedWeights) {
            for (int c = 0; c < 8; c++) u[c] = _mm512_xor_si512(JIT_NAME(join_bytes)(w + 32 * c, v + 32 * c), offset);
        } else {
            for (int c = 0; c < 4; c++) {
                __m512i packed = JIT_NAME(join_bytes)(w + 32 * c, v + 32 * c);
                u[c] = _mm512_and_si512(packed, nibble);
                u[4 + c] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
            }
        }
        const __m512 d = JIT_NAME(join)(scales + block * 8, scales + next * 8);
        const __m512 m = JIT_NAME(join)(offsets + block * 8, offsets + next * 8);
#define JIT_TOKEN(i, f)                                                                                 \
    if (i < n) {                                                                                             \
        const ptrdiff_t t = token + i;                                                                       \
        const int32_t sum = signedWeights ? in.xbytesums[t * blocks + b] : 0;                                \
        __m512i dots = JIT_NAME(dots_pair)(signedWeights, u, sum, in.x + t * columns + 32 * b);              \
        f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots), _mm512_mul_ps(d, _mm512_set1_ps(in.xs[t * blocks + b])), f); \
        f = _mm512_fmadd_ps(m, _mm512_set1_ps(in.xsums[t * blocks + b]), f);                                 \
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

/// Runs `GROUP` (`group` or `group_pair`) over every four tokens with a constant token count,
/// so that each call unrolls and keeps `acc` in registers, and writes or adds each token's rows
/// from row group `g` on (`VEC` registers, through `LOAD`, `ADD` and `STORE`).
#define JIT_TOKEN_LOOP(GROUP, VEC, LOAD, ADD, STORE)                                                     \
    for (int t = 0; t < tokenCount; t += 4) {                                                                \
        const int n = tokenCount - t < 4 ? tokenCount - t : 4;                                               \
        VEC acc[4];                                                                                          \
        switch (n) {                                                                                         \
        case 4: GROUP(signedWeights, weights, scales, offsets, blocks, g, in, t, 4, acc); break;             \
        case 3: GROUP(signedWeights, weights, scales, offsets, blocks, g, in, t, 3, acc); break;             \
        case 2: GROUP(signedWeights, weights, scales, offsets, blocks, g, in, t, 2, acc); break;             \
        default: GROUP(signedWeights, weights, scales, offsets, blocks, g, in, t, 1, acc); break;            \
        }                                                                                                    \
        for (int i = 0; i < n; i++) {                                                                        \
            float *target = out + (t + i) * outStride + 8 * g;                                               \
            STORE(target, accumulate ? ADD(LOAD(target), acc[i]) : acc[i]);                                  \
        }                                                                                                    \
    }

/// The entry point's body (the header says what it computes).
JIT_INLINE void JIT_NAME(rows_body)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, JIT_NAME(activations) in, int tokenCount,
    float *out, ptrdiff_t outStride, bool accumulate) {
    for (ptrdiff_t g = groupStart; g < groupEnd; g++) {
#ifdef JIT_WIDE
        if (tokenCount >= JIT_WIDE_TOKENS && g + 1 < groupEnd) {
            JIT_TOKEN_LOOP(JIT_NAME(group_pair), __m512, _mm512_loadu_ps, _mm512_add_ps, _mm512_storeu_ps)
            g++;  // the pair took group g + 1 too
            continue;
        }
#endif
        JIT_TOKEN_LOOP(JIT_NAME(group), __m256, _mm256_loadu_ps, _mm256_add_ps, _mm256_storeu_ps)
    }
}
#undef JIT_TOKEN_LOOP

JIT_TARGET void JIT_NAME(rows)(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, const int8_t *x, const float *xs, const float *xsums,
    const int32_t *xbytesums, int tokenCount, float *out, ptrdiff_t outStride, bool accumulate) {
    const JIT_NAME(activations) in = {x, xs, xsums, xbytesums};
    // A constant for each call of the body, so that its branches on it compile away.
    if (signedWeights)
        JIT_NAME(rows_body)(true, weights, scales, offsets, blocks, groupStart, groupEnd, in, tokenCount,
                            out, outStride, accumulate);
    else
        JIT_NAME(rows_body)(false, weights, scales, offsets, blocks, groupStart, groupEnd, in, tokenCount,
                            out, outStride, accumulate);
}

#undef JIT_INLINE
