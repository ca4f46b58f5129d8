//===- selftest.cpp - Host-only tests of the apex4 runtime ----------------===//
//
// Needs no GPU: the JSON reader, manifest parsing (both grid spellings),
// launch geometry, f16/bf16 conversions, INT4 packing, and the reference
// semantics on hand-checked cases. Ends with "N passed, N failed".
//
//===----------------------------------------------------------------------===//
#include "apex4rt/Json.h"
#include "apex4rt/Reference.h"
#include "apex4rt/Runtime.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace apex4rt;

static int passed = 0, failed = 0;

static void expect(bool cond, const std::string &what) {
  if (cond) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

static bool throws(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &) {
    return true;
  }
  return false;
}

static void testJson() {
  JsonValue v;
  std::string err;
  bool ok = JsonValue::parse(
      R"({"a": [1, -2, 3.5, 1e3, true, false, null], "s": "x\"\\\n\u00e9\ud83d\ude00",
          "o": {"nested": {"k": 9007199254740993}}, "e": [], "f": {}})",
      v, err);
  expect(ok, "json parses: " + err);
  expect(v.isObject() && v.size() == 5, "json object size");
  const JsonValue *a = v.find("a");
  expect(a && a->isArray() && a->size() == 7, "json array size");
  expect((*a)[0].isInteger() && (*a)[0].asInt() == 1, "json int");
  expect((*a)[1].asInt() == -2, "json negative int");
  expect(!(*a)[2].isInteger() && (*a)[2].asDouble() == 3.5, "json fraction");
  expect(!(*a)[3].isInteger() && (*a)[3].asDouble() == 1000.0, "json exponent");
  expect((*a)[4].isBool() && (*a)[4].asBool(), "json true");
  expect((*a)[6].isNull(), "json null");
  expect(v.getString("s", "") == "x\"\\\n\xc3\xa9\xf0\x9f\x98\x80", "json escapes/utf8");
  expect(v.find("o")->find("nested")->getInt("k", 0) == 9007199254740993LL,
         "json int64 exact");
  expect(v.find("e")->size() == 0 && v.find("f")->size() == 0, "json empty");
  for (const char *bad : {"{", "[1,]", "{\"a\" 1}", "\"abc", "01x", "[1] 2",
                          "{\"a\":tru}", "\"\\q\"", "-"})
    expect(!JsonValue::parse(bad, v, err), std::string("json rejects ") + bad);
}

static const char *kManifest = R"({
  "apex4_version": "0.1.0", "target": "h100", "chip": "sm_90a",
  "ptx": "x.ptx", "cubin": null,
  "kernels": [
    {"name": "doc", "kind": "matmul", "n": 4096, "k": 4096,
     "a_group": 128, "w_group": 128, "out_type": "f16", "in_type": "f16",
     "params": ["A", "SA", "W", "SW", "C", "M"], "block": [128, 1, 1],
     "grid": {"x": ["N", 128], "y": ["M", 128], "z": 1}, "shared_bytes": 0},
    {"name": "compiled", "kind": "matmul", "n": 1000, "k": 4096,
     "a_group": 128, "w_group": 4096, "out_type": "f32",
     "params": ["A", "SA", "W", "SW", "C", "M"], "block": [256, 1, 1],
     "grid": [128, 64, 2], "shared_bytes": 98304, "max_m": 16777216},
    {"name": "q", "kind": "quantize", "k": 4096, "group": 0, "in_type": "bf16",
     "params": ["X", "Q", "S", "M"], "block": [128, 1, 1], "grid": [4],
     "shared_bytes": 0}
  ]})";

