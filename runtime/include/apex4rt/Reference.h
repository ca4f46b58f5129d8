//===- Reference.h - Host-side reference semantics of apex4 ----*- C++ -*-===//
//
// apex4 runtime. The numerical contract of docs/architecture.md, written in
// plain C++ for checking GPU kernels: INT4 packing, the symmetric group
// quantization, and the grouped W4A4 matmul (exact int32 group sums, f32
// accumulation in the documented order). Also the f16/bf16 bit conversions
// and a small deterministic random generator. No CUDA dependency: this file
// is built and unit-tested on machines without a GPU.
//
// Host code that includes this must be compiled with -ffp-contract=off so
// that `acc + f32(isum) * p` keeps its two roundings.
//
//===----------------------------------------------------------------------===//
#ifndef APEX4RT_REFERENCE_H
#define APEX4RT_REFERENCE_H

#include <cstdint>
#include <string>
#include <vector>

namespace apex4rt {

//===--- Scalar types -----------------------------------------------------===//

/// IEEE binary16 bits -> float (exact).
float halfToFloat(uint16_t h);
/// float -> IEEE binary16 bits, round to nearest even (NaN stays NaN).
uint16_t floatToHalf(float f);
/// bfloat16 bits -> float (exact).
float bf16ToFloat(uint16_t h);
/// float -> bfloat16 bits, round to nearest even (NaN stays NaN).
uint16_t floatToBf16(float f);
/// The spacing of f16 values at |x| (2^-24 below the normal range).
float ulpF16(float x);

enum class ElemType { F16, BF16, F32 };
/// "f16" / "bf16" / "f32"; returns false for anything else.
bool parseElemType(const std::string &name, ElemType &out);
size_t elemBytes(ElemType t);
/// Reads element i of a buffer of type t as float (exact).
float loadElem(const void *data, ElemType t, size_t i);
/// Stores x into element i of a buffer of type t (RNE for 16-bit types).
void storeElem(void *data, ElemType t, size_t i, float x);

//===--- Random numbers (xoshiro-style, deterministic per seed) ------------===//

class Rng {
public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  /// Uniform integer in [lo, hi].
  int uniformInt(int lo, int hi);
  /// Uniform float in [0, 1).
  float uniform();
  /// Standard normal (Box-Muller).
  float normal();

private:
  uint64_t s_[4];
};

//===--- INT4 packing (docs/architecture.md, "Packed storage") ------------===//

/// Packs R x K values in [-8, 7] into R x K/2 bytes: element k of a row in
/// byte k/2, even k in the low nibble, two's complement nibbles.
void packInt4(const int8_t *values, int64_t rows, int64_t k, uint8_t *packed);
/// The inverse of packInt4 (sign-extends each nibble).
void unpackInt4(const uint8_t *packed, int64_t rows, int64_t k, int8_t *values);
/// R x K values in [-8, 7] as R x K INT8 containers, the activation layout
/// of plan path s8_wgmma_wreg (docs/architecture.md): each value q as the
/// byte 16 q, and within every 32 values of K the 16 even-k values first,
/// then the 16 odd-k ones. K must be a multiple of 32.
void packContainers(const int8_t *values, int64_t rows, int64_t k,
                    uint8_t *containers);

//===--- Reference semantics ----------------------------------------------===//

/// A group size as stored in a manifest: 0 or K both mean per-channel.
inline int64_t effectiveGroup(int64_t group, int64_t k) {
  return group <= 0 ? k : group;
}

/// One reference output row range of the matmul in f32 (before any f16
/// rounding): acc[m][n] for rows [rowBegin, rowEnd) of A. `a` is M x K,
/// `w` is N x K (unpacked), `sa` is M x K/ga, `sw` is N x K/gw.
/// When `reorder` is not null it receives, per output, the worst-case f32
/// error of summing the same group terms in another order (or with fused
/// multiply-adds): (K/h + 1) * 2^-24 * sum_j |f32(isum_j) * p_j|.
void referenceMatmulRows(const int8_t *a, const float *sa, const int8_t *w,
                         const float *sw, int64_t n, int64_t k, int64_t ga,
                         int64_t gw, int64_t rowBegin, int64_t rowEnd,
                         float *acc /* (rowEnd-rowBegin) x n */,
                         float *reorder = nullptr);

/// The same over chosen rows, split over `threads` host threads.
/// `acc` (and `reorder`, if given) is rows.size() x n.
void referenceMatmul(const int8_t *a, const float *sa, const int8_t *w,
                     const float *sw, int64_t n, int64_t k, int64_t ga,
                     int64_t gw, const std::vector<int64_t> &rows, float *acc,
                     unsigned threads, float *reorder = nullptr);

/// Quantizes one row of K values (already widened to f32) with group size
/// g: writes K int4 values in [-8, 7] and K/g scales.
void referenceQuantizeRow(const float *x, int64_t k, int64_t g, int8_t *q,
                          float *scales);

//===--- Comparison -------------------------------------------------------===//

struct CompareStats {
  int64_t checked = 0;
  int64_t failures = 0;
  int64_t strictOutside = 0; // outside the tolerance without the reorder term
  int64_t nonFinite = 0;
  double maxAbsErr = 0.0;
  double maxRelErr = 0.0;
  double maxErrOverTol = 0.0;
  int64_t firstBadIndex = -1; // index into the compared arrays
  float firstBadGot = 0.0f, firstBadRef = 0.0f;
};

/// Tolerance for an f16 result: one f16 rounding of the reference, plus the
/// f32 reordering bound `reorder` (GPU kernels may sum the groups in another
/// order; this matters only for outputs that cancel to near zero), plus a
/// tiny absolute epsilon.
inline float toleranceF16(float ref, float reorder) {
  return ulpF16(ref) + reorder + 1e-7f;
}
/// Tolerance for an f32 result: relative 1e-5 plus the reordering bound
/// (when no bound is known: 1e-6 of the mean output magnitude).
inline float toleranceF32(float ref, float reorder) {
  float r = ref < 0 ? -ref : ref;
  return 1e-5f * r + reorder;
}

/// Compares got (already widened to float) against ref for an output of type
/// `out` and accumulates statistics. `reorder` (may be null) holds the
/// per-output reordering bounds from referenceMatmul.
void compareOutputs(const float *got, const float *ref, int64_t count,
                    ElemType out, CompareStats &stats,
                    const float *reorder = nullptr);

} // namespace apex4rt

#endif // APEX4RT_REFERENCE_H
