// Thread settings and runtime description used by `sfr --threads` and the benchmarks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "sfr/base/error.h"
#include "sfr/engine/runtime.h"

using namespace sfr::engine;

TEST(VNetRuntime, SetsIntraOpThreadsAndReportsThem) {
  const ThreadSettings before = torchThreads();
  ThreadSettings now = setTorchThreads(2);
  EXPECT_EQ(now.intraOp, 2);
  EXPECT_GE(now.interOp, 1);
  now = setTorchThreads(1);
  EXPECT_EQ(now.intraOp, 1);
  EXPECT_EQ(torchThreads().intraOp, 1);
  setTorchThreads(before.intraOp);
  EXPECT_THROW(setTorchThreads(0), sfr::Error);
}

TEST(VNetRuntime, DescribesTheLibTorchBuild) {
  const std::string text = torchDescription();
  EXPECT_EQ(text.rfind("LibTorch ", 0), 0u) << text;
  EXPECT_NE(text.find(cudaAvailable() ? "CUDA" : "CPU"), std::string::npos) << text;
}

TEST(VNetRuntime, HostAllocatorModeFollowsTheEnvironmentOverride) {
  ::setenv("SFR_HOST_ALLOCATOR", "system", 1);
  EXPECT_EQ(sfr::engine::configureHostAllocator(sfr::engine::HostAllocator::Retained),
            sfr::engine::HostAllocator::System);
  ::setenv("SFR_HOST_ALLOCATOR", "sometimes", 1);
  EXPECT_THROW(sfr::engine::configureHostAllocator(), sfr::Error);
  ::unsetenv("SFR_HOST_ALLOCATOR");
#if defined(__GLIBC__)
  EXPECT_EQ(sfr::engine::configureHostAllocator(), sfr::engine::HostAllocator::Retained);
  // With mmap off, a 64 MiB tensor is served from the heap like any other.
  torch::Tensor big = torch::ones({16 << 20});
  EXPECT_EQ(big.sum().item<double>(), double(16 << 20));
#endif
  EXPECT_NE(sfr::engine::hostAllocatorDescription(sfr::engine::HostAllocator::Retained),
            sfr::engine::hostAllocatorDescription(sfr::engine::HostAllocator::System));
}
