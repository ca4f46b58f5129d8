//===- apex4-run.cpp - Run and check one apex4 kernel on the GPU ----------===//
//
// apex4-run --manifest x.json [--kernel NAME] --m M [--check] [--time]
//           [--seed S] [--quantize] [--warmup 10] [--reps 50]
//           [--check-rows R] [--json FILE] [--list] [--device D]
//
// Generates random operands (INT4 over the full range -8..7, packed per
// docs/architecture.md; positive f32 scales), launches the kernel through the
// apex4 runtime, and with --check compares against the C++ reference
// semantics (runtime/lib/Reference.cpp). --quantize (implied by a quantize
// kernel) feeds f16/bf16/f32 input with edge cases and checks the packed
// values and the scales bit for bit. --time: CUDA events, warm-up launches,
// median over launches that rotate among several freshly generated input sets.
// Exit status: 0 all good, 1 a check failed, 2 usage or runtime error.
//
//===----------------------------------------------------------------------===//
#include "apex4rt/Reference.h"
#include "apex4rt/Runtime.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace apex4rt;

namespace {

struct Options {
  std::string manifest, kernel, jsonPath;
  int64_t m = 128;
  bool check = false, time = false, quantize = false, list = false;
  uint64_t seed = 1;
  int warmup = 10, reps = 50, device = 0;
  int64_t checkRows = -1; // -1 auto, 0 all
};

[[noreturn]] void usage(const char *message) {
  if (message)
    std::fprintf(stderr, "apex4-run: %s\n", message);
  std::fprintf(stderr,
               "usage: apex4-run --manifest FILE.json [--kernel NAME] --m M\n"
               "                 [--check] [--time] [--seed S] [--quantize]\n"
               "                 [--warmup N] [--reps N] [--check-rows R]\n"
               "                 [--json FILE] [--list] [--device D]\n");
  std::exit(2);
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    auto number = [&]() -> int64_t {
      std::string v = value();
      char *end = nullptr;
      long long x = std::strtoll(v.c_str(), &end, 10);
      if (!end || *end)
        usage(("not an integer: " + v).c_str());
      return x;
    };
    if (a == "--manifest") o.manifest = value();
    else if (a == "--kernel") o.kernel = value();
    else if (a == "--m") o.m = number();
    else if (a == "--check") o.check = true;
    else if (a == "--time") o.time = true;
    else if (a == "--seed") o.seed = static_cast<uint64_t>(number());
    else if (a == "--quantize") o.quantize = true;
    else if (a == "--warmup") o.warmup = static_cast<int>(number());
    else if (a == "--reps") o.reps = static_cast<int>(number());
    else if (a == "--check-rows") o.checkRows = number();
    else if (a == "--json") o.jsonPath = value();
    else if (a == "--list") o.list = true;
    else if (a == "--device") o.device = static_cast<int>(number());
    else if (a == "-h" || a == "--help") usage(nullptr);
    else usage(("unknown option " + a).c_str());
  }
  if (o.manifest.empty())
    usage("--manifest is required");
  if (o.m < 1)
    usage("--m must be >= 1");
  if (o.reps < 1 || o.warmup < 0)
    usage("--reps must be >= 1 and --warmup >= 0");
  return o;
}

/// Accumulates "key": value pairs for the one-line JSON result.
class JsonLine {
public:
  void add(const std::string &key, const std::string &raw) {
    text_ += (text_.empty() ? "" : ", ") + quote(key) + ": " + raw;
  }
  void str(const std::string &key, const std::string &v) { add(key, quote(v)); }
  void num(const std::string &key, double v) {
    char buf[64];
    if (std::isfinite(v))
      std::snprintf(buf, sizeof(buf), "%.9g", v);
    else
      std::snprintf(buf, sizeof(buf), "null");
    add(key, buf);
  }
  void integer(const std::string &key, int64_t v) { add(key, std::to_string(v)); }
  void boolean(const std::string &key, bool v) { add(key, v ? "true" : "false"); }
  std::string text() const { return "{" + text_ + "}"; }

private:
  static std::string quote(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') { out += '\\'; out += c; }
      else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else out += c;
    }
    return out + "\"";
  }
  std::string text_;
};

/// Median and minimum of event timings.
struct Timing {
  double medianMs = 0, minMs = 0;
  int sets = 0;
};

