#pragma once
// Process-wide LibTorch runtime settings (threads, devices) behind a header free of
// <torch/torch.h>, so the CLI's main() and the worker can set them without compiling LibTorch.
#include <string>

namespace sfr::engine {

struct ThreadSettings {
  int intraOp = 0;  ///< at::get_num_threads(): threads inside one operator (OpenMP)
  int interOp = 0;  ///< at::get_num_interop_threads(): threads running independent operators
};

/// The current LibTorch thread counts.
ThreadSettings torchThreads();

/// Sets the intra-op thread count to `threads` and, when LibTorch still allows it (only before the
/// first parallel work), the inter-op count too. Returns the counts in effect afterwards.
/// Throws sfr::Error("threads", ...) when `threads` < 1.
ThreadSettings setTorchThreads(int threads);

/// True when this LibTorch build can use a CUDA device on this machine.
bool cudaAvailable();

/// "LibTorch 1.13.0, CPU" or "LibTorch 2.3.1, CUDA (1 device)".
std::string torchDescription();

}  // namespace sfr::engine
