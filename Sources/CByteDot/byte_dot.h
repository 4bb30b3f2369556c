// AVX2 operations for the CPU kernels, a few intrinsics each. Swift's SIMD types have no
// multiply-add of bytes, and the optimiser does not form one from widening multiplies; nor does
// it reliably inline their conversions. So the Swift kernels call these; being `static inline`,
// they compile into the Swift code that calls them (Swift's `-target-cpu haswell` reaches the
// header) and cost no call.
#ifndef JITSERVE_BYTE_DOT_H
#define JITSERVE_BYTE_DOT_H
#include <immintrin.h>
#include <stdint.h>

typedef int8_t jit_i8x32 __attribute__((ext_vector_type(32)));
typedef uint8_t jit_u8x32 __attribute__((ext_vector_type(32)));
typedef int32_t jit_i32x8 __attribute__((ext_vector_type(8)));
typedef float jit_f32x8 __attribute__((ext_vector_type(8)));
typedef uint8_t jit_u8x8 __attribute__((ext_vector_type(8)));
typedef int8_t jit_i8x8 __attribute__((ext_vector_type(8)));

/// Σ a·b over each group of four adjacent bytes, as eight int32 (a unsigned, b signed). Each
/// adjacent pair's sum saturates at int16: exact while 2·a·|b| ≤ 32767, as for a ≤ 128, |b| ≤ 127.
static inline __attribute__((always_inline)) jit_i32x8 jit_byte_dot(jit_u8x32 a, jit_i8x32 b) {
    __m256i pairs = _mm256_maddubs_epi16((__m256i)a, (__m256i)b);
    return (jit_i32x8)_mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

/// |a| as unsigned bytes (a = −128 gives 128).
static inline __attribute__((always_inline)) jit_u8x32 jit_abs_bytes(jit_i8x32 a) {
    return (jit_u8x32)_mm256_abs_epi8((__m256i)a);
}

/// b with the sign of a (0 where a is 0).
static inline __attribute__((always_inline)) jit_i8x32 jit_sign_bytes(jit_i8x32 b, jit_i8x32 a) {
    return (jit_i8x32)_mm256_sign_epi8((__m256i)b, (__m256i)a);
}

/// a as floats (exact below 2^24).
static inline __attribute__((always_inline)) jit_f32x8 jit_float_from_int(jit_i32x8 a) {
    return (jit_f32x8)_mm256_cvtepi32_ps((__m256i)a);
}

/// Eight unsigned bytes as floats. Swift's generic SIMD conversions compile to the same two
/// instructions only when the optimiser inlines them, which it stops doing once the calling
/// function grows: the fp32 decode kernels lost 60 % of their speed that way.
static inline __attribute__((always_inline)) jit_f32x8 jit_float_from_bytes(jit_u8x8 a) {
    long long bits;
    __builtin_memcpy(&bits, &a, 8);
    return (jit_f32x8)_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bits)));
}

/// Eight signed bytes as floats.
static inline __attribute__((always_inline)) jit_f32x8 jit_float_from_signed_bytes(jit_i8x8 a) {
    long long bits;
    __builtin_memcpy(&bits, &a, 8);
    return (jit_f32x8)_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bits)));
}

/// The largest |element| of a, b, c and d.
static inline __attribute__((always_inline)) float jit_largest_magnitude(
    jit_f32x8 a, jit_f32x8 b, jit_f32x8 c, jit_f32x8 d) {
    __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, (__m256)a), _mm256_andnot_ps(sign, (__m256)b)),
                             _mm256_max_ps(_mm256_andnot_ps(sign, (__m256)c), _mm256_andnot_ps(sign, (__m256)d)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

/// a, b, c, d (each within ±127) rounded to the nearest integer, ties to even (the default
/// rounding mode), as 32 bytes in order.
static inline __attribute__((always_inline)) jit_i8x32 jit_round_to_bytes(
    jit_f32x8 a, jit_f32x8 b, jit_f32x8 c, jit_f32x8 d) {
    __m256i ab = _mm256_packs_epi32(_mm256_cvtps_epi32((__m256)a), _mm256_cvtps_epi32((__m256)b));
    __m256i cd = _mm256_packs_epi32(_mm256_cvtps_epi32((__m256)c), _mm256_cvtps_epi32((__m256)d));
    // The packs work per 128-bit lane; this puts the eight 4-byte groups back in order.
    __m256i bytes = _mm256_packs_epi16(ab, cd);
    return (jit_i8x32)_mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// Σ of the 32 signed bytes of a.
static inline __attribute__((always_inline)) int32_t jit_byte_sum(jit_i8x32 a) {
    __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), (__m256i)a), _mm256_set1_epi16(1));
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    return _mm_cvtsi128_si32(h);
}
#endif