/// Times `launchSet(i)` (which launches with input set i % sets) with CUDA
/// events: `warmup` untimed launches, then `reps` timed ones, each behind a
/// ~100 us GPU spin so that host launch latency stays out of the span.
template <typename LaunchFn>
Timing timeLaunches(LaunchFn launchSet, int sets, int warmup, int reps) {
  GpuSpinner spinner;
  CUevent start, stop;
  check(cuEventCreate(&start, CU_EVENT_DEFAULT), "cuEventCreate");
  check(cuEventCreate(&stop, CU_EVENT_DEFAULT), "cuEventCreate");
  for (int i = 0; i < warmup; ++i)
    launchSet(i % sets);
  check(cuCtxSynchronize(), "warm-up");
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    spinner.spin(200000);
    check(cuEventRecord(start, nullptr), "cuEventRecord");
    launchSet((warmup + i) % sets);
    check(cuEventRecord(stop, nullptr), "cuEventRecord");
    check(cuEventSynchronize(stop), "cuEventSynchronize (timed launch)");
    float t = 0;
    check(cuEventElapsedTime(&t, start, stop), "cuEventElapsedTime");
    ms.push_back(t);
  }
  cuEventDestroy(start);
  cuEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  Timing r;
  r.minMs = ms.front();
  r.medianMs = ms.size() % 2 ? ms[ms.size() / 2]
                             : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  r.sets = sets;
  return r;
}

/// How many distinct input sets to rotate through while timing: enough that
/// they total >= 256 MiB (five times the H100's L2) where memory allows.
int timingSets(size_t setBytes, int reps) {
  const size_t target = 256ull << 20, cap = 8ull << 30;
  size_t sets = (target + setBytes - 1) / std::max<size_t>(setBytes, 1);
  sets = std::max<size_t>(sets, 2);
  sets = std::min<size_t>(sets, static_cast<size_t>(std::max(reps, 2)));
  while (sets > 2 && sets * setBytes > cap)
    --sets;
  return static_cast<int>(sets);
}

std::vector<uint8_t> randomBytes(Rng &rng, size_t count) {
  std::vector<uint8_t> v(count);
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    uint64_t x = rng.next();
    std::memcpy(&v[i], &x, 8);
  }
  for (; i < count; ++i)
    v[i] = static_cast<uint8_t>(rng.next());
  return v;
}

std::vector<float> randomScales(Rng &rng, size_t count) {
  std::vector<float> v(count);
  for (float &s : v)
    s = 0.001f + 0.02f * rng.uniform(); // positive, O(1e-2)
  return v;
}

void writeJson(const Options &o, const std::string &line) {
  std::printf("RESULT %s\n", line.c_str());
  if (!o.jsonPath.empty()) {
    std::ofstream out(o.jsonPath, std::ios::app);
    out << line << "\n";
  }
}

//===--- Matmul -----------------------------------------------------------===//

