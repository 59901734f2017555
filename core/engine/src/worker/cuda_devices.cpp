#include "sfr/engine/worker/cuda_devices.h"

#include <dlfcn.h>

#include <cstddef>

namespace sfr::engine {

namespace {

// The few driver API entry points used, with the driver's own ABI (CUresult = int, CUdevice =
// int, CUcontext = pointer). The _v2 names are the 64-bit size variants every driver since CUDA
// 3.2 exports.
using CuInit = int (*)(unsigned int);
using CuDeviceGetCount = int (*)(int*);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(std::size_t*, int);
using CuDevicePrimaryCtxRetain = int (*)(void**, int);
using CuDevicePrimaryCtxRelease = int (*)(int);
using CuCtxPushCurrent = int (*)(void*);
using CuCtxPopCurrent = int (*)(void**);
using CuMemGetInfo = int (*)(std::size_t*, std::size_t*);

template <class F>
F symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

}  // namespace

std::vector<CudaDeviceInfo> cudaDevices(std::string* problem) {
  std::vector<CudaDeviceInfo> devices;
  auto fail = [&](const std::string& why) {
    if (problem) *problem = why;
    return devices;
  };
  // Never dlclose: LibTorch may hold the same driver library, and closing it buys nothing.
  void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!cuda) return fail("no NVIDIA driver (libcuda.so.1 not found)");
  const auto init = symbol<CuInit>(cuda, "cuInit");
  const auto count = symbol<CuDeviceGetCount>(cuda, "cuDeviceGetCount");
  const auto get = symbol<CuDeviceGet>(cuda, "cuDeviceGet");
  const auto name = symbol<CuDeviceGetName>(cuda, "cuDeviceGetName");
  const auto total = symbol<CuDeviceTotalMem>(cuda, "cuDeviceTotalMem_v2");
  const auto retain = symbol<CuDevicePrimaryCtxRetain>(cuda, "cuDevicePrimaryCtxRetain");
  const auto release = symbol<CuDevicePrimaryCtxRelease>(cuda, "cuDevicePrimaryCtxRelease_v2");
  const auto push = symbol<CuCtxPushCurrent>(cuda, "cuCtxPushCurrent_v2");
  const auto pop = symbol<CuCtxPopCurrent>(cuda, "cuCtxPopCurrent_v2");
  const auto memInfo = symbol<CuMemGetInfo>(cuda, "cuMemGetInfo_v2");
  if (!init || !count || !get || !name || !total || !retain || !release || !push || !pop ||
      !memInfo)
    return fail("libcuda.so.1 lacks a driver API entry point (driver too old)");
  if (const int rc = init(0); rc != 0)
    return fail("cuInit failed with CUDA driver error " + std::to_string(rc));
  int n = 0;
  if (const int rc = count(&n); rc != 0)
    return fail("cuDeviceGetCount failed with CUDA driver error " + std::to_string(rc));
  for (int i = 0; i < n; ++i) {
    int device = 0;
    if (get(&device, i) != 0) continue;
    CudaDeviceInfo info;
    info.index = i;
    char buffer[256] = {};
    if (name(buffer, static_cast<int>(sizeof buffer) - 1, device) == 0) info.name = buffer;
    std::size_t bytes = 0;
    if (total(&bytes, device) == 0) info.totalBytes = bytes;
    // Free memory needs a context; the primary context is the one LibTorch's runtime uses, so
    // retaining it creates nothing new when LibTorch already works on the device.
    void* context = nullptr;
    if (retain(&context, device) == 0) {
      if (push(context) == 0) {
        std::size_t freeBytes = 0, totalBytes = 0;
        if (memInfo(&freeBytes, &totalBytes) == 0) {
          info.freeBytes = freeBytes;
          info.totalBytes = totalBytes;
        }
        void* popped = nullptr;
        pop(&popped);
      }
      release(device);
    }
    devices.push_back(std::move(info));
  }
  if (devices.empty()) return fail("the NVIDIA driver reports no CUDA device");
  return devices;
}

}  // namespace sfr::engine
