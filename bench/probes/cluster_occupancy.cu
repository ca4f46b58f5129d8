// How many clusters of a kernel can be resident at once
// (cuOccupancyMaxActiveClusters), for the cost model's cluster split-K term.
// Reads lines "cubin kernel threads shared_bytes cluster_z" on stdin, prints
// "kernel cluster_z clusters ctas". Build and run on the device:
//   nvcc -O2 -o /tmp/occ bench/probes/cluster_occupancy.cu -lcuda
//   python3 bench/probes/cluster_occupancy.py DIR | /tmp/occ
#include <cuda.h>

#include <cstdio>
#include <iostream>
#include <string>

static bool ok(CUresult status, const char *what) {
  if (status == CUDA_SUCCESS)
    return true;
  const char *text = nullptr;
  cuGetErrorString(status, &text);
  std::fprintf(stderr, "%s: %s\n", what, text ? text : "unknown error");
  return false;
}

int main() {
  CUdevice device;
  CUcontext context;
  if (!ok(cuInit(0), "cuInit") || !ok(cuDeviceGet(&device, 0), "cuDeviceGet") ||
      !ok(cuDevicePrimaryCtxRetain(&context, device), "context") ||
      !ok(cuCtxSetCurrent(context), "cuCtxSetCurrent"))
    return 1;
  std::string cubin, name;
  unsigned threads, shared, clusterZ;
  while (std::cin >> cubin >> name >> threads >> shared >> clusterZ) {
    CUmodule module;
    CUfunction function;
    if (!ok(cuModuleLoad(&module, cubin.c_str()), cubin.c_str()) ||
        !ok(cuModuleGetFunction(&function, module, name.c_str()), name.c_str()))
      continue;
    cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                       int(shared));
    CUlaunchConfig config = {};
    config.gridDimX = 1024;
    config.gridDimY = 1;
    config.gridDimZ = clusterZ;
    config.blockDimX = threads;
    config.blockDimY = config.blockDimZ = 1;
    config.sharedMemBytes = shared;
    // Kernels without compile-time cluster dimensions get a 1 x 1 x 1
    // cluster so that the query answers in CTAs.
    CUlaunchAttribute attribute = {};
    attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attribute.value.clusterDim.x = attribute.value.clusterDim.y = 1;
    attribute.value.clusterDim.z = clusterZ;
    if (clusterZ == 1) {
      config.attrs = &attribute;
      config.numAttrs = 1;
    }
    int clusters = 0;
    if (ok(cuOccupancyMaxActiveClusters(&clusters, function, &config), name.c_str()))
      std::printf("%s %u %d %d\n", name.c_str(), clusterZ, clusters,
                  clusters * int(clusterZ));
    cuModuleUnload(module);
  }
  return 0;
}