static void testManifest() {
  Manifest m = Manifest::parse(kManifest, "/tmp/art");
  expect(m.kernels.size() == 3, "manifest kernels");
  expect(m.cubin.empty() && m.ptx == "x.ptx", "manifest null cubin -> PTX");
  expect(m.chip == "sm_90a" && m.target == "h100", "manifest target/chip");
  const KernelInfo &doc = m.kernel("doc");
  LaunchDims d = computeLaunch(doc, 1000);
  expect(d.grid[0] == 32 && d.grid[1] == 8 && d.grid[2] == 1, "doc grid form");
  expect(d.block[0] == 128 && d.block[1] == 1, "block");
  const KernelInfo &c = m.kernel("compiled");
  d = computeLaunch(c, 1);
  expect(d.grid[0] == 8 && d.grid[1] == 1 && d.grid[2] == 2, "array grid form, N tail");
  expect(d.sharedBytes == 98304 && c.maxM == 16777216, "shared_bytes, max_m");
  expect(c.effWGroup() == 4096 && c.effAGroup() == 128, "groups");
  const KernelInfo &q = m.kernel("q");
  d = computeLaunch(q, 9);
  expect(d.grid[0] == 3 && d.grid[1] == 1, "quantize grid");
  expect(q.effGroup() == 4096, "per-channel quantize group");
  expect(throws([&] { m.kernel("nope"); }), "unknown kernel");
  expect(throws([&] { m.kernel(""); }), "ambiguous kernel");
  expect(throws([] { Manifest::parse("{\"kernels\": []}", "."); }), "no kernels");
  expect(throws([] {
    Manifest::parse(R"({"kernels":[{"name":"x","kind":"matmul","n":8,"k":96,
      "a_group":64,"w_group":64,"block":[1],"grid":[1,1,1]}]})", ".");
  }), "group must divide k");
  expect(throws([] {
    Manifest::parse(R"({"kernels":[{"name":"x","kind":"matmul","n":8,"k":64,
      "a_group":64,"w_group":64,"block":[1],"grid":{"x":["Q",4]}}]})", ".");
  }), "bad grid dim");
}

static void testHalf() {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = halfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f))
      continue;
    bad += floatToHalf(f) != h;
  }
  expect(bad == 0, "f16 round trip over all bit patterns");
  expect(floatToHalf(1.0f + 1.0f / 2048) == 0x3C00, "f16 tie to even (down)");
  expect(floatToHalf(1.0f + 3.0f / 2048) == 0x3C02, "f16 tie to even (up)");
  expect(floatToHalf(65504.0f) == 0x7BFF && floatToHalf(65519.0f) == 0x7BFF,
         "f16 max");
  expect(floatToHalf(65520.0f) == 0x7C00, "f16 overflow to Inf");
  expect(floatToHalf(std::ldexp(1.0f, -25)) == 0x0000, "f16 subnormal tie to zero");
  expect(floatToHalf(std::ldexp(3.0f, -25)) == 0x0002, "f16 subnormal tie to even");
  expect(std::isnan(halfToFloat(floatToHalf(NAN))), "f16 NaN");
  expect(floatToBf16(1.0f + 1.0f / 256) == 0x3F80, "bf16 tie to even");
  expect(bf16ToFloat(floatToBf16(-2.5f)) == -2.5f, "bf16 exact");
  expect(ulpF16(1.0f) == std::ldexp(1.0f, -10), "ulp(1)");
  expect(ulpF16(1.999f) == std::ldexp(1.0f, -10), "ulp(1.999)");
  expect(ulpF16(-3.0f) == std::ldexp(1.0f, -9), "ulp(-3)");
  expect(ulpF16(1e-6f) == std::ldexp(1.0f, -24), "ulp(subnormal)");
}

