//===- Reference.cpp - Host-side reference semantics of apex4 -------------===//
//
// Must be compiled with -ffp-contract=off (see Reference.h).
//
//===----------------------------------------------------------------------===//
#include "apex4rt/Reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace apex4rt {

//===--- Scalar types -----------------------------------------------------===//

static uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t man = h & 0x3FF;
  if (exp == 0x1F) // Inf / NaN
    return bitsFloat(sign | 0x7F800000 | (man << 13));
  if (exp == 0) {
    if (man == 0)
      return bitsFloat(sign);
    // Subnormal: man * 2^-24, exact in float.
    float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  return bitsFloat(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t u = floatBits(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  uint32_t absu = u & 0x7FFFFFFF;
  if (absu > 0x7F800000) // NaN: keep a quiet NaN
    return sign | 0x7E00 | static_cast<uint16_t>((absu >> 13) & 0x3FF);
  float a = bitsFloat(absu);
  if (a >= 65520.0f) // largest finite half is 65504; from 65520 on: Inf
    return sign | 0x7C00;
  if (a < 6.103515625e-05f) {
    // Subnormal or zero half: quantum 2^-24. rint does RNE in the default
    // rounding mode; a * 2^24 is exact.
    float q = std::nearbyint(a * 16777216.0f);
    return sign | static_cast<uint16_t>(q); // q <= 1024 -> may become normal
  }
  // Normal: round the 23-bit mantissa to 10 bits, RNE.
  uint32_t exp = (absu >> 23) - 112;
  uint32_t man = absu & 0x7FFFFF;
  uint32_t half = (exp << 10) | (man >> 13);
  uint32_t rest = man & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // carries into the exponent correctly
  return sign | static_cast<uint16_t>(half);
}

float bf16ToFloat(uint16_t h) { return bitsFloat(static_cast<uint32_t>(h) << 16); }

uint16_t floatToBf16(float f) {
  uint32_t u = floatBits(f);
  if ((u & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((u >> 16) | 0x40);
  uint32_t rounding = 0x7FFF + ((u >> 16) & 1);
  return static_cast<uint16_t>((u + rounding) >> 16);
}

float ulpF16(float x) {
  float a = std::fabs(x);
  if (!(a >= 6.103515625e-05f)) // below 2^-14 (or NaN)
    return 5.9604644775390625e-08f; // 2^-24
  int e;
  std::frexp(a, &e); // a = f * 2^e, f in [0.5, 1)
  return std::ldexp(1.0f, e - 1 - 10);
}

bool parseElemType(const std::string &name, ElemType &out) {
  if (name == "f16") out = ElemType::F16;
  else if (name == "bf16") out = ElemType::BF16;
  else if (name == "f32") out = ElemType::F32;
  else return false;
  return true;
}

size_t elemBytes(ElemType t) { return t == ElemType::F32 ? 4 : 2; }

float loadElem(const void *data, ElemType t, size_t i) {
  switch (t) {
  case ElemType::F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElemType::BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElemType::F32:
    return static_cast<const float *>(data)[i];
  }
  return 0.0f;
}

void storeElem(void *data, ElemType t, size_t i, float x) {
  switch (t) {
  case ElemType::F16:
    static_cast<uint16_t *>(data)[i] = floatToHalf(x);
    break;
  case ElemType::BF16:
    static_cast<uint16_t *>(data)[i] = floatToBf16(x);
    break;
  case ElemType::F32:
    static_cast<float *>(data)[i] = x;
    break;
  }
}

//===--- Random numbers ---------------------------------------------------===//

static uint64_t splitmix(uint64_t &x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  for (uint64_t &s : s_)
    s = splitmix(seed);
}

uint64_t Rng::next() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

int Rng::uniformInt(int lo, int hi) {
  uint64_t span = static_cast<uint64_t>(hi - lo + 1);
  return lo + static_cast<int>(next() % span);
}

float Rng::uniform() {
  return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);
}

float Rng::normal() {
  float u1 = uniform(), u2 = uniform();
  if (u1 < 1e-12f)
    u1 = 1e-12f;
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
}

//===--- INT4 packing -----------------------------------------------------===//

void packInt4(const int8_t *values, int64_t rows, int64_t k, uint8_t *packed) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k / 2; ++j) {
      uint8_t lo = static_cast<uint8_t>(values[r * k + 2 * j]) & 0xF;
      uint8_t hi = static_cast<uint8_t>(values[r * k + 2 * j + 1]) & 0xF;
      packed[r * (k / 2) + j] = static_cast<uint8_t>(lo | (hi << 4));
    }
}

void packContainers(const int8_t *values, int64_t rows, int64_t k,
                    uint8_t *containers) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t block = 0; block < k; block += 32)
      for (int64_t i = 0; i < 32; ++i) {
        // Byte i of the block holds k = 2i (i < 16) or 2(i - 16) + 1.
        int64_t source = block + (i < 16 ? 2 * i : 2 * (i - 16) + 1);
        containers[r * k + block + i] =
            static_cast<uint8_t>(static_cast<int>(values[r * k + source]) * 16);
      }
}

void unpackInt4(const uint8_t *packed, int64_t rows, int64_t k, int8_t *values) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k / 2; ++j) {
      int8_t byte = static_cast<int8_t>(packed[r * (k / 2) + j]);
      values[r * k + 2 * j] = static_cast<int8_t>(static_cast<int8_t>(byte << 4) >> 4);
      values[r * k + 2 * j + 1] = static_cast<int8_t>(byte >> 4);
    }
}

//===--- Reference semantics ----------------------------------------------===//

