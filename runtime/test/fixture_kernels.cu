//===- fixture_kernels.cu - TEST FIXTURES for the apex4 runtime -----------===//
//
// NOT the product. These are deliberately naive CUDA C++ kernels that follow
// the apex4 kernel ABI (docs/architecture.md) so that the runtime, the
// manifest reader and apex4-run can be tested on a GPU without the compiler.
// One thread computes one output in the documented order. The real kernels
// come from apex4-compile.
//
//   fixture_matmul_*   (A, SA, W, SW, C, M)   grid (ceil(N/TN), ceil(M/TM), 1)
//   fixture_quantize_* (X, Q, S, M)           grid (ceil(M/ROWS), 1, 1)
//   fixture_matmul_bad deliberately wrong (drops the last group): --check
//                      must fail on it.
//
//===----------------------------------------------------------------------===//
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cstdint>

namespace {

__device__ __forceinline__ int nibble(const int8_t *row, int64_t k) {
  int8_t byte = row[k >> 1];
  return (k & 1) ? (byte >> 4) : static_cast<int8_t>(byte << 4) >> 4;
}

__device__ __forceinline__ void store(__half *c, int64_t i, float v) {
  c[i] = __float2half_rn(v);
}
__device__ __forceinline__ void store(float *c, int64_t i, float v) { c[i] = v; }

/// Block (TN, TM/...) threads: threadIdx.x over N, threadIdx.y over M.
template <int N, int K, int GA, int GW, int TN, int TM, bool Bad, typename Out>
__device__ void matmulBody(const int8_t *A, const float *SA, const int8_t *W,
                           const float *SW, Out *C, int64_t M) {
  const int64_t n = blockIdx.x * TN + threadIdx.x;
  const int64_t m = blockIdx.y * TM + threadIdx.y;
  if (n >= N || m >= M)
    return;
  constexpr int H = GA < GW ? GA : GW;
  const int8_t *arow = A + m * (K / 2), *wrow = W + n * (K / 2);
  float acc = 0.0f;
  for (int j = 0; j < K / H - (Bad ? 1 : 0); ++j) {
    int isum = 0;
    for (int t = j * H; t < (j + 1) * H; ++t)
      isum += nibble(arow, t) * nibble(wrow, t);
    float p = __fmul_rn(SA[m * (K / GA) + (j * H) / GA], SW[n * (K / GW) + (j * H) / GW]);
    acc = __fadd_rn(acc, __fmul_rn(static_cast<float>(isum), p)); // two roundings
  }
  store(C, m * N + n, acc);
}

/// Uses `dynamic_smem` bytes of dynamic shared memory (> 48 KiB in the
/// manifest): every byte is written and read back, so a launch without the
/// raised limit fails.
template <int N, int K, int GA, int GW, int TN, int TM, typename Out>
__device__ void matmulBigShared(const int8_t *A, const float *SA,
                                const int8_t *W, const float *SW, Out *C,
                                int64_t M) {
  extern __shared__ uint32_t scratch[];
  unsigned bytes;
  asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(bytes));
  const unsigned words = bytes / 4, tid = threadIdx.y * blockDim.x + threadIdx.x,
                 threads = blockDim.x * blockDim.y;
  for (unsigned i = tid; i < words; i += threads)
    scratch[i] = i * 2654435761u;
  __syncthreads();
  bool good = bytes >= 64 * 1024;
  for (unsigned i = tid; i < words; i += threads)
    good &= scratch[(i + 7) % words] == ((i + 7) % words) * 2654435761u;
  const int64_t n = blockIdx.x * TN + threadIdx.x;
  const int64_t m = blockIdx.y * TM + threadIdx.y;
  if (n >= N || m >= M)
    return;
  matmulBody<N, K, GA, GW, TN, TM, false>(A, SA, W, SW, C, M);
  if (!good)
    store(C, m * N + n, __int_as_float(0x7FC00000)); // NaN: fails --check
}

