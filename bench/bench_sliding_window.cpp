// Times whole-volume sliding-window inference (§7.1 test_single_case) with a V-Net: on an LA case
// (HDF5, when built with ITK) or on a synthetic volume of the given size. The net is a seeded
// random V-Net unless --checkpoint names one. Twin: bench/python/bench_sliding_window.py.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

#include "peak_rss.h"

using namespace sfr::engine;

namespace {

#ifdef SFR_HAVE_ITK
// The first case of la/test.list under $SFR_DATA_DIR (or the configured default).
std::string defaultCase() {
  const char* env = std::getenv("SFR_DATA_DIR");
  const std::string data = env && *env ? env : SFR_DATA_DIR_DEFAULT;
  std::ifstream list(data + "/la/test.list");
  std::string id;
  if (!(list >> id)) return {};
  return data + "/la/" + id + "/mri_norm2.h5";
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times V-Net sliding-window inference", "bench_sliding_window"};
  std::string casePath, checkpoint, device = "cpu";
  std::vector<int64_t> size{160, 140, 88}, patch{112, 112, 80}, stride{18, 4};
  int64_t filters = 16, windowBatch = 1;
  int threads = 0;
  bool synthetic = false, moduleForward = false;
#ifdef SFR_HAVE_ITK
  casePath = defaultCase();
  app.add_option("--case", casePath, "LA mri_norm2.h5 (default: first case of la/test.list)");
#endif
  app.add_flag("--synthetic", synthetic, "use a synthetic volume of --size even with ITK");
  app.add_option("--size", size, "synthetic volume X,Y,Z")
      ->delimiter(',')
      ->expected(3)
      ->capture_default_str();
  app.add_option("--checkpoint", checkpoint, "V-Net checkpoint (default: seeded random V-Net)");
  app.add_option("--filters", filters, "width of the random V-Net")->capture_default_str();
  app.add_option("--patch", patch, "X,Y,Z")->delimiter(',')->expected(3)->capture_default_str();
  app.add_option("--stride", stride, "XY,Z")->delimiter(',')->expected(2)->capture_default_str();
  app.add_option("--window-batch", windowBatch)->capture_default_str();
  app.add_flag("--module", moduleForward,
               "run the torch::nn module as is instead of the frozen (folded) V-Net");
  app.add_option("--device", device)->capture_default_str();
  app.add_option("--threads", threads, "intra/inter-op threads (0: LibTorch default)");
  CLI11_PARSE(app, argc, argv);

  try {
    const HostAllocator allocator = configureHostAllocator();
    if (threads > 0) setTorchThreads(threads);
    torch::Tensor volume;
    std::string source;
#ifdef SFR_HAVE_ITK
    if (!synthetic && !casePath.empty()) {
      volume = toTensor(sfr::io::readImage(casePath));
      source = casePath;
    }
#endif
    if (!volume.defined()) {
      torch::manual_seed(7);
      volume = torch::randn({size[0], size[1], size[2]});
      source = "synthetic";
    }
    volume = (volume - volume.mean()) / volume.std(/*unbiased=*/false);  // §7.1 z-score

    VNet net{nullptr};
    if (!checkpoint.empty()) {
      net = loadVNet(checkpoint).net;
    } else {
      torch::manual_seed(1337);
      net = VNet(VNetOptions().filters(filters));
    }
    SlidingWindowOptions options = SlidingWindowOptions()
                                       .patch({patch[0], patch[1], patch[2]})
                                       .stride_xy(stride[0])
                                       .stride_z(stride[1])
                                       .window_batch(windowBatch)
                                       .frozen_network(!moduleForward)
                                       .device(device);
    SlidingWindowPredictor predictor(net, options);
    const auto t0 = std::chrono::steady_clock::now();
    SlidingWindowResult r = predictor.predict(volume);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double foreground = r.labels.ne(0).to(torch::kDouble).mean().item<double>();
    // Equal-output check against the Python twin (same --checkpoint): mean probability of class 1.
    const double meanProbability = r.probabilities[1].to(torch::kDouble).mean().item<double>();
    const ThreadSettings t = torchThreads();
    std::printf(
        "bench_sliding_window (C++ LibTorch %s): %s %s, patch %lldx%lldx%lld stride %lld/%lld\n",
        TORCH_VERSION, source.c_str(), c10::str(volume.sizes()).c_str(),
        static_cast<long long>(patch[0]), static_cast<long long>(patch[1]),
        static_cast<long long>(patch[2]), static_cast<long long>(stride[0]),
        static_cast<long long>(stride[1]));
    std::printf(
        "  %lld windows in %.2f s (%.2f windows/s), foreground %.2f%%, peak RSS %.0f MiB, "
        "threads %d/%d, %s\n  %s forward, allocator: %s, mean p(class 1) %.8f\n",
        static_cast<long long>(r.windows), seconds, r.windows / seconds, 100 * foreground,
        peakRssMiB(), t.intraOp, t.interOp, device.c_str(), moduleForward ? "module" : "frozen",
        hostAllocatorDescription(allocator).c_str(), meanProbability);
    nlohmann::json j = {{"bench", "sliding_window"},
                        {"impl", "cpp"},
                        {"source", source},
                        {"shape", volume.sizes().vec()},
                        {"windows", r.windows},
                        {"seconds", seconds},
                        {"windows_per_s", r.windows / seconds},
                        {"foreground", foreground},
                        {"mean_probability_class1", meanProbability},
                        {"forward", moduleForward ? "module" : "frozen"},
                        {"peak_rss_mib", peakRssMiB()},
                        {"threads", t.intraOp},
                        {"allocator", hostAllocatorDescription(allocator)},
                        {"interop_threads", t.interOp},
                        {"device", device}};
    std::cout << j.dump() << std::endl;
  } catch (const sfr::Error& e) {
    std::cerr << "bench_sliding_window: " << e.what() << std::endl;
    return 2;
  }
  return 0;
}