void referenceMatmulRows(const int8_t *a, const float *sa, const int8_t *w,
                         const float *sw, int64_t n, int64_t k, int64_t ga,
                         int64_t gw, int64_t rowBegin, int64_t rowEnd,
                         float *acc, float *reorder) {
  const int64_t h = std::min(ga, gw);
  const int64_t groupsA = k / ga, groupsW = k / gw;
  const double unitRoundoff = std::ldexp(1.0, -24);
  for (int64_t m = rowBegin; m < rowEnd; ++m) {
    const int8_t *arow = a + m * k;
    for (int64_t col = 0; col < n; ++col) {
      const int8_t *wrow = w + col * k;
      float sum = 0.0f;
      double absSum = 0.0;
      for (int64_t j = 0; j < k / h; ++j) {
        int32_t isum = 0, absIsum = 0;
        const int8_t *ap = arow + j * h, *wp = wrow + j * h;
        for (int64_t t = 0; t < h; ++t) {
          int32_t product = static_cast<int32_t>(ap[t]) * static_cast<int32_t>(wp[t]);
          isum += product;
          absIsum += product < 0 ? -product : product;
        }
        float p = sa[m * groupsA + (j * h) / ga] * sw[col * groupsW + (j * h) / gw];
        float term = static_cast<float>(isum) * p; // first rounding
        sum = sum + term;                             // second rounding
        // sum |a w| p bounds every partial a kernel may form inside the
        // group (split-K slices, cluster slices), not only the group's sum.
        absSum += static_cast<double>(absIsum) * std::fabs(static_cast<double>(p));
      }
      acc[(m - rowBegin) * n + col] = sum;
      // A kernel adds at most one f32 term per 128 values of K (no kernel
      // dequantizes a finer slice; split-K chunks and wgmma tiles are 128)
      // or per group, whichever is finer.
      if (reorder)
        reorder[(m - rowBegin) * n + col] = static_cast<float>(
            static_cast<double>(std::max<int64_t>(k / h, k / 128) + 1) *
            unitRoundoff * absSum);
    }
  }
}

void referenceMatmul(const int8_t *a, const float *sa, const int8_t *w,
                     const float *sw, int64_t n, int64_t k, int64_t ga,
                     int64_t gw, const std::vector<int64_t> &rows, float *acc,
                     unsigned threads, float *reorder) {
  if (threads == 0)
    threads = 1;
  threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<size_t>(rows.size(), 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t i = t; i < rows.size(); i += threads)
        referenceMatmulRows(a, sa, w, sw, n, k, ga, gw, rows[i], rows[i] + 1,
                            acc + i * n, reorder ? reorder + i * n : nullptr);
    });
  for (auto &th : pool)
    th.join();
}

void referenceQuantizeRow(const float *x, int64_t k, int64_t g, int8_t *q,
                          float *scales) {
  for (int64_t j = 0; j < k / g; ++j) {
    const float *xg = x + j * g;
    float amax = 0.0f;
    for (int64_t t = 0; t < g; ++t)
      amax = std::fmax(amax, std::fabs(xg[t])); // fmax ignores NaN
    // std::fmax(0, NaN) = 0 and a NaN never wins: maxnum semantics.
    float scale = amax / 7.0f;
    scales[j] = scale;
    for (int64_t t = 0; t < g; ++t) {
      float r = xg[t] / scale;
      int8_t v = 0;
      if (!std::isnan(r)) {
        float rounded = std::nearbyint(r); // RNE in the default mode
        rounded = std::min(7.0f, std::max(-8.0f, rounded));
        v = static_cast<int8_t>(rounded);
      }
      q[j * g + t] = v;
    }
  }
}

//===--- Comparison -------------------------------------------------------===//

void compareOutputs(const float *got, const float *ref, int64_t count,
                    ElemType out, CompareStats &stats, const float *reorder) {
  double meanAbs = 0.0;
  for (int64_t i = 0; i < count; ++i)
    meanAbs += std::fabs(ref[i]);
  meanAbs = count ? meanAbs / count : 0.0;
  for (int64_t i = 0; i < count; ++i) {
    float g = got[i], r = ref[i];
    ++stats.checked;
    float bound = reorder ? reorder[i]
                          : (out == ElemType::F32 ? 1e-6f * static_cast<float>(meanAbs) : 0.0f);
    float tol = out == ElemType::F32 ? toleranceF32(r, bound) : toleranceF16(r, bound);
    float strictTol = out == ElemType::F32 ? toleranceF32(r, 0.0f) : toleranceF16(r, 0.0f);
    bool bad;
    if (!std::isfinite(g)) {
      ++stats.nonFinite;
      bad = true;
    } else {
      double err = std::fabs(static_cast<double>(g) - r);
      // Relative to |ref|, floored at 1e-3 of the mean magnitude so that
      // outputs that cancel to almost zero do not dominate the statistic.
      double rel = err / std::max(std::fabs(static_cast<double>(r)),
                                  std::max(1e-3 * meanAbs, 1e-30));
      stats.maxAbsErr = std::max(stats.maxAbsErr, err);
      stats.maxRelErr = std::max(stats.maxRelErr, rel);
      stats.maxErrOverTol = std::max(stats.maxErrOverTol, err / tol);
      bad = err > tol;
      stats.strictOutside += err > strictTol;
    }
    if (bad) {
      if (stats.failures == 0) {
        stats.firstBadIndex = i;
        stats.firstBadGot = g;
        stats.firstBadRef = r;
      }
      ++stats.failures;
    }
  }
}

} // namespace apex4rt