static void testPacking() {
  std::vector<int8_t> v(2 * 32), back(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<int8_t>(static_cast<int>(i % 16) - 8);
  std::vector<uint8_t> p(v.size() / 2);
  packInt4(v.data(), 2, 32, p.data());
  expect(p[0] == 0x98, "even k in the low nibble (-8 -> 0x8, -7 -> 0x9)");
  expect(p[4] == 0x10, "0 low, 1 high");
  unpackInt4(p.data(), 2, 32, back.data());
  expect(back == v, "pack/unpack round trip");
  // Containers: 16 q, the 16 even-k values of each 32 first.
  std::vector<uint8_t> c(v.size());
  packContainers(v.data(), 2, 32, c.data());
  expect(c[0] == 0x80 && c[1] == 0xA0, "containers: k = 0, 2 first (-8, -6 times 16)");
  expect(c[16] == 0x90 && c[17] == 0xB0, "containers: then k = 1, 3 (-7, -5 times 16)");
  expect(c[32 + 15] == static_cast<uint8_t>(16 * v[32 + 30]), "containers: row 1, k = 30");
}

static void testQuantize() {
  const int k = 8, g = 4;
  float x[k] = {0, 0, 0, 0, 1.0f, -3.5f, 7.0f, 2.5f};
  int8_t q[k];
  float s[2];
  referenceQuantizeRow(x, k, g, q, s);
  expect(s[0] == 0.0f && q[0] == 0 && q[3] == 0, "zero group: scale 0, q 0");
  expect(s[1] == 1.0f, "scale amax/7");
  expect(q[4] == 1 && q[5] == -4 && q[6] == 7 && q[7] == 2, "RNE ties (-3.5->-4, 2.5->2)");
  float y[4] = {NAN, 1.0f, -7.0f, 3.5f};
  referenceQuantizeRow(y, 4, 4, q, s);
  expect(s[0] == 1.0f && q[0] == 0 && q[1] == 1 && q[2] == -7 && q[3] == 4,
         "NaN ignored in amax, quantized to 0");
  float z[4] = {INFINITY, 1.0f, -2.0f, 0.0f};
  referenceQuantizeRow(z, 4, 4, q, s);
  expect(std::isinf(s[0]) && q[0] == 0 && q[1] == 0 && q[2] == 0,
         "Inf: scale Inf, everything 0");
  float t[4] = {1e-45f, 0.0f, -1e-45f, 0.0f}; // amax/7 underflows to 0
  referenceQuantizeRow(t, 4, 4, q, s);
  expect(s[0] == 0.0f && q[0] == 7 && q[2] == -8 && q[1] == 0,
         "scale underflow: +-Inf clamps, 0/0 is 0");
}

static void testMatmul() {
  // K = 64, groups 32: hand-computable sums.
  const int k = 64, n = 2;
  std::vector<int8_t> a(k), w(n * k);
  for (int i = 0; i < k; ++i) {
    a[i] = i < 32 ? 7 : -8;
    w[i] = i < 32 ? -8 : -8;      // col 0
    w[k + i] = i < 32 ? 1 : 0;    // col 1
  }
  float sa[2] = {0.5f, 0.25f}, sw[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  float acc[2];
  referenceMatmul(a.data(), sa, w.data(), sw, n, k, 32, 32, {0}, acc, 2);
  // col 0: 32*7*-8*0.5*1 + 32*(-8)*(-8)*0.25*2 = -896 + 1024 = 128
  expect(acc[0] == 128.0f, "matmul col 0");
  // col 1: 32*7*1*0.5*3 = 336
  expect(acc[1] == 336.0f, "matmul col 1");
  // Per-channel weights (gw = K) with ga = 32: h = 32.
  float swpc[2] = {2.0f, 1.0f};
  referenceMatmul(a.data(), sa, w.data(), swpc, n, k, 32, 64, {0}, acc, 1);
  // -1792 * (0.5 * 2) + 2048 * (0.25 * 2)
  expect(acc[0] == -768.0f, "matmul mixed granularity");
  CompareStats st;
  float got[4] = {1.0f, 1.0f + 1.0f / 1024, 1.0f + 2.0f / 1024, NAN}, ref[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  compareOutputs(got, ref, 4, ElemType::F16, st);
  expect(st.failures == 2 && st.nonFinite == 1, "f16 tolerance: 1 ulp ok, 2 ulps and NaN fail");
  // Near-zero outputs: the reordering bound widens the tolerance.
  float gz[1] = {1e-6f}, rz[1] = {0.0f}, bz[1] = {2e-6f};
  CompareStats st2, st3;
  compareOutputs(gz, rz, 1, ElemType::F16, st2);
  compareOutputs(gz, rz, 1, ElemType::F16, st3, bz);
  expect(st2.failures == 1 && st3.failures == 0 && st3.strictOutside == 1,
         "reorder bound for cancelling outputs");
  // The bound itself: (K/h + 1) * 2^-24 * sum |terms|.
  float bound[2];
  referenceMatmul(a.data(), sa, w.data(), sw, n, k, 32, 32, {0}, acc, 1, bound);
  expect(bound[0] == static_cast<float>(3 * std::ldexp(1.0, -24) * (896 + 1024)),
         "reorder bound value");
}

int main() {
  testJson();
  testManifest();
  testHalf();
  testPacking();
  testQuantize();
  testMatmul();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
