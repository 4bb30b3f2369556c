// The byte-dot kernels for weights interleaved eight rows at a time, one per instruction set
// (interleaved_rows.c says why and how). A C target of its own, compiled by clang at -O2 in every
// configuration: through Swift's importer (as the AVX2 helpers of CByteDot are) a first VNNI
// kernel's short loops stayed rolled and its vectors on the stack, twice as slow.
#ifndef JITSERVE_INTERLEAVED_ROWS_H
#define JITSERVE_INTERLEAVED_ROWS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has AVX-512 F, BW, VL and VNNI and the OS saves the AVX-512 registers
/// (EVEX-encoded instructions fault otherwise, even on 256-bit vectors): whether `jit_vnni_rows`
/// may run. `jit_avx2_rows` needs AVX2, the package's floor.
bool jit_has_vnni(void);

/// Row groups [groupStart, groupEnd) (rows 8·g … 8·g + 7) of
/// `out[t][row] (+)= Σ_k x[t][k] · w[row][k]` for t < tokenCount, from Q8 activations (`x`:
/// tokenCount rows of blocks·32 signed bytes, within ±127; `xs`, `xsums`, `xbytesums`: each
/// block's scale, scale·Σq and Σq, `blocks` per token) and weights interleaved by eight rows, element value d·q + m with
/// `scales` d and `offsets` m at (g·blocks + b)·8 + r for row 8·g + r and block b:
/// - Q4 (`signedWeights` false): 128 bytes a (row group, block) at (g·blocks + b)·128, whose byte
///   32·c + 4·r + e holds element 4·c + e in its low nibble and element 16 + 4·c + e in its high
///   nibble (c < 4, e < 4);
/// - Q8 (`signedWeights` true): 256 bytes a (row group, block), byte 32·c + 4·r + e holding
///   element 4·c + e as a signed byte (c < 8, e < 4).
/// `jit_vnni_rows` needs `jit_has_vnni()`; `jit_avx2_rows` AVX2. The two give the same bits.
void jit_vnni_rows(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, const int8_t *x, const float *xs, const float *xsums,
    const int32_t *xbytesums, int tokenCount, float *out, ptrdiff_t outStride, bool accumulate);
void jit_avx2_rows(
    bool signedWeights, const uint8_t *weights, const float *scales, const float *offsets, int blocks,
    int groupStart, int groupEnd, const int8_t *x, const float *xs, const float *xsums,
    const int32_t *xbytesums, int tokenCount, float *out, ptrdiff_t outStride, bool accumulate);
#endif
