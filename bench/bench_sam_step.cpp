// Times SFR's SAM fine-tuning step (spec §3.6-§3.9): LoRA SAM forward on a batch of canvases,
// 0.5 (CE ignore 255 + Dice) on the full-resolution logits, backward, AdamW — through
// SamFineTuner::step, so bf16 autocast is the engine's own. The data pipeline is excluded (one
// fixed random batch). Configurations: tiny (the reference tiny SAM, S = 256), cpu (ViT-B at
// S = 512, the §9 cpu preset), vit_b (ViT-B at S = 1024, the paper). Weights are random (no
// checkpoint): speed and memory do not depend on them.
//
// Peak memory: RSS (getrusage) always; on CUDA also LibTorch's caching-allocator peak
// (c10::cuda stats, compiled in only where the CUDA headers exist).

#include <chrono>
#include <cstdio>
#include <iostream>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

// Debian's CPU LibTorch ships c10/cuda headers without the CUDA runtime they include.
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define SFR_BENCH_CUDA_STATS 1
#endif

#include "sfr/base/error.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam_training/sam_fine_tuner.h"

#include "peak_rss.h"

using namespace sfr::engine;

namespace {

int64_t parameterCount(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

#ifdef SFR_BENCH_CUDA_STATS
double cudaPeakMiB(const torch::Device& device) {
  const auto stats =
      c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
  return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
}
void resetCudaPeak(const torch::Device& device) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(device.has_index() ? device.index() : 0);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times SAM LoRA fine-tuning steps (SFR stage 2)", "bench_sam_step"};
  std::string config = "tiny", device = "cpu";
  int64_t batch = 2, imageSize = 0, classes = 1;
  int iterations = 5, warmup = 1, threads = 0;
  bool bf16 = false;
  app.add_option("--config", config, "tiny, cpu (ViT-B at 512) or vit_b (ViT-B at 1024)")
      ->check(CLI::IsMember({"tiny", "cpu", "vit_b"}))
      ->capture_default_str();
  app.add_option("--batch", batch, "canvases per step")->capture_default_str();
  app.add_option("--image-size", imageSize, "SAM input side S (0: the configuration's)");
  app.add_option("--classes", classes, "foreground classes")->capture_default_str();
  app.add_option("--iterations", iterations, "timed steps")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--threads", threads, "intra/inter-op threads (0: LibTorch default)");
  app.add_option("--device", device, "cpu, cuda or cuda:<n>")->capture_default_str();
  app.add_flag("--bf16", bf16, "bf16 autocast of the forward pass (CUDA only)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (threads > 0) setTorchThreads(threads);
    SamFineTuneSettings s;
    s.model().base(config == "tiny" ? SamOptions::tiny() : SamOptions::vitB());
    if (imageSize <= 0) imageSize = config == "tiny" ? 256 : config == "cpu" ? 512 : 1024;
    s.model().image_size(imageSize).num_classes(classes);
    // A crop that stitches at this size (8 x 8 tiles); only the constructor's checks see it.
    const int64_t side = imageSize / 8;
    s.augment().crop({side, side, 32});
    s.augment().stitch().setCanvas(static_cast<int>(imageSize));
    s.iterations(1000000).batch(1).device(device).bf16(bf16).seed(1337);
    const CropPair dummy{torch::randn({side + 2, side + 2, 34}),
                         torch::zeros({side + 2, side + 2, 34}, torch::kLong)};
    SamFineTuner tuner(s, {dummy});
    for (const std::string& note : tuner.notes()) std::printf("  note: %s\n", note.c_str());

    const torch::Device dev = tuner.device();
    MosaicBatch b;
    b.images = torch::randn({batch, 3, imageSize, imageSize}).to(dev);
    b.labels = torch::randint(0, classes + 1, {batch, imageSize, imageSize}, torch::kLong);
    b.labels.masked_fill_(torch::rand({batch, imageSize, imageSize}) < 0.05, 255);
    b.labels = b.labels.to(dev);

    SamStepResult last;
    for (int i = 0; i < warmup; ++i) last = tuner.step(b);
#ifdef SFR_BENCH_CUDA_STATS
    if (dev.is_cuda()) {
      torch::cuda::synchronize();
      resetCudaPeak(dev);
    }
#endif
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) last = tuner.step(b);
    if (dev.is_cuda()) torch::cuda::synchronize();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    double cudaPeak = -1;
#ifdef SFR_BENCH_CUDA_STATS
    if (dev.is_cuda()) cudaPeak = cudaPeakMiB(dev);
#endif
    const ThreadSettings t = torchThreads();
    const int64_t total = parameterCount(*tuner.model());
    const int64_t trainable = trainableParameterCount(*tuner.model());
    const double itPerS = iterations / seconds;
    std::printf(
        "bench_sam_step (C++ LibTorch %s): config %s, S %lld, batch %lld, classes %lld, %s%s\n",
        TORCH_VERSION, config.c_str(), static_cast<long long>(imageSize),
        static_cast<long long>(batch), static_cast<long long>(classes), device.c_str(),
        tuner.usesBf16() ? ", bf16 autocast" : ", float32");
    std::printf("  params %lld total, %lld trainable; %s\n", static_cast<long long>(total),
                static_cast<long long>(trainable), tuner.initialisation().c_str());
    std::printf(
        "  %.1f ms/it, %.3f it/s over %d steps (after %d warm-up), loss %.4f, threads %d/%d\n",
        1000.0 * seconds / iterations, itPerS, iterations, warmup, last.loss, t.intraOp, t.interOp);
    if (cudaPeak >= 0)
      std::printf("  peak CUDA memory %.0f MiB (caching allocator, allocated), peak RSS %.0f MiB\n",
                  cudaPeak, peakRssMiB());
    else
      std::printf(
          "  peak RSS %.0f MiB%s\n", peakRssMiB(),
          dev.is_cuda() ? " (CUDA allocator stats not compiled in: no CUDA runtime headers)" : "");
    nlohmann::json j = {{"bench", "sam_step"},
                        {"impl", "cpp"},
                        {"config", config},
                        {"image_size", imageSize},
                        {"batch", batch},
                        {"classes", classes},
                        {"device", device},
                        {"bf16", tuner.usesBf16()},
                        {"params_total", total},
                        {"params_trainable", trainable},
                        {"ms_per_it", 1000.0 * seconds / iterations},
                        {"it_per_s", itPerS},
                        {"iterations", iterations},
                        {"threads", t.intraOp},
                        {"interop_threads", t.interOp},
                        {"peak_rss_mib", peakRssMiB()},
                        {"loss", last.loss}};
    if (cudaPeak >= 0) j["peak_cuda_allocated_mib"] = cudaPeak;
    std::cout << j.dump() << std::endl;
  } catch (const sfr::Error& e) {
    std::cerr << "bench_sam_step: " << e.what() << std::endl;
    return 2;
  }
  return 0;
}
