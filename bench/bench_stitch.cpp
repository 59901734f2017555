// Times the tensor Stitcher (spec §2): a batch of crops -> SAM canvases (images and labels) and
// per-class canvases -> 3D probabilities, as done for every unlabelled crop in every re-training
// iteration. Prints crops/s, peak RSS and threads, then a JSON line.

#include <chrono>
#include <cstdio>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sfr/engine/runtime.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/stitcher.h"

#include "peak_rss.h"

using namespace sfr::engine;

int main(int argc, char** argv) {
  CLI::App app{"Times stitching and inverse stitching of crops", "bench_stitch"};
  std::vector<int64_t> size{112, 112, 80};
  int64_t batch = 2, classes = 2, canvas = 1024;
  int iterations = 20, threads = 0;
  std::string device = "cpu";
  app.add_option("--size", size, "crop X,Y,Z")->delimiter(',')->expected(3)->capture_default_str();
  app.add_option("--batch", batch)->capture_default_str();
  app.add_option("--classes", classes, "channels of the probability canvases")
      ->capture_default_str();
  app.add_option("--canvas", canvas, "SAM input size S")->capture_default_str();
  app.add_option("--iterations", iterations)->capture_default_str();
  app.add_option("--device", device, "cpu or cuda")->capture_default_str();
  app.add_option("--threads", threads, "intra/inter-op threads (0: LibTorch default)");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) setTorchThreads(threads);
  const ThreadSettings t = torchThreads();
  const torch::Device dev = parseDevice(device);

  const Stitcher stitcher(sfr::Size3{size_t(size[0]), size_t(size[1]), size_t(size[2])},
                          sfr::StitchSettings{}.setCanvas(static_cast<int>(canvas)));
  auto images = torch::randn({batch, size[0], size[1], size[2]}, torch::TensorOptions(dev));
  auto labels = torch::randint(0, classes, {batch, size[0], size[1], size[2]},
                               torch::TensorOptions(dev).dtype(torch::kLong));
  auto probs = torch::rand({batch * stitcher.chunksPerCrop(), classes, canvas, canvas},
                           torch::TensorOptions(dev));
  auto sync = [&] {
    if (dev.is_cuda()) torch::cuda::synchronize();
  };
  torch::NoGradGuard noGrad;
  double seconds[3] = {0, 0, 0};
  for (int it = -1; it < iterations; ++it) {  // it = -1 warms up
    auto t0 = std::chrono::steady_clock::now();
    auto ci = stitcher.stitchImages(images);
    auto cl = stitcher.stitchLabels(labels);
    sync();
    auto t1 = std::chrono::steady_clock::now();
    auto back = stitcher.unstitchProbabilities(probs);
    sync();
    auto t2 = std::chrono::steady_clock::now();
    auto lb = stitcher.unstitchLabels(cl);
    sync();
    auto t3 = std::chrono::steady_clock::now();
    if (it < 0) continue;
    seconds[0] += std::chrono::duration<double>(t1 - t0).count();
    seconds[1] += std::chrono::duration<double>(t2 - t1).count();
    seconds[2] += std::chrono::duration<double>(t3 - t2).count();
  }
  const double perCrop = 1e3 / (iterations * batch);
  std::printf("stitch %lldx%lldx%lld -> %lld px (%d chunk(s)), batch %lld, %s, threads %d/%d\n",
              (long long)size[0], (long long)size[1], (long long)size[2], (long long)canvas,
              stitcher.chunksPerCrop(), (long long)batch, device.c_str(), t.intraOp, t.interOp);
  std::printf(
      "  stitch image+label %.3f ms/crop, unstitch %lld-class probabilities %.3f ms/crop, "
      "unstitch labels %.3f ms/crop, peak RSS %.0f MiB\n",
      seconds[0] * perCrop, (long long)classes, seconds[1] * perCrop, seconds[2] * perCrop,
      peakRssMiB());
  nlohmann::json j = {{"bench", "stitch"},
                      {"stitch_ms_per_crop", seconds[0] * perCrop},
                      {"unstitch_probabilities_ms_per_crop", seconds[1] * perCrop},
                      {"unstitch_labels_ms_per_crop", seconds[2] * perCrop},
                      {"peak_rss_mib", peakRssMiB()},
                      {"threads", t.intraOp},
                      {"device", device}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
