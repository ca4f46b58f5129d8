//===- Runtime.cpp - Load and launch apex4 kernels (CUDA driver API) ------===//
#include "apex4rt/Runtime.h"

#include <fstream>
#include <sstream>

namespace apex4rt {

void check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *text = nullptr;
  cuGetErrorName(result, &name);
  cuGetErrorString(result, &text);
  throw Error(std::string(what) + ": " + (name ? name : "CUDA error") + " (" +
              (text ? text : "?") + ")");
}

//===--- Context ----------------------------------------------------------===//

Context::Context(int ordinal) {
  check(cuInit(0), "cuInit");
  check(cuDeviceGet(&device_, ordinal), "cuDeviceGet");
  check(cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain");
  check(cuCtxSetCurrent(context_), "cuCtxSetCurrent");
}

Context::~Context() {
  if (context_)
    cuDevicePrimaryCtxRelease(device_);
}

std::string Context::deviceName() const {
  char name[256] = {0};
  check(cuDeviceGetName(name, sizeof(name), device_), "cuDeviceGetName");
  return name;
}

int Context::computeCapability() const {
  int major = 0, minor = 0;
  check(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device_),
        "cuDeviceGetAttribute");
  check(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device_),
        "cuDeviceGetAttribute");
  return major * 10 + minor;
}

//===--- Module -----------------------------------------------------------===//

static std::string readBinary(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot open " + path);
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

static std::string resolve(const std::string &dir, const std::string &file) {
  if (file.empty() || file[0] == '/')
    return file;
  return dir + "/" + file;
}

Module::Module(const Manifest &manifest) : manifest_(manifest) {
  if (!manifest.cubin.empty()) {
    std::string image = readBinary(resolve(manifest.directory, manifest.cubin));
    check(cuModuleLoadData(&module_, image.data()), "cuModuleLoadData (cubin)");
    loadedCubin_ = true;
    return;
  }
  if (manifest.ptx.empty())
    throw Error("manifest lists neither a cubin nor a PTX file");
  // PTX must be NUL-terminated for the JIT.
  std::string ptx = readBinary(resolve(manifest.directory, manifest.ptx));
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
  CUresult r = cuModuleLoadDataEx(&module_, ptx.c_str(), 2, options, values);
  if (r != CUDA_SUCCESS && log[0])
    throw Error(std::string("PTX JIT failed: ") + log);
  check(r, "cuModuleLoadDataEx (ptx)");
}

Module::~Module() {
  if (module_)
    cuModuleUnload(module_);
}

CUfunction Module::function(const KernelInfo &info) {
  CUfunction f = nullptr;
  check(cuModuleGetFunction(&f, module_, info.name.c_str()),
        ("cuModuleGetFunction(" + info.name + ")").c_str());
  // Static and dynamic shared memory share the 48 KiB default: a kernel
  // with exactly 48 KiB dynamic and a few static bytes needs the attribute
  // too, so it is set whenever there is dynamic shared memory.
  if (info.sharedBytes > 0) {
    check(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             static_cast<int>(info.sharedBytes)),
          "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)");
  }
  return f;
}

//===--- Launch -----------------------------------------------------------===//

void launch(CUfunction function, const KernelInfo &info, int64_t m,
            const KernelArgs &args, CUstream stream) {
  if (m < 1)
    throw Error("M must be >= 1");
  if (info.maxM > 0 && m > info.maxM)
    throw Error("M = " + std::to_string(m) + " exceeds the kernel's max_m " +
                std::to_string(info.maxM));
  LaunchDims d = computeLaunch(info, m);
  std::vector<CUdeviceptr> pointers;
  pointers.reserve(info.params.size());
  int64_t mValue = m;
  std::vector<void *> slots;
  slots.reserve(info.params.size());
  for (const std::string &p : info.params) {
    if (p == "M") {
      slots.push_back(&mValue);
      continue;
    }
    CUdeviceptr ptr;
    if (p == "A") ptr = args.a;
    else if (p == "SA") ptr = args.sa;
    else if (p == "W") ptr = args.w;
    else if (p == "SW") ptr = args.sw;
    else if (p == "C") ptr = args.c;
    else if (p == "AC") ptr = args.ac;
    else if (p == "ACMAP") ptr = args.acMap;
    else if (p == "QC") ptr = args.qc;
    else if (p == "X") ptr = args.x;
    else if (p == "Q") ptr = args.q;
    else if (p == "S") ptr = args.s;
    else throw Error("kernel " + info.name + ": unknown parameter '" + p + "'");
    if (!ptr)
      throw Error("kernel " + info.name + ": no buffer for parameter " + p);
    pointers.push_back(ptr); // reserve() keeps addresses stable
    slots.push_back(&pointers.back());
  }
  check(cuLaunchKernel(function, d.grid[0], d.grid[1], d.grid[2], d.block[0],
                       d.block[1], d.block[2], d.sharedBytes, stream,
                       slots.data(), nullptr),
        ("cuLaunchKernel(" + info.name + ")").c_str());
}