int runMatmul(const Options &o, Module &module, const KernelInfo &info,
              const Context &ctx) {
  const int64_t m = o.m, n = info.n, k = info.k;
  const int64_t ga = info.effAGroup(), gw = info.effWGroup();
  ElemType out;
  if (!parseElemType(info.outType, out) || out == ElemType::BF16)
    throw Error("unsupported out_type " + info.outType);
  CUfunction f = module.function(info);
  LaunchDims dims = computeLaunch(info, m);
  std::printf("kernel %s: matmul n=%" PRId64 " k=%" PRId64 " a_group=%" PRId64
              " w_group=%" PRId64 " out=%s, M=%" PRId64 "\n",
              info.name.c_str(), n, k, ga, gw, info.outType.c_str(), m);
  std::printf("launch: grid (%u, %u, %u) block (%u, %u, %u) dynamic shared %u B%s\n",
              dims.grid[0], dims.grid[1], dims.grid[2], dims.block[0],
              dims.block[1], dims.block[2], dims.sharedBytes,
              module.loadedCubin() ? "" : " (PTX JIT)");

  // Operands: INT4 uniform over -8..7 (a random byte is two such nibbles).
  Rng rng(o.seed);
  std::vector<uint8_t> aPacked = randomBytes(rng, m * k / 2);
  std::vector<uint8_t> wPacked = randomBytes(rng, n * k / 2);
  std::vector<float> sa = randomScales(rng, m * (k / ga));
  std::vector<float> sw = randomScales(rng, n * (k / gw));
  const size_t outBytes = elemBytes(out);
  // Kernels of plan path s8_wgmma_wreg take the activations as INT8
  // containers (AC) with their TMA tensor map (ACMAP) instead of packed.
  const bool containers = info.takesContainers();
  auto activationBytes = [&](const std::vector<uint8_t> &packed) {
    if (!containers)
      return packed;
    std::vector<int8_t> values(m * k);
    unpackInt4(packed.data(), m, k, values.data());
    std::vector<uint8_t> bytes(m * k);
    packContainers(values.data(), m, k, bytes.data());
    return bytes;
  };
  const std::vector<uint8_t> aBytes = activationBytes(aPacked);

  DeviceBuffer dA(aBytes.size()), dW(wPacked.size()),
      dSA(sa.size() * 4), dSW(sw.size() * 4), dC(m * n * outBytes);
  dA.upload(aBytes.data(), aBytes.size());
  dW.upload(wPacked.data(), wPacked.size());
  dSA.upload(sa.data(), sa.size() * 4);
  dSW.upload(sw.data(), sw.size() * 4);
  dC.fill(0xFF); // NaN in f16 and f32: shows unwritten outputs

  KernelArgs args;
  args.sa = dSA.ptr(); args.w = dW.ptr();
  args.sw = dSW.ptr(); args.c = dC.ptr();
  DeviceBuffer dMap;
  if (containers) {
    dMap = containerTensorMap(dA.ptr(), m, k, info.rowsPerCta());
    args.ac = dA.ptr();
    args.acMap = dMap.ptr();
  } else {
    args.a = dA.ptr();
  }
  launch(f, info, m, args);
  check(cuCtxSynchronize(), "kernel execution");

  std::vector<uint8_t> cRaw(m * n * outBytes);
  dC.download(cRaw.data(), cRaw.size());
  std::vector<float> got(m * n);
  int64_t unwritten = 0;
  for (int64_t i = 0; i < m * n; ++i) {
    got[i] = loadElem(cRaw.data(), out, i);
    unwritten += !std::isfinite(got[i]);
  }

  JsonLine result;
  result.str("device", ctx.deviceName());
  result.str("manifest", o.manifest);
  result.str("kernel", info.name);
  result.str("kind", "matmul");
  result.integer("m", m);
  result.integer("n", n);
  result.integer("k", k);
  result.integer("a_group", ga);
  result.integer("w_group", gw);
  result.str("out_type", info.outType);
  result.integer("seed", static_cast<int64_t>(o.seed));
  result.integer("nonfinite_outputs", unwritten);
  result.boolean("containers", containers);

  bool ok = true;
  if (o.check) {
    std::vector<int64_t> rows;
    int64_t want = o.checkRows;
    if (want < 0) // auto: every row when cheap, else a sample
      want = (static_cast<double>(m) * n * k <= 8.6e9) ? 0 : 256;
    if (want == 0 || want >= m) {
      for (int64_t r = 0; r < m; ++r)
        rows.push_back(r);
    } else {
      std::set<int64_t> chosen;
      for (int64_t r = 0; r < std::min<int64_t>(want / 4, m); ++r) {
        chosen.insert(r);          // the first rows
        chosen.insert(m - 1 - r);  // the last rows (M tail)
      }
      Rng pick(o.seed ^ 0x5EED);
      while (static_cast<int64_t>(chosen.size()) < want)
        chosen.insert(static_cast<int64_t>(pick.next() % m));
      rows.assign(chosen.begin(), chosen.end());
    }
    std::vector<int8_t> aVals(m * k), wVals(n * k);
    unpackInt4(aPacked.data(), m, k, aVals.data());
    unpackInt4(wPacked.data(), n, k, wVals.data());
    std::vector<float> ref(rows.size() * n), gotRows(rows.size() * n),
        reorder(rows.size() * n);
    referenceMatmul(aVals.data(), sa.data(), wVals.data(), sw.data(), n, k, ga,
                    gw, rows, ref.data(), std::thread::hardware_concurrency(),
                    reorder.data());
    for (size_t i = 0; i < rows.size(); ++i)
      std::copy(got.begin() + rows[i] * n, got.begin() + (rows[i] + 1) * n,
                gotRows.begin() + i * n);
    CompareStats stats;
    compareOutputs(gotRows.data(), ref.data(), static_cast<int64_t>(gotRows.size()),
                   out, stats, reorder.data());
    ok = stats.failures == 0 && unwritten == 0;
    std::printf("check: %s  rows %s (%zu of %" PRId64 "), %" PRId64
                " outputs compared, %" PRId64 " outside tolerance, %" PRId64
                " non-finite in the whole output\n",
                ok ? "PASS" : "FAIL", rows.size() == static_cast<size_t>(m) ? "all" : "sampled",
                rows.size(), m, stats.checked, stats.failures, unwritten);
    std::printf("       max abs err %.3g, max rel err %.3g, max err/tol %.3f "
                "(tol: %s + f32 reorder bound); %" PRId64
                " outside the strict tolerance without the reorder bound\n",
                stats.maxAbsErr, stats.maxRelErr, stats.maxErrOverTol,
                out == ElemType::F16 ? "ulp_f16(ref) + 1e-7" : "1e-5*|ref|",
                stats.strictOutside);
    if (stats.failures) {
      int64_t i = stats.firstBadIndex;
      std::printf("       first bad: row %" PRId64 " col %" PRId64
                  ": got %.9g, reference %.9g\n",
                  rows[i / n], i % n, stats.firstBadGot, stats.firstBadRef);
    }
    result.boolean("ok", ok);
    result.integer("rows_checked", static_cast<int64_t>(rows.size()));
    result.integer("outside_tolerance", stats.failures);
    result.num("max_abs_err", stats.maxAbsErr);
    result.num("max_rel_err", stats.maxRelErr);
    result.num("max_err_over_tol", stats.maxErrOverTol);
    result.integer("outside_strict_tolerance", stats.strictOutside);
  } else if (unwritten) {
    std::printf("warning: %" PRId64 " outputs are NaN/Inf (unwritten?)\n", unwritten);
  }

  if (o.time) {
    const size_t setBytes = aBytes.size() + wPacked.size() + 4 * (sa.size() + sw.size());
    int sets = timingSets(setBytes, o.reps);
    struct Set { DeviceBuffer a, w, sa, sw, map; };
    std::vector<Set> pool;
    pool.reserve(sets);
    pool.push_back({std::move(dA), std::move(dW), std::move(dSA), std::move(dSW),
                    std::move(dMap)});
    for (int s = 1; s < sets; ++s) {
      Set set{DeviceBuffer(aBytes.size()), DeviceBuffer(wPacked.size()),
              DeviceBuffer(sa.size() * 4), DeviceBuffer(sw.size() * 4), DeviceBuffer()};
      std::vector<uint8_t> bytes = activationBytes(randomBytes(rng, aPacked.size()));
      set.a.upload(bytes.data(), bytes.size());
      if (containers)
        set.map = containerTensorMap(set.a.ptr(), m, k, info.rowsPerCta());
      bytes = randomBytes(rng, wPacked.size());
      set.w.upload(bytes.data(), bytes.size());
      std::vector<float> s1 = randomScales(rng, sa.size()), s2 = randomScales(rng, sw.size());
      set.sa.upload(s1.data(), s1.size() * 4);
      set.sw.upload(s2.data(), s2.size() * 4);
      pool.push_back(std::move(set));
    }
    Timing t = timeLaunches(
        [&](int s) {
          KernelArgs a = args;
          if (containers) {
            a.ac = pool[s].a.ptr();
            a.acMap = pool[s].map.ptr();
          } else {
            a.a = pool[s].a.ptr();
          }
          a.w = pool[s].w.ptr();
          a.sa = pool[s].sa.ptr(); a.sw = pool[s].sw.ptr();
          launch(f, info, m, a);
        },
        sets, o.warmup, o.reps);
    const double ops = 2.0 * m * n * k;
    const double bytes = static_cast<double>(setBytes) + static_cast<double>(m * n * outBytes);
    const double tops = ops / (t.medianMs * 1e-3) / 1e12;
    const double gbs = bytes / (t.medianMs * 1e-3) / 1e9;
    std::printf("time: median %.4f ms (min %.4f) over %d launches after %d warm-up, "
                "%d input sets; %.1f TOPS; %.0f GB/s on packed bytes\n",
                t.medianMs, t.minMs, o.reps, o.warmup, t.sets, tops, gbs);
    result.num("median_ms", t.medianMs);
    result.num("min_ms", t.minMs);
    result.integer("reps", o.reps);
    result.integer("warmup", o.warmup);
    result.integer("input_sets", t.sets);
    result.num("tops", tops);
    result.num("gbps", gbs);
  }
  writeJson(o, result.text());
  return ok ? 0 : 1;
}