template <typename In> __device__ __forceinline__ float widen(In v);
template <> __device__ __forceinline__ float widen(__half v) { return __half2float(v); }
template <> __device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }
template <> __device__ __forceinline__ float widen(float v) { return v; }

/// One thread per (row, group). ROWS rows per CTA; blockDim.x threads walk
/// the groups of a row, blockDim.y = ROWS.
template <int K, int G, int ROWS, typename In>
__device__ void quantizeBody(const In *X, int8_t *Q, float *S, int64_t M) {
  const int64_t r = blockIdx.x * ROWS + threadIdx.y;
  if (r >= M)
    return;
  for (int j = threadIdx.x; j < K / G; j += blockDim.x) {
    const In *xg = X + r * K + j * G;
    float amax = 0.0f;
    for (int t = 0; t < G; ++t)
      amax = fmaxf(amax, fabsf(widen(xg[t]))); // fmaxf ignores NaN
    float scale = __fdiv_rn(amax, 7.0f);
    S[r * (K / G) + j] = scale;
    for (int t = 0; t < G; t += 2) {
      int q2[2];
      for (int u = 0; u < 2; ++u) {
        float v = __fdiv_rn(widen(xg[t + u]), scale);
        q2[u] = isnan(v) ? 0 : static_cast<int>(fminf(7.0f, fmaxf(-8.0f, rintf(v))));
      }
      Q[r * (K / 2) + (j * G + t) / 2] =
          static_cast<int8_t>((q2[0] & 0xF) | ((q2[1] & 0xF) << 4));
    }
  }
}

} // namespace

#define FIXTURE_MATMUL(NAME, N, K, GA, GW, TN, TM, OUT)                        \
  extern "C" __global__ void NAME(const int8_t *A, const float *SA,            \
                                  const int8_t *W, const float *SW, OUT *C,    \
                                  int64_t M) {                                 \
    matmulBody<N, K, GA, GW, TN, TM, false>(A, SA, W, SW, C, M);               \
  }

// ga = gw = 128, f16 out; documented grid object form in its manifest.
FIXTURE_MATMUL(fixture_matmul_n256_k512_g128_f16, 256, 512, 128, 128, 32, 8, __half)
// Mixed groups (a 32, w 64), an N tail (200 % 32 != 0), f32 out.
FIXTURE_MATMUL(fixture_matmul_n200_k256_a32_w64_f32, 200, 256, 32, 64, 32, 8, float)
// Per-channel activations (a_group = K), w_group 64, f16 out; array grid form.
FIXTURE_MATMUL(fixture_matmul_n128_k256_apc_w64_f16, 128, 256, 256, 64, 32, 4, __half)

extern "C" __global__ void fixture_matmul_bad(const int8_t *A, const float *SA,
                                              const int8_t *W, const float *SW,
                                              __half *C, int64_t M) {
  matmulBody<256, 512, 128, 128, 32, 8, true>(A, SA, W, SW, C, M);
}

extern "C" __global__ void fixture_matmul_bigsmem(const int8_t *A, const float *SA,
                                                  const int8_t *W, const float *SW,
                                                  __half *C, int64_t M) {
  matmulBigShared<256, 512, 128, 128, 32, 8>(A, SA, W, SW, C, M);
}

extern "C" __global__ void fixture_quantize_k512_g128_f16(const __half *X, int8_t *Q,
                                                          float *S, int64_t M) {
  quantizeBody<512, 128, 4>(X, Q, S, M);
}
extern "C" __global__ void fixture_quantize_k256_g32_bf16(const __nv_bfloat16 *X,
                                                          int8_t *Q, float *S,
                                                          int64_t M) {
  quantizeBody<256, 32, 4>(X, Q, S, M);
}
extern "C" __global__ void fixture_quantize_k256_pc_f32(const float *X, int8_t *Q,
                                                        float *S, int64_t M) {
  quantizeBody<256, 256, 4>(X, Q, S, M);
}