//===--- Container tensor maps --------------------------------------------===//

DeviceBuffer containerTensorMap(CUdeviceptr ac, int64_t m, int64_t k,
                                int64_t boxRows) {
  if (m < 1 || k % 128 != 0 || boxRows < 1 || boxRows > 256)
    throw Error("container tensor map: needs M >= 1, K a multiple of 128 and "
                "1 to 256 box rows");
  CUtensorMap map;
  cuuint64_t sizes[2] = {static_cast<cuuint64_t>(k),
                         static_cast<cuuint64_t>(m)};
  cuuint64_t strides[1] = {static_cast<cuuint64_t>(k)};
  cuuint32_t box[2] = {128, static_cast<cuuint32_t>(boxRows)};
  cuuint32_t elementStrides[2] = {1, 1};
  check(cuTensorMapEncodeTiled(&map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2,
                               reinterpret_cast<void *>(ac), sizes, strides,
                               box, elementStrides,
                               CU_TENSOR_MAP_INTERLEAVE_NONE,
                               CU_TENSOR_MAP_SWIZZLE_128B,
                               CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                               CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
        "cuTensorMapEncodeTiled");
  static_assert(sizeof(CUtensorMap) == 128, "a tensor map is 128 bytes");
  DeviceBuffer device(sizeof(map));
  device.upload(&map, sizeof(map));
  return device;
}

//===--- GpuSpinner -------------------------------------------------------===//

static const char kSpinPtx[] = R"(.version 7.0
.target sm_52
.address_size 64
.visible .entry apex4rt_spin(.param .u64 apex4rt_spin_cycles)
{
  .reg .pred %p<2>;
  .reg .b64 %rd<5>;
  ld.param.u64 %rd1, [apex4rt_spin_cycles];
  mov.u64 %rd2, %clock64;
$Lspin:
  mov.u64 %rd3, %clock64;
  sub.s64 %rd4, %rd3, %rd2;
  setp.lt.u64 %p1, %rd4, %rd1;
  @%p1 bra $Lspin;
  ret;
}
)";

GpuSpinner::GpuSpinner() {
  check(cuModuleLoadData(&module_, kSpinPtx), "cuModuleLoadData (spin PTX)");
  check(cuModuleGetFunction(&function_, module_, "apex4rt_spin"),
        "cuModuleGetFunction(apex4rt_spin)");
}

GpuSpinner::~GpuSpinner() {
  if (module_)
    cuModuleUnload(module_);
}

void GpuSpinner::spin(uint64_t cycles, CUstream stream) {
  void *args[] = {&cycles};
  check(cuLaunchKernel(function_, 1, 1, 1, 1, 1, 1, 0, stream, args, nullptr),
        "cuLaunchKernel(apex4rt_spin)");
}

//===--- DeviceBuffer -----------------------------------------------------===//

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  check(cuMemAlloc(&ptr_, bytes ? bytes : 1), "cuMemAlloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_)
    cuMemFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : ptr_(other.ptr_), bytes_(other.bytes_) {
  other.ptr_ = 0;
  other.bytes_ = 0;
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    if (ptr_)
      cuMemFree(ptr_);
    ptr_ = other.ptr_;
    bytes_ = other.bytes_;
    other.ptr_ = 0;
    other.bytes_ = 0;
  }
  return *this;
}

void DeviceBuffer::upload(const void *host, size_t bytes) {
  if (bytes > bytes_)
    throw Error("upload larger than the buffer");
  check(cuMemcpyHtoD(ptr_, host, bytes), "cuMemcpyHtoD");
}

void DeviceBuffer::download(void *host, size_t bytes) const {
  if (bytes > bytes_)
    throw Error("download larger than the buffer");
  check(cuMemcpyDtoH(host, ptr_, bytes), "cuMemcpyDtoH");
}

void DeviceBuffer::fill(uint8_t byte) {
  check(cuMemsetD8(ptr_, byte, bytes_), "cuMemsetD8");
}

} // namespace apex4rt