//===--- Quantize ---------------------------------------------------------===//

int runQuantize(const Options &o, Module &module, const KernelInfo &info,
                const Context &ctx) {
  const int64_t m = o.m, k = info.k, g = info.effGroup();
  ElemType in;
  if (!parseElemType(info.inType, in))
    throw Error("unsupported in_type " + info.inType);
  CUfunction f = module.function(info);
  LaunchDims dims = computeLaunch(info, m);
  std::printf("kernel %s: quantize k=%" PRId64 " group=%" PRId64 "%s in=%s, M=%" PRId64 "\n",
              info.name.c_str(), k, g, info.group <= 0 ? " (per-channel)" : "",
              info.inType.c_str(), m);
  std::printf("launch: grid (%u, %u, %u) block (%u, %u, %u) dynamic shared %u B%s\n",
              dims.grid[0], dims.grid[1], dims.grid[2], dims.block[0],
              dims.block[1], dims.block[2], dims.sharedBytes,
              module.loadedCubin() ? "" : " (PTX JIT)");

  Rng rng(o.seed);
  const size_t inBytes = elemBytes(in);
  auto makeInput = [&](bool edgeCases) {
    std::vector<uint8_t> x(m * k * inBytes);
    for (int64_t i = 0; i < m * k; ++i)
      storeElem(x.data(), in, i, 3.0f * rng.normal());
    if (!edgeCases)
      return x;
    // A zero group, a NaN, +Inf, -Inf, exact halfway points (RNE), and tiny
    // values.
    for (int64_t t = 0; t < g; ++t)
      storeElem(x.data(), in, t, 0.0f);
    if (m > 1) storeElem(x.data(), in, 1 * k + 3, NAN);
    if (m > 2) storeElem(x.data(), in, 2 * k + 5, INFINITY);
    if (m > 4) storeElem(x.data(), in, 4 * k + 7, -INFINITY);
    if (m > 3) {
      int64_t base = 3 * k + (2 * g <= k ? g : 0);
      // -7, -6.5, ..., 7 cycling: amax 7 gives scale 1 exactly, so the
      // half-integers are exact ties for round-to-nearest-even.
      for (int64_t t = 0; t < g; ++t)
        storeElem(x.data(), in, base + t, std::fmod(0.5f * t, 14.5f) - 7.0f);
    }
    if (m > 5)
      for (int64_t t = 0; t < g; ++t)
        storeElem(x.data(), in, 5 * k + t, 1e-6f * rng.normal());
    return x;
  };
  std::vector<uint8_t> x = makeInput(true);
  // Kernels feeding s8_wgmma_wreg matmuls write INT8 containers (QC,
  // M x K bytes) instead of packed INT4 (Q, M x K/2).
  const bool containers = info.hasParam("QC");
  const int64_t outBytes = containers ? m * k : m * k / 2;
  DeviceBuffer dX(x.size()), dQ(outBytes), dS(m * (k / g) * 4);
  dX.upload(x.data(), x.size());
  dQ.fill(0xAB);
  dS.fill(0xFF);
  KernelArgs args;
  args.x = dX.ptr(); args.s = dS.ptr();
  (containers ? args.qc : args.q) = dQ.ptr();
  launch(f, info, m, args);
  check(cuCtxSynchronize(), "kernel execution");

  JsonLine result;
  result.str("device", ctx.deviceName());
  result.str("manifest", o.manifest);
  result.str("kernel", info.name);
  result.str("kind", "quantize");
  result.integer("m", m);
  result.integer("k", k);
  result.integer("group", g);
  result.str("in_type", info.inType);
  result.integer("seed", static_cast<int64_t>(o.seed));
  result.boolean("containers", containers);

  bool ok = true;
  if (o.check || o.quantize) {
    std::vector<uint8_t> q(outBytes);
    std::vector<float> s(m * (k / g));
    dQ.download(q.data(), q.size());
    dS.download(s.data(), s.size() * 4);
    std::vector<float> row(k);
    std::vector<int8_t> refQ(m * k);
    std::vector<float> refS(m * (k / g));
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t t = 0; t < k; ++t)
        row[t] = loadElem(x.data(), in, r * k + t);
      referenceQuantizeRow(row.data(), k, g, refQ.data() + r * k,
                           refS.data() + r * (k / g));
    }
    std::vector<uint8_t> refPacked(outBytes);
    if (containers)
      packContainers(refQ.data(), m, k, refPacked.data());
    else
      packInt4(refQ.data(), m, k, refPacked.data());
    const int64_t rowBytes = outBytes / m;
    int64_t badBytes = 0, badScales = 0, firstByte = -1, firstScale = -1;
    for (size_t i = 0; i < q.size(); ++i)
      if (q[i] != refPacked[i]) {
        if (firstByte < 0) firstByte = static_cast<int64_t>(i);
        ++badBytes;
      }
    for (size_t i = 0; i < s.size(); ++i)
      if (std::memcmp(&s[i], &refS[i], 4) != 0) {
        if (firstScale < 0) firstScale = static_cast<int64_t>(i);
        ++badScales;
      }
    ok = badBytes == 0 && badScales == 0;
    std::printf("check: %s  packed bytes %zu, %" PRId64 " differ; scales %zu, %" PRId64
                " differ (bitwise)\n",
                ok ? "PASS" : "FAIL", q.size(), badBytes, s.size(), badScales);
    if (firstByte >= 0)
      std::printf("       first packed mismatch: row %" PRId64 " byte %" PRId64
                  ": got 0x%02x, reference 0x%02x\n",
                  firstByte / rowBytes, firstByte % rowBytes, q[firstByte],
                  refPacked[firstByte]);
    if (firstScale >= 0)
      std::printf("       first scale mismatch: row %" PRId64 " group %" PRId64
                  ": got %.9g, reference %.9g\n",
                  firstScale / (k / g), firstScale % (k / g), s[firstScale],
                  refS[firstScale]);
    result.boolean("ok", ok);
    result.integer("packed_mismatches", badBytes);
    result.integer("scale_mismatches", badScales);
  }

  if (o.time) {
    const size_t setBytes = x.size();
    int sets = timingSets(setBytes, o.reps);
    std::vector<DeviceBuffer> pool;
    pool.push_back(std::move(dX));
    for (int s = 1; s < sets; ++s) {
      std::vector<uint8_t> xs = makeInput(false);
      DeviceBuffer b(xs.size());
      b.upload(xs.data(), xs.size());
      pool.push_back(std::move(b));
    }
    Timing t = timeLaunches(
        [&](int s) {
          KernelArgs a = args;
          a.x = pool[s].ptr();
          launch(f, info, m, a);
        },
        sets, o.warmup, o.reps);
    const double bytes = static_cast<double>(x.size() + outBytes + 4 * m * (k / g));
    const double gbs = bytes / (t.medianMs * 1e-3) / 1e9;
    std::printf("time: median %.4f ms (min %.4f) over %d launches after %d warm-up, "
                "%d input sets; %.0f GB/s\n",
                t.medianMs, t.minMs, o.reps, o.warmup, t.sets, gbs);
    result.num("median_ms", t.medianMs);
    result.num("min_ms", t.minMs);
    result.integer("reps", o.reps);
    result.integer("input_sets", t.sets);
    result.num("gbps", gbs);
  }
  writeJson(o, result.text());
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  try {
    Manifest manifest = Manifest::load(o.manifest);
    if (o.list) {
      for (const KernelInfo &k : manifest.kernels)
        std::printf("%s\t%s\tn=%" PRId64 " k=%" PRId64 "\n", k.name.c_str(),
                    k.kind.c_str(), k.n, k.k);
      return 0;
    }
    const KernelInfo &info = manifest.kernel(o.kernel);
    if (o.quantize && !info.isQuantize())
      throw Error("--quantize given but kernel " + info.name + " is a " + info.kind);
    Context ctx(o.device);
    std::printf("apex4-run: %s (sm_%d), manifest %s (target %s, chip %s)\n",
                ctx.deviceName().c_str(), ctx.computeCapability(),
                o.manifest.c_str(), manifest.target.c_str(), manifest.chip.c_str());
    Module module(manifest);
    return info.isMatmul() ? runMatmul(o, module, info, ctx)
                           : runQuantize(o, module, info, ctx);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "apex4-run: error: %s\n", e.what());
    return 2;
  }
}
