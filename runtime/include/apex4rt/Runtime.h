//===- Runtime.h - Load and launch apex4 kernels (CUDA driver API) -*- C++ -*-===//
//
// apex4 runtime. Reads a manifest written by apex4-compile
// (docs/architecture.md, "Kernel ABI and manifest"), loads its cubin (or its
// PTX when no cubin is listed) with cuModuleLoadData, and launches kernels
// with the grid the manifest describes.
//
// Two spellings of `grid` are accepted:
//   - the documented object form {"x": ["N", 128], "y": ["M", 128], "z": 1},
//     where [dim, tile] means ceil(dim / tile) and dim is N, M or K;
//   - the array form apex4-compile writes from apex4.kernel_info:
//     matmul [TN, TM, Z] -> (ceil(N/TN), ceil(M/TM), Z), Z = the K slices
//     of a cluster split (1 otherwise),
//     quantize [ROWS_PER_CTA]  -> (ceil(M/ROWS_PER_CTA), 1, 1).
//
//===----------------------------------------------------------------------===//
#ifndef APEX4RT_RUNTIME_H
#define APEX4RT_RUNTIME_H

#include "apex4rt/Json.h"

#include <cuda.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace apex4rt {

/// Thrown for every CUDA driver error and malformed manifest.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Throws Error naming `what` when `result` is not CUDA_SUCCESS.
void check(CUresult result, const char *what);

/// One grid dimension: either a constant or ceil(dim / tile).
struct GridDim {
  char dim = 0;      // 0 for a constant, else 'M', 'N' or 'K'
  int64_t value = 1; // the constant, or the tile
};

/// A kernel entry of the manifest.
struct KernelInfo {
  std::string name;
  std::string kind;            // "matmul" | "quantize"
  int64_t n = 0, k = 0;
  int64_t aGroup = 0, wGroup = 0; // matmul (0 or K = per-channel)
  int64_t group = 0;              // quantize (0 = per-channel)
  std::string inType, outType;
  std::vector<std::string> params;
  unsigned block[3] = {1, 1, 1};
  GridDim grid[3];
  int64_t sharedBytes = 0;     // dynamic shared memory per block
  int64_t maxM = 0;            // 0 = no limit given

  bool isMatmul() const { return kind == "matmul"; }
  /// Whether a parameter of that ABI name is in `params`.
  bool hasParam(const std::string &name) const;
  /// Matmul kernels taking INT8-container activations (AC, ACMAP).
  bool takesContainers() const { return hasParam("AC"); }
  /// The activation rows of one CTA: the TMA box rows of an ACMAP.
  int64_t rowsPerCta() const;
  bool isQuantize() const { return kind == "quantize"; }
  /// Effective group sizes (per-channel resolved to K).
  int64_t effAGroup() const { return aGroup <= 0 ? k : aGroup; }
  int64_t effWGroup() const { return wGroup <= 0 ? k : wGroup; }
  int64_t effGroup() const { return group <= 0 ? k : group; }
};

/// Parsed manifest (no CUDA needed).
struct Manifest {
  std::string path;       // the manifest file
  std::string directory;  // where cubin/ptx paths are resolved
  std::string target, chip, cubin, ptx;
  std::vector<KernelInfo> kernels;

  /// Parses a manifest file. Throws Error.
  static Manifest load(const std::string &path);
  /// Parses manifest text; `directory` resolves relative binary paths.
  static Manifest parse(const std::string &text, const std::string &directory);
  /// The named kernel, or the only one when `name` is empty. Throws Error.
  const KernelInfo &kernel(const std::string &name) const;
};

/// Launch geometry for one call.
struct LaunchDims {
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned sharedBytes = 0;
};

/// The grid/block/shared memory of `info` for M rows (no CUDA needed).
LaunchDims computeLaunch(const KernelInfo &info, int64_t m);

/// Retains the primary context of one device and makes it current.
class Context {
public:
  explicit Context(int ordinal = 0);
  ~Context();
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  CUdevice device() const { return device_; }
  std::string deviceName() const;
  int computeCapability() const; // e.g. 90

private:
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
};

/// A loaded manifest: its module and functions.
class Module {
public:
  /// Loads the cubin (or PTX, JIT-compiled by the driver) of `manifest`.
  explicit Module(const Manifest &manifest);
  ~Module();
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  const Manifest &manifest() const { return manifest_; }
  /// Whether the cubin was loaded (false: the PTX was JIT-compiled).
  bool loadedCubin() const { return loadedCubin_; }
  /// Looks the function up; sets its dynamic shared memory limit to what
  /// the manifest asks for (static and dynamic bytes share the 48 KiB
  /// default, so even exactly 48 KiB of dynamic memory needs it).
  CUfunction function(const KernelInfo &info);

private:
  Manifest manifest_;
  CUmodule module_ = nullptr;
  bool loadedCubin_ = false;
};

/// Kernel arguments by ABI name: A or AC with ACMAP, SA, W, SW, C (matmul);
/// X, Q or QC, S (quantize); M is passed separately.
struct KernelArgs {
  CUdeviceptr a = 0, sa = 0, w = 0, sw = 0, c = 0; // matmul
  CUdeviceptr ac = 0, acMap = 0;                   // matmul, containers
  CUdeviceptr x = 0, q = 0, s = 0, qc = 0;         // quantize
};

/// Launches `function` for `info` with M rows on `stream`, marshalling the
/// parameters in the manifest's `params` order (pointers, then M as i64).
/// Checks M against max_m. Throws Error.
void launch(CUfunction function, const KernelInfo &info, int64_t m,
            const KernelArgs &args, CUstream stream = nullptr);

/// A one-thread kernel that spins for a number of GPU clock cycles (embedded
/// PTX, JIT-compiled by the driver). Enqueued before a timed launch it keeps
/// the GPU busy while the host enqueues the start event, the launch and the
/// stop event, so the event span holds the kernel alone and not the host's
/// launch latency.
class GpuSpinner {
public:
  GpuSpinner();
  ~GpuSpinner();
  GpuSpinner(const GpuSpinner &) = delete;
  GpuSpinner &operator=(const GpuSpinner &) = delete;
  void spin(uint64_t cycles, CUstream stream = nullptr);

private:
  CUmodule module_ = nullptr;
  CUfunction function_ = nullptr;
};

/// A device allocation freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  CUdeviceptr ptr() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  void upload(const void *host, size_t bytes);
  void download(void *host, size_t bytes) const;
  void fill(uint8_t byte);

private:
  CUdeviceptr ptr_ = 0;
  size_t bytes_ = 0;
};

/// The TMA tensor map an ACMAP parameter points to, for the INT8
/// containers at `ac` (u8 [M][K]): box of 128 bytes of K by `boxRows` rows
/// (KernelInfo::rowsPerCta), 128-byte swizzle, zero fill past M. Encoded
/// on the host with cuTensorMapEncodeTiled and returned as its 128 bytes
/// in device memory; valid for that buffer and M only. Throws Error.
DeviceBuffer containerTensorMap(CUdeviceptr ac, int64_t m, int64_t k,
                                int64_t boxRows);

} // namespace apex4rt

#endif // APEX4RT_RUNTIME_H
