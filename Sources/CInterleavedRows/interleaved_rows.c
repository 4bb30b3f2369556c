// The byte-dot decode kernels for weights interleaved eight rows at a time (the header gives the
// layout): one 32-byte register holds four consecutive weights of each of eight rows, so one
// multiply-add of bytes against four activation bytes broadcast to every lane advances eight
// rows' dot products at once, each in its own lane — no horizontal sums, and one float
// conversion and scaling per block for eight rows. This is the layout llama.cpp's repacked Q4_0
// kernels use. Two instantiations of interleaved_rows_kernel.h: AVX-512 VNNI (VPDPBUSD), chosen
// at run time where the CPU and OS have it, with JIT_WIDE (batches of 16 tokens or more take
// sixteen rows at a time in 512-bit registers; Q8 weights offset to unsigned bytes), and AVX2, the
// package's floor. Each carries its own target attribute, and the whole loop lives here because a
// function with a wider target cannot be inlined into the Swift code that calls it. On this
// project's 2-core Zen 4 machine a 1536 × 576 Q4_1 matrix against 16 tokens ran 3–4× faster with
// VNNI than with the rows kept apart, and the AVX2 instantiation at 0.6× the VNNI one (README,
// "Interleaved rows").
#include "interleaved_rows.h"

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

bool jit_has_vnni(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    bool features = (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31)) && (c & (1u << 11));
    if (!features) return false;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // SSE, AVX, opmask, upper halves of ZMM0–15, ZMM16–31.
    return (lo & 0xE6) == 0xE6;
}

#define JIT_TARGET __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni")))
#define JIT_NAME(name) jit_vnni_##name
#define JIT_DOT4(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#define JIT_WIDE
#include "interleaved_rows_kernel.h"
#undef JIT_WIDE
#undef JIT_TARGET
#undef JIT_NAME
#undef JIT_DOT4

#define JIT_TARGET __attribute__((target("avx2,fma")))
#define JIT_NAME(name) jit_avx2_##name
#define JIT_DOT4(acc, u, s) _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
// Q4 blocks: a nibble (<= 15) times an activation byte (|q| <= 127) makes each VPMADDUBSW pair
// sum at most 3,810 and a block's eight pairs per lane at most 30,480, so they add exactly in
// int16 and one VPMADDWD widens them: nine multiplies a block instead of sixteen, the same
// integers. (Q8 weights, |w| up to 128, reach 32,512 in one pair: they widen per multiply.)
#define JIT_NIBBLE_DOT4(acc, u, s) _mm256_add_epi16(acc, _mm256_maddubs_epi16(u, s))
#define JIT_NIBBLE_SUM(a, b) _mm256_madd_epi16(_mm256_add_epi16(a, b), _mm256_set1_epi16(1))
#include "interleaved_rows_kernel.h"
