#pragma once
// The built-in demo job: what `sfr demo` runs when there is no display. It generates the synthetic
// left-atrium phantoms (core/base), trains a small V-Net on the few labelled cases with the
// released supervised loss (0.5 CE + 0.5 Dice, SGD), predicts the held-out cases with the sliding
// window and scores them with the medpy-exact Dice. Deterministic on the CPU for a seed. This
// header stays free of <torch/torch.h> so the CLI compiles in seconds.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/base/phantom.h"
#include "sfr/base/progress.h"

namespace sfr::engine {

struct DemoSettings {
  PhantomSettings phantom = PhantomSettings{}.setCases(16);
  int labelled = 2;   ///< cases 0..labelled-1 train the network
  int testCases = 6;  ///< the last testCases cases are held out and scored
  int iterations = 300;
  std::array<int64_t, 3> crop{64, 64, 32};
  int64_t filters = 8;
  int batch = 2;
  double learningRate = 0.01;
  double momentum = 0.9;
  double weightDecay = 1e-4;
  std::uint64_t seed = 1337;
  std::string device = "cpu";
  std::string outputDir;  ///< when set: vnet_demo.pt, summary.json and (with ITK) predicted masks

  void validate() const;
};

void to_json(nlohmann::json& j, const DemoSettings& s);
void from_json(const nlohmann::json& j, DemoSettings& s);

struct DemoCaseResult {
  std::string id;
  double dice = 0;
};

struct DemoResult {
  std::vector<DemoCaseResult> cases;
  double meanDice = 0;
  double finalLoss = 0;
  double trainSeconds = 0;
  double predictSeconds = 0;
  std::vector<std::string> writtenFiles;  ///< files written to outputDir, in order
};

/// Runs the whole demo; progress stages are "generate", "train" and "predict".
DemoResult runDemo(const DemoSettings& settings, ProgressSink& progress,
                   const CancelToken& cancel = {});

}  // namespace sfr::engine
