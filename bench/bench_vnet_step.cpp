// Times SFR-MT re-training steps (§5.3) without SAM: a hierarchical V-Net student and its EMA
// teacher on a batch of L labelled + U unlabelled crops; supervised CE + Dice on the labelled half,
// the same loss against fixed pseudo-labels on the unlabelled half, softmax-MSE consistency with
// the noisy teacher, SGD (lr 0.01, momentum 0.9, wd 1e-4) and the EMA update.
// Twin: bench/python/bench_vnet_step.py. Prints it/s, peak RSS and threads, then a JSON line.

#include <chrono>
#include <cstdio>
#include <iostream>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/losses.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet.h"

#include "peak_rss.h"

using namespace sfr::engine;

namespace {}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times Mean-Teacher V-Net training steps (SFR-MT without SAM)", "bench_vnet_step"};
  std::vector<int64_t> size{112, 112, 80};
  int64_t labeled = 2, unlabeled = 2, filters = 16, classes = 2;
  int iterations = 5, warmup = 1, threads = 0;
  std::string device = "cpu";
  app.add_option("--size", size, "crop X,Y,Z")->delimiter(',')->expected(3)->capture_default_str();
  app.add_option("--labeled", labeled, "labelled crops per batch")->capture_default_str();
  app.add_option("--unlabeled", unlabeled, "unlabelled crops per batch")->capture_default_str();
  app.add_option("--filters", filters, "V-Net base width")->capture_default_str();
  app.add_option("--classes", classes)->capture_default_str();
  app.add_option("--iterations", iterations, "timed steps")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--device", device, "cpu or cuda")->capture_default_str();
  app.add_option("--threads", threads, "intra/inter-op threads (0: LibTorch default)");
  CLI11_PARSE(app, argc, argv);

  try {
    const HostAllocator allocator = configureHostAllocator();
    if (threads > 0) setTorchThreads(threads);
    const torch::Device dev = parseDevice(device);
    torch::manual_seed(1337);
    const VNetOptions options = VNetOptions()
                                    .filters(filters)
                                    .classes(classes)
                                    .has_dropout(true)
                                    .auxiliary_heads(true)
                                    .pyramid_has_dropout(true);
    VNet student(options), teacher(options);
    student->to(dev);
    teacher->to(dev);
    student->train();
    teacher->train();
    for (auto& p : teacher->parameters()) p.set_requires_grad(false);
    torch::optim::SGD sgd(student->parameters(),
                          torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(1e-4));

    const int64_t batch = labeled + unlabeled;
    const auto fopts = torch::TensorOptions().device(dev);
    const torch::Tensor x = torch::randn({batch, 1, size[0], size[1], size[2]}, fopts);
    const torch::Tensor y = (x.select(1, 0) > 0.5).to(torch::kLong);  // labels of every crop

    auto step = [&](int iter) {
      torch::Tensor out = student->forward(x).logits;
      torch::Tensor prob = torch::softmax(out, 1);
      torch::Tensor noisy = x + torch::clamp(torch::randn_like(x) * 0.1, -0.2, 0.2);
      torch::Tensor teacherOut;
      {
        torch::NoGradGuard noGrad;
        teacherOut = teacher->forward(noisy).logits;
      }
      const auto l = torch::indexing::Slice(0, labeled);
      const auto u = torch::indexing::Slice(labeled, batch);
      torch::Tensor loss = 0.5 * crossEntropyLoss(out.index({l}), y.index({l})) +
                           0.5 * softDiceLoss(prob.index({l}), y.index({l}));
      if (unlabeled > 0)
        loss = loss + 0.5 * crossEntropyLoss(out.index({u}), y.index({u})) +
               0.5 * softDiceLoss(prob.index({u}), y.index({u}));
      const double w = 0.1 * sigmoidRampup(iter / 150, 40.0);
      loss = loss + w * softmaxMseLoss(out, teacherOut);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      const double alpha = std::min(1.0 - 1.0 / (iter + 1), 0.99);
      torch::NoGradGuard noGrad;
      auto sp = student->parameters();
      auto tp = teacher->parameters();
      for (std::size_t i = 0; i < sp.size(); ++i) tp[i].mul_(alpha).add_(sp[i], 1.0 - alpha);
      return loss.item<double>();
    };

    double lastLoss = 0.0;
    for (int i = 0; i < warmup; ++i) lastLoss = step(i);
    if (dev.is_cuda()) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) lastLoss = step(warmup + i);
    if (dev.is_cuda()) torch::cuda::synchronize();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const ThreadSettings t = torchThreads();
    const double itPerS = iterations / seconds;
    std::printf(
        "bench_vnet_step (C++ LibTorch %s): batch %lld+%lld of %lldx%lldx%lld, filters %lld\n",
        TORCH_VERSION, static_cast<long long>(labeled), static_cast<long long>(unlabeled),
        static_cast<long long>(size[0]), static_cast<long long>(size[1]),
        static_cast<long long>(size[2]), static_cast<long long>(filters));
    std::printf(
        "  %.3f it/s (%.2f s/it over %d steps), loss %.4f, peak RSS %.0f MiB, threads %d/%d, %s, "
        "allocator: %s\n",
        itPerS, seconds / iterations, iterations, lastLoss, peakRssMiB(), t.intraOp, t.interOp,
        device.c_str(), hostAllocatorDescription(allocator).c_str());
    nlohmann::json j = {{"bench", "vnet_step"},
                        {"impl", "cpp"},
                        {"it_per_s", itPerS},
                        {"seconds", seconds},
                        {"iterations", iterations},
                        {"peak_rss_mib", peakRssMiB()},
                        {"threads", t.intraOp},
                        {"allocator", hostAllocatorDescription(allocator)},
                        {"interop_threads", t.interOp},
                        {"device", device},
                        {"size", size},
                        {"labeled", labeled},
                        {"unlabeled", unlabeled},
                        {"filters", filters},
                        {"loss", lastLoss}};
    std::cout << j.dump() << std::endl;
  } catch (const sfr::Error& e) {
    std::cerr << "bench_vnet_step: " << e.what() << std::endl;
    return 2;
  }
  return 0;
}
