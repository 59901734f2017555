#pragma once
// CUDA devices with their free and total memory for the worker's "devices" reply. Reads the
// NVIDIA driver (libcuda.so.1, opened at run time) so it needs neither CUDA headers nor a CUDA
// build of LibTorch to compile, and works the same under LibTorch 1.13 (CPU) and 2.x (CUDA).
#include <cstdint>
#include <string>
#include <vector>

namespace sfr::engine {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  std::uint64_t freeBytes = 0;
  std::uint64_t totalBytes = 0;
};

/// Every device the driver reports; empty when there is no driver or no device. `problem`, when
/// given, receives why the list is empty ("libcuda.so.1 not found", a driver error, ...).
std::vector<CudaDeviceInfo> cudaDevices(std::string* problem = nullptr);

}  // namespace sfr::engine
