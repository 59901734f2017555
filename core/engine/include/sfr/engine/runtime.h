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

/// How the process's C heap hands large tensor buffers back to the operating system.
enum class HostAllocator {
  System,   ///< glibc defaults: buffers over 32 MiB are mmap'ed and unmapped on every free
  Retained  ///< freed buffers stay in the process for the next tensor of the run
};

/// LibTorch's CPU tensors come from malloc. With glibc's defaults every activation of a 3D
/// network (tens to hundreds of MiB) is a fresh mmap whose pages the kernel zeroes and faults in
/// one by one, and every free unmaps it again; on virtual machines that page-fault traffic can
/// cost more than the convolutions. Retained turns mmap off for the heap (M_MMAP_MAX 0) and
/// stops trimming (M_TRIM_THRESHOLD), so a training or inference loop reuses the same pages:
/// the resident size stays at the run's high-water mark. The environment variable
/// SFR_HOST_ALLOCATOR=system (or retained) overrides `mode`. Call once, early in main(), before
/// large allocations; returns the mode in effect. Outside glibc it does nothing (System).
HostAllocator configureHostAllocator(HostAllocator mode = HostAllocator::Retained);

/// "retained heap (no mmap, no trim)" or "system malloc".
std::string hostAllocatorDescription(HostAllocator mode);

/// True when this LibTorch build can use a CUDA device on this machine.
bool cudaAvailable();

/// "LibTorch 1.13.0, CPU" or "LibTorch 2.3.1, CUDA (1 device)".
std::string torchDescription();

}  // namespace sfr::engine
