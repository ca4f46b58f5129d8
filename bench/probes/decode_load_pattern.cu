// Probe: how fast can a decode (M = 1) kernel stream packed INT4 weights,
// depending only on the shape of each warp-wide 16-byte load?
//
// Every variant reads the same N x K/2 bytes once, with the split-K kernel's
// work split (a CTA owns 16 weight rows; its `slices` warps split K), and
// XORs what it loads so that no load is dead. What changes:
//   runs     R: one warp instruction covers R rows x (512 / R) contiguous
//               bytes (R = 8 is the s8 m16n8k32 fragment of the split-K
//               kernel: 8 rows x 64 bytes);
//   unroll   U: loads issued before the first is used;
//   flavour F: 0 ld.global, 1 ld.global.nc,
//              2 ld.global.nc.L1::no_allocate.L2::256B.
// Build and run (on the GPU machine):
//   nvcc -O3 -gencode=arch=compute_90a,code=sm_90a -o probe decode_load_pattern.cu
//   ./probe [N] [K]
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                               \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e), __FILE__, \
                  __LINE__);                                                   \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

template <int F> __device__ __forceinline__ uint4 load16(const void *p) {
  uint4 v;
  if (F == 0)
    asm volatile("ld.global.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  else if (F == 1)
    asm volatile("ld.global.nc.v4.u32 {%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  else
    asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 "
                 "{%0,%1,%2,%3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
  return v;
}

// rowBytes = K / 2. Each warp's slice of a row is rowBytes / slices bytes.
template <int R, int U, int F>
__global__ void stream(const unsigned char *w, long rowBytes, int slices,
                       unsigned *out) {
  constexpr int lanesPerRun = 32 / R, runBytes = 512 / R;
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  long row0 = long(blockIdx.x) * 16;
  long sliceBytes = rowBytes / slices, begin = warp * sliceBytes;
  int runRow = lane / lanesPerRun, laneByte = (lane % lanesPerRun) * 16;
  // Steps: 16 / R row groups x sliceBytes / runBytes column steps.
  long colSteps = sliceBytes / runBytes, steps = (16 / R) * colSteps;
  unsigned acc = 0;
  for (long s = 0; s < steps; s += U) {
    uint4 v[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      long step = s + u < steps ? s + u : steps - 1;
      long row = row0 + (step / colSteps) * R + runRow;
      long byte = begin + (step % colSteps) * runBytes + laneByte;
      v[u] = load16<F>(w + row * rowBytes + byte);
    }
#pragma unroll
    for (int u = 0; u < U; ++u)
      acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
  }
  if (acc == 0x12345678u)
    out[blockIdx.x * blockDim.x + threadIdx.x] = acc;
}

template <int R, int U, int F>
void run(const unsigned char *w, long n, long k, int slices, unsigned *out) {
  long rowBytes = k / 2;
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  std::vector<float> ms;
  for (int rep = 0; rep < 25; ++rep) {
    CHECK(cudaEventRecord(start));
    stream<R, U, F><<<n / 16, 32 * slices>>>(w, rowBytes, slices, out);
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    float t;
    CHECK(cudaEventElapsedTime(&t, start, stop));
    if (rep >= 5)
      ms.push_back(t);
  }
  CHECK(cudaGetLastError());
  std::sort(ms.begin(), ms.end());
  float median = ms[ms.size() / 2];
  std::printf("N=%ld K=%ld runs=%d unroll=%d flavour=%d slices=%2d: %.4f ms "
              "%.0f GB/s\n",
              n, k, R, U, F, slices, median, n * rowBytes / median / 1e6);
}

template <int R> void sweepRuns(const unsigned char *w, long n, long k,
                                unsigned *out) {
  for (int slices : {4, 8, 16}) {
    run<R, 1, 0>(w, n, k, slices, out);
    run<R, 4, 0>(w, n, k, slices, out);
    run<R, 4, 1>(w, n, k, slices, out);
    run<R, 4, 2>(w, n, k, slices, out);
    run<R, 8, 1>(w, n, k, slices, out);
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 28672, k = argc > 2 ? atol(argv[2]) : 8192;
  size_t bytes = size_t(n) * k / 2;
  // The default weights (117 MB) are about twice the L2 (60 MB).
  unsigned char *w;
  unsigned *out;
  CHECK(cudaMalloc(&w, bytes));
  CHECK(cudaMalloc(&out, size_t(n) / 16 * 512 * sizeof(unsigned)));
  CHECK(cudaMemset(w, 0x5a, bytes));
  sweepRuns<8>(w, n, k, out);
  sweepRuns<4>(w, n, k, out);
  sweepRuns<2>(w, n, k, out);
  sweepRuns<1>(w, n, k, out);
  // The copy rate for scale: read + write of the same bytes.
  unsigned char *dst;
  CHECK(cudaMalloc(&dst, bytes));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  std::vector<float> ms;
  for (int rep = 0; rep < 15; ++rep) {
    CHECK(cudaEventRecord(a));
    CHECK(cudaMemcpy(dst, w, bytes, cudaMemcpyDeviceToDevice));
    CHECK(cudaEventRecord(b));
    CHECK(cudaEventSynchronize(b));
    float t;
    CHECK(cudaEventElapsedTime(&t, a, b));
    if (rep >= 5)
      ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("copy %zu bytes: %.4f ms, %.0f GB/s read+write\n", bytes,
              ms[ms.size() / 2], 2.0 * bytes / ms[ms.size() / 2] / 1e6);
  return 0;
}
