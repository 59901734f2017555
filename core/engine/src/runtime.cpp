#include "sfr/engine/runtime.h"

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
