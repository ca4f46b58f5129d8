//===- calibrate.cu - per-SM instruction rates for the rho cost model -------===//
//
// Measures, on the GPU it runs on, the per-SM-per-clock rates the cost model
// reads from a target description (targets/*.json), and writes a complete
// description:
//
//   tensor cores : mma.sync m16n8k64 s4, m16n8k32 s8, m16n8k16 f16 (f32 acc)
//   CUDA cores   : FFMA, FMUL, FADD, I2F (cvt.rn.f32.s32), IADD, LOP3, PRMT
//   memory       : device-to-device copy bandwidth (read + write bytes)
//   overlap      : how much of a per-group dequantization phase (I2F or the
//                  magic conversion, scale multiplies) hides behind the MMAs
//                  of the warps and CTAs beside it, in a lock-stepped loop
//                  shaped like apex4's main loop (docs/cost-model.md)
//
// Every rate is (operations executed by one CTA) / (SM clocks that CTA took,
// read with clock64). Each CTA asks for more than half of the SM's shared
// memory, so no two CTAs share an SM and the clocks of one CTA are the clocks
// of its SM. Wall-clock times (CUDA events) give the effective clock.
//
// Usage: apex4-calibrate <name> > target.json   (human-readable log on stderr)
//
//===----------------------------------------------------------------------===//

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define CHECK(call)                                                            \
  do {                                                                         \
    cudaError_t err_ = (call);                                                 \
    if (err_ != cudaSuccess) {                                                 \
      std::fprintf(stderr, "apex4-calibrate: %s: %s\n", #call,                 \
                   cudaGetErrorString(err_));                                  \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

namespace {

/// Records the SM clocks a CTA spent in its loop.
struct ClockScope {
  long long *out;
  long long start;
  __device__ explicit ClockScope(long long *out) : out(out) {
    __syncthreads();
    start = clock64();
  }
  __device__ ~ClockScope() {
    __syncthreads();
    if (threadIdx.x == 0)
      out[blockIdx.x] = clock64() - start;
  }
};

//===-- Tensor-core throughput ---------------------------------------------===//

/// Eight independent accumulators per warp hide the MMA latency.
constexpr int kMmaChains = 8;

__device__ __forceinline__ void mmaS8(int (&d)[4], const unsigned (&a)[4],
                                      const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}

__device__ __forceinline__ void mmaS4(int (&d)[4], const unsigned (&a)[4],
                                      const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k64.row.col.s32.s4.s4.s32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}

__device__ __forceinline__ void mmaF16(float (&d)[4], const unsigned (&a)[4],
                                       const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
               "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}

enum class MmaKind { S4, S8, F16 };

template <MmaKind Kind>
__global__ void mmaLoop(int iters, unsigned seed, long long *clocks,
                        unsigned *sink) {
  unsigned a[4], b[2];
  for (int i = 0; i < 4; ++i)
    a[i] = seed * (threadIdx.x + 3 * i + 1);
  for (int i = 0; i < 2; ++i)
    b[i] = seed ^ (threadIdx.x * 7 + i);
  int di[kMmaChains][4] = {};
  float df[kMmaChains][4] = {};
  {
    ClockScope scope(clocks);
    for (int it = 0; it < iters; ++it) {
#pragma unroll
      for (int c = 0; c < kMmaChains; ++c) {
        if constexpr (Kind == MmaKind::S4)
          mmaS4(di[c], a, b);
        else if constexpr (Kind == MmaKind::S8)
          mmaS8(di[c], a, b);
        else
          mmaF16(df[c], a, b);
      }
    }
  }
  unsigned acc = 0;
  for (int c = 0; c < kMmaChains; ++c)
    for (int i = 0; i < 4; ++i)
      acc += unsigned(di[c][i]) + __float_as_uint(df[c][i]);
  if (acc == 0x12345678u)
    sink[0] = acc;
}

//===-- CUDA-core throughput -----------------------------------------------===//

enum class AluKind { Ffma, Fmul, Fadd, I2f, Iadd, Lop3, Prmt };

/// Independent dependency chains per thread.
constexpr int kAluChains = 8;
/// Instructions per chain per loop iteration.
constexpr int kAluUnroll = 16;

/// One instruction of `Kind` per chain step; integer chains feed on each
/// other so the assembler cannot fold repeated steps.
template <AluKind Kind>
__device__ __forceinline__ void aluStep(float (&f)[kAluChains],
                                        unsigned (&u)[kAluChains], float fa,
                                        float fb, unsigned ua) {
#pragma unroll
  for (int c = 0; c < kAluChains; ++c) {
    if constexpr (Kind == AluKind::Ffma)
      asm volatile("fma.rn.f32 %0, %0, %1, %2;" : "+f"(f[c]) : "f"(fa), "f"(fb));
    else if constexpr (Kind == AluKind::Fmul)
      asm volatile("mul.rn.f32 %0, %0, %1;" : "+f"(f[c]) : "f"(fa));
    else if constexpr (Kind == AluKind::Fadd)
      asm volatile("add.rn.f32 %0, %0, %1;" : "+f"(f[c]) : "f"(fb));
    else if constexpr (Kind == AluKind::I2f)
      // The float's bits feed the next convert: a chain of I2F alone.
      asm volatile("{.reg .f32 t; cvt.rn.f32.s32 t, %0; mov.b32 %0, t;}"
                   : "+r"(u[c]));
    else if constexpr (Kind == AluKind::Iadd)
      asm volatile("add.s32 %0, %0, %1;" : "+r"(u[c]) : "r"(u[(c + 1) % kAluChains]));
    else if constexpr (Kind == AluKind::Lop3)
      asm volatile("lop3.b32 %0, %0, %1, %2, 0x96;"
                   : "+r"(u[c])
                   : "r"(u[(c + 1) % kAluChains]), "r"(ua));
    else
      asm volatile("prmt.b32 %0, %0, %1, 0x6273;"
                   : "+r"(u[c])
                   : "r"(u[(c + 1) % kAluChains]));
  }
}

template <AluKind Kind>
__global__ void aluLoop(int iters, unsigned seed, long long *clocks,
                        unsigned *sink) {
  float f[kAluChains];
  unsigned u[kAluChains];
  for (int c = 0; c < kAluChains; ++c) {
    f[c] = 1.0f + 1e-3f * float(threadIdx.x + c);
    u[c] = seed * (threadIdx.x + c + 1);
  }
  float fa = 0.9999999f, fb = 1e-7f;
  unsigned ua = seed | 1u;
  {
    ClockScope scope(clocks);
    for (int it = 0; it < iters; ++it) {
#pragma unroll
      for (int s = 0; s < kAluUnroll; ++s)
        aluStep<Kind>(f, u, fa, fb, ua);
    }
  }
  unsigned acc = 0;
  for (int c = 0; c < kAluChains; ++c)
    acc += u[c] + __float_as_uint(f[c]);
  if (acc == 0x12345678u)
    sink[0] = acc;
}

//===-- The main loop: MMAs, then a per-group dequantization phase ---------===//

/// A 64x32 warp tile: 4 x 4 fragments of m16n8, 4 outputs per thread each.
constexpr int kFragments = 16;
/// Group size 128 on s8 m16n8k32: 4 MMAs per fragment per group.
constexpr int kMmasPerGroup = 4;

enum class Dequant { None, Cvt, Magic };

/// `DoMma`: run the group's MMAs; `Kind`: the group-end conversion. Warps of a
/// CTA meet at a barrier every group, as in a cp.async-pipelined kernel.
template <bool DoMma, Dequant Kind>
__global__ void mainLoop(int groups, unsigned seed, long long *clocks,
                         unsigned *sink) {
  extern __shared__ float scales[];
  // Per group: one scale per row of A (64) and per row of W (32) this warp
  // covers; the table repeats every 16 groups.
  for (int i = threadIdx.x; i < 16 * 96; i += blockDim.x)
    scales[i] = 1.0f + 1e-3f * float(i % 97);
  // Distinct operands and sums per fragment: with identical ones the
  // assembler merges the fragments' MMAs and conversions.
  unsigned a[4], b[kFragments][2];
  for (int i = 0; i < 4; ++i)
    a[i] = seed * (threadIdx.x + 3 * i + 1);
  int isum[kFragments][4];
  float acc[kFragments][4] = {};
  for (int f = 0; f < kFragments; ++f) {
    for (int i = 0; i < 2; ++i)
      b[f][i] = seed ^ (threadIdx.x * 7 + 131 * f + i);
    for (int i = 0; i < 4; ++i)
      isum[f][i] = int(seed * (threadIdx.x + 4 * f + i + 1)) >> 12;
  }
  int lane = threadIdx.x % 32;
  {
    ClockScope scope(clocks);
    for (int g = 0; g < groups; ++g) {
      if constexpr (DoMma) {
#pragma unroll
        for (int s = 0; s < kMmasPerGroup; ++s)
#pragma unroll
          for (int f = 0; f < kFragments; ++f)
            mmaS8(isum[f], a, b[f]);
      }
      if constexpr (Kind != Dequant::None) {
        const float *sa = scales + (g % 16) * 96 + lane / 4;
        const float *sw = scales + (g % 16) * 96 + 64 + 2 * (lane % 4);
#pragma unroll
        for (int f = 0; f < kFragments; ++f) {
          int fm = f / 4, fn = f % 4;
#pragma unroll
          for (int i = 0; i < 4; ++i) {
            // Without MMAs the sums must still change per group: one
            // extra LOP3 per output in the dequantization-only variant.
            int sum = DoMma ? isum[f][i] : isum[f][i] ^ g;
            float x;
            if constexpr (Kind == Dequant::Cvt) {
              x = float(sum);
            } else {
              // 0x4B400000 = 1.5 * 2^23: exact for |sum| < 2^22.
              x = __int_as_float(sum + 0x4B400000) - 12582912.0f;
            }
            float p = sa[16 * fm + 8 * (i / 2)] * sw[8 * fn + (i % 2)];
            acc[f][i] = __fadd_rn(acc[f][i], __fmul_rn(x, p));
            if (DoMma)
              isum[f][i] = 0; // the next group starts from zero
          }
        }
      }
      __syncthreads();
    }
  }
  unsigned total = 0;
  for (int f = 0; f < kFragments; ++f)
    for (int i = 0; i < 4; ++i)
      total += unsigned(isum[f][i]) + __float_as_uint(acc[f][i]);
  if (total == 0x12345678u)
    sink[0] = total;
}

//===-- Memory -------------------------------------------------------------===//

__global__ void copyKernel(const int4 *__restrict__ in, int4 *__restrict__ out,
                           size_t count) {
  size_t stride = size_t(gridDim.x) * blockDim.x;
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride)
    out[i] = in[i];
}

//===-- Harness ------------------------------------------------------------===//

struct Run {
  double perSmPerClock; // operations per SM per clock (median CTA)
  double seconds;       // wall time of the launch
  double clockGHz;      // median CTA clocks over wall time
};

struct Harness {
  cudaDeviceProp prop{};
  long long *clocks = nullptr;
  unsigned *sink = nullptr;
  cudaEvent_t begin{}, end{};

  Harness() {
    CHECK(cudaGetDeviceProperties(&prop, 0));
    CHECK(cudaMalloc(&clocks, sizeof(long long) * 4 * prop.multiProcessorCount));
    CHECK(cudaMalloc(&sink, sizeof(unsigned)));
    CHECK(cudaEventCreate(&begin));
    CHECK(cudaEventCreate(&end));
  }

  /// Shared memory that leaves room for `perSm` CTAs on one SM, no more.
  size_t reserveFor(int perSm) const {
    size_t total = prop.sharedMemPerMultiprocessor;
    size_t perCta = total / perSm - 2048;
    return std::min(perCta, size_t(prop.sharedMemPerBlockOptin));
  }

  /// Launches `kernel` on `perSm` CTAs per SM; `opsPerCta` is the work of
  /// one CTA, counted as the caller defines operations.
  template <typename Kernel>
  Run launch(Kernel kernel, int threads, int iters, double opsPerCta,
             int perSm = 1) {
    int ctas = prop.multiProcessorCount * perSm;
    size_t shared = reserveFor(perSm);
    CHECK(cudaFuncSetAttribute(kernel,
                               cudaFuncAttributeMaxDynamicSharedMemorySize,
                               int(shared)));
    kernel<<<ctas, threads, shared>>>(std::max(1, iters / 10), 0x9E3779B9u,
                                      clocks, sink); // warm-up
    CHECK(cudaGetLastError());
    CHECK(cudaEventRecord(begin));
    kernel<<<ctas, threads, shared>>>(iters, 0x9E3779B9u, clocks, sink);
    CHECK(cudaEventRecord(end));
    CHECK(cudaEventSynchronize(end));
    CHECK(cudaGetLastError());
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, begin, end));
    std::vector<long long> host(ctas);
    CHECK(cudaMemcpy(host.data(), clocks, sizeof(long long) * ctas,
                     cudaMemcpyDeviceToHost));
    std::sort(host.begin(), host.end());
    double median = double(host[ctas / 2]);
    Run run;
    // perSm CTAs share the SM: the SM did perSm CTAs' work in that time.
    run.perSmPerClock = opsPerCta * perSm / median;
    run.seconds = ms * 1e-3;
    run.clockGHz = double(host.back()) / run.seconds * 1e-9;
    return run;
  }
};

void report(const char *what, const Run &run, const char *unit) {
  std::fprintf(stderr, "%-34s %10.1f %s per SM per clock   (%.3f ms, %.2f GHz)\n",
               what, run.perSmPerClock, unit, run.seconds * 1e3, run.clockGHz);
}

} // namespace

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "measured";
  Harness h;
  const cudaDeviceProp &p = h.prop;
  std::fprintf(stderr, "device: %s, sm_%d%d, %d SMs, %zu KB shared per SM, "
               "%d registers per SM\n",
               p.name, p.major, p.minor, p.multiProcessorCount,
               p.sharedMemPerMultiprocessor / 1024, p.regsPerMultiprocessor);

  // Tensor cores: 16 warps x 8 chains; ops = 2*M*N*K per MMA per warp.
  const int mmaThreads = 512, mmaIters = 16384;
  double warps = mmaThreads / 32.0;
  auto mmaOps = [&](double opsPerMma) {
    return warps * kMmaChains * mmaIters * opsPerMma;
  };
  Run s4 = h.launch(mmaLoop<MmaKind::S4>, mmaThreads, mmaIters / 8,
                    mmaOps(2.0 * 16 * 8 * 64) / 8);
  Run s8 = h.launch(mmaLoop<MmaKind::S8>, mmaThreads, mmaIters,
                    mmaOps(2.0 * 16 * 8 * 32));
  Run f16 = h.launch(mmaLoop<MmaKind::F16>, mmaThreads, mmaIters,
                     mmaOps(2.0 * 16 * 8 * 16));
  report("mma.sync m16n8k64 s4", s4, "ops");
  report("mma.sync m16n8k32 s8", s8, "ops");
  report("mma.sync m16n8k16 f16 (f32 acc)", f16, "ops");

  // CUDA cores: 32 warps x 8 chains x 16 steps; thread-instructions.
  const int aluThreads = 1024, aluIters = 2048;
  double aluOps = double(aluThreads) * kAluChains * kAluUnroll * aluIters;
  struct {
    const char *key;
    Run run;
  } alu[] = {
      {"ffma", h.launch(aluLoop<AluKind::Ffma>, aluThreads, aluIters, aluOps)},
      {"fmul", h.launch(aluLoop<AluKind::Fmul>, aluThreads, aluIters, aluOps)},
      {"fadd", h.launch(aluLoop<AluKind::Fadd>, aluThreads, aluIters, aluOps)},
      {"i2f", h.launch(aluLoop<AluKind::I2f>, aluThreads, aluIters / 4,
                       aluOps / 4)},
      {"iadd", h.launch(aluLoop<AluKind::Iadd>, aluThreads, aluIters, aluOps)},
      {"lop3", h.launch(aluLoop<AluKind::Lop3>, aluThreads, aluIters, aluOps)},
      {"prmt", h.launch(aluLoop<AluKind::Prmt>, aluThreads, aluIters, aluOps)},
  };
  for (const auto &a : alu)
    report(a.key, a.run, "thread-instr");

  // The main loop, lock-stepped by a barrier per group: a CTA of 8 warps
  // (apex4's 128x128 tile of 64x32 warp tiles), a CTA of 4 warps, and two
  // CTAs of 4 warps sharing an SM (their barriers are independent). Times
  // are one CTA's SM clocks per group.
  const int groups = 4096;
  struct LoopRow {
    int threads, perSm, resident;
    double mma, cvt, magic, mmaCvt, mmaMagic;
    double overlapCvt, overlapMagic;
  };
  // The fraction of the shorter phase hidden behind the longer one.
  auto overlap = [](double a, double b, double both) {
    return std::clamp((a + b - both) / std::min(a, b), 0.0, 1.0);
  };
  std::vector<LoopRow> loops;
  const std::pair<int, int> layouts[] = {{256, 1}, {128, 1}, {128, 2}};
  for (const std::pair<int, int> &layout : layouts) {
    int threads = layout.first, perSm = layout.second;
    LoopRow r{threads, perSm, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(cudaFuncSetAttribute(mainLoop<true, Dequant::Cvt>,
                               cudaFuncAttributeMaxDynamicSharedMemorySize,
                               int(h.reserveFor(perSm))));
    CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &r.resident, mainLoop<true, Dequant::Cvt>, threads,
        h.reserveFor(perSm)));
    if (r.resident < perSm) {
      std::fprintf(stderr, "main loop: %d CTAs of %d threads do not fit on "
                   "one SM; skipped\n", perSm, threads);
      continue;
    }
    auto clocksPerGroup = [&](auto kernel) {
      Run run = h.launch(kernel, threads, groups, groups, perSm);
      return perSm / run.perSmPerClock;
    };
    r.mma = clocksPerGroup(mainLoop<true, Dequant::None>);
    r.cvt = clocksPerGroup(mainLoop<false, Dequant::Cvt>);
    r.magic = clocksPerGroup(mainLoop<false, Dequant::Magic>);
    r.mmaCvt = clocksPerGroup(mainLoop<true, Dequant::Cvt>);
    r.mmaMagic = clocksPerGroup(mainLoop<true, Dequant::Magic>);
    r.overlapCvt = overlap(r.mma, r.cvt, r.mmaCvt);
    r.overlapMagic = overlap(r.mma, r.magic, r.mmaMagic);
    std::fprintf(stderr,
                 "main loop g128, %d CTA(s) of %d threads per SM: CTA clocks "
                 "per group: mma %.0f, dequant cvt %.0f, magic %.0f; mma+cvt "
                 "%.0f, mma+magic %.0f; overlap cvt %.2f, magic %.2f\n",
                 perSm, threads, r.mma, r.cvt, r.magic, r.mmaCvt, r.mmaMagic,
                 r.overlapCvt, r.overlapMagic);
    loops.push_back(r);
  }

  // Memory: copy 1 GiB (read + write bytes over time), best of 3.
  size_t bytes = size_t(1) << 30, count = bytes / sizeof(int4);
  int4 *in = nullptr, *out = nullptr;
  CHECK(cudaMalloc(&in, bytes));
  CHECK(cudaMalloc(&out, bytes));
  CHECK(cudaMemset(in, 1, bytes));
  double best = 1e30;
  for (int rep = 0; rep < 4; ++rep) {
    CHECK(cudaEventRecord(h.begin));
    copyKernel<<<p.multiProcessorCount * 8, 512>>>(in, out, count);
    CHECK(cudaEventRecord(h.end));
    CHECK(cudaEventSynchronize(h.end));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, h.begin, h.end));
    if (rep > 0)
      best = std::min(best, double(ms) * 1e-3);
  }
  double bandwidthGBs = 2.0 * bytes / best * 1e-9;
  std::fprintf(stderr, "device copy: %.0f GB/s (read + write)\n", bandwidthGBs);

  // The clock the tensor-core loops ran at.
  double clockGHz = s8.clockGHz;
  double sms = p.multiProcessorCount;
  auto tera = [&](double perSmPerClock) {
    return perSmPerClock * sms * clockGHz * 1e-3;
  };
  std::fprintf(stderr,
               "at %.2f GHz x %d SMs: s4 %.1f TOPS, s8 %.1f TOPS, f16 %.1f "
               "TFLOPS, FFMA %.1f TFLOPS\n",
               clockGHz, p.multiProcessorCount, tera(s4.perSmPerClock),
               tera(s8.perSmPerClock), tera(f16.perSmPerClock),
               2 * tera(alu[0].run.perSmPerClock));

  // The description, in the schema of targets/*.json.
  std::string chip = "sm_" + std::to_string(p.major) + std::to_string(p.minor) +
                     (p.major == 9 ? "a" : "");
  std::printf("{\n  \"name\": \"%s\",\n  \"chip\": \"%s\",\n", name,
              chip.c_str());
  std::printf("  \"description\": \"%s, measured by apex4-calibrate\",\n",
              p.name);
  std::printf("  \"sm_count\": %d,\n  \"clock_ghz\": %.3f,\n",
              p.multiProcessorCount, clockGHz);
  std::printf("  \"memory_bandwidth_gbs\": %.0f,\n", bandwidthGBs);
  std::printf("  \"shared_memory_per_sm_kb\": %zu,\n",
              p.sharedMemPerMultiprocessor / 1024);
  std::printf("  \"registers_per_sm\": %d,\n", p.regsPerMultiprocessor);
  std::printf("  \"max_threads_per_sm\": %d,\n", p.maxThreadsPerMultiProcessor);
  std::printf("  \"mma_ops_per_clock_per_sm\": {\"s4\": %.1f, \"s8\": %.1f, "
              "\"f16\": %.1f},\n",
              s4.perSmPerClock, s8.perSmPerClock, f16.perSmPerClock);
  std::printf("  \"cuda_core_instructions_per_clock_per_sm\": {");
  for (size_t i = 0; i < sizeof(alu) / sizeof(alu[0]); ++i)
    std::printf("%s\"%s\": %.1f", i ? ", " : "", alu[i].key,
                alu[i].run.perSmPerClock);
  std::printf("},\n");
  std::printf("  \"main_loop_g128\": [");
  for (size_t i = 0; i < loops.size(); ++i) {
    const LoopRow &r = loops[i];
    std::printf("%s\n    {\"threads\": %d, \"ctas_per_sm\": %d, "
                "\"clocks_per_group\": {\"mma\": %.0f, \"cvt\": %.0f, "
                "\"magic\": %.0f, \"mma_cvt\": %.0f, \"mma_magic\": %.0f}, "
                "\"overlap_cvt\": %.3f, \"overlap_magic\": %.3f}",
                i ? "," : "", r.threads, r.perSm, r.mma, r.cvt, r.magic,
                r.mmaCvt, r.mmaMagic, r.overlapCvt, r.overlapMagic);
  }
  std::printf("\n  ]\n}\n");
  return 0;
}
