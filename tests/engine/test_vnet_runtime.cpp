// Thread settings and runtime description used by `sfr --threads` and the benchmarks.
#include <gtest/gtest.h>

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
