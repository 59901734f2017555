#include "sfr/engine/runtime.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <torch/torch.h>
#include <torch/version.h>

#include "sfr/base/error.h"

namespace sfr::engine {

ThreadSettings torchThreads() {
  return {at::get_num_threads(), at::get_num_interop_threads()};
}

ThreadSettings setTorchThreads(int threads) {
  if (threads < 1)
    throw Error("threads", "must be at least 1 (got " + std::to_string(threads) + ")");
  at::set_num_threads(threads);
  try {
    // Allowed once, before any inter-op work has started; later calls throw and are harmless.
    at::set_num_interop_threads(threads);
  } catch (const c10::Error&) {
  }
  return torchThreads();
}

HostAllocator configureHostAllocator(HostAllocator mode) {
  if (const char* env = std::getenv("SFR_HOST_ALLOCATOR")) {
    if (std::strcmp(env, "system") == 0)
      mode = HostAllocator::System;
    else if (std::strcmp(env, "retained") == 0)
      mode = HostAllocator::Retained;
    else
      throw Error("SFR_HOST_ALLOCATOR",
                  std::string("'") + env + "' is not an allocator mode (system or retained)");
  }
#if defined(__GLIBC__)
  if (mode == HostAllocator::Retained) {
    if (mallopt(M_MMAP_MAX, 0) != 1 || mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1)
      return HostAllocator::System;  // glibc refused: nothing changed that matters
  }
  return mode;
#else
  return HostAllocator::System;
#endif
}

std::string hostAllocatorDescription(HostAllocator mode) {
  return mode == HostAllocator::Retained ? "retained heap (no mmap, no trim)" : "system malloc";
}

bool cudaAvailable() {
  return torch::cuda::is_available();
}

std::string torchDescription() {
  std::string text = std::string("LibTorch ") + TORCH_VERSION + ", ";
  if (cudaAvailable())
    text += "CUDA (" + std::to_string(torch::cuda::device_count()) + " device(s))";
  else
    text += "CPU";
  return text;
}

}  // namespace sfr::engine
