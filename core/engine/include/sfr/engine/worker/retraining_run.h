#pragma once
// The worker's default run: V-Net re-training with one TrainingMethod (supervised, self-training,
// mean-teacher, acmt, magicnet) on the built-in phantoms or a dataset folder, checkpointing every
// N iterations into the run folder and resuming from there. Files in run_dir:
//   config.json       the resolved configuration (with the full TrainingSettings)
//   state.pt          TrainingMethod::saveState() + the loader's position ("latest checkpoint")
//   vnet_final.pt     the trained student V-Net (sfr-vnet format) once the run finished
// Free of <torch/torch.h>.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/base/phantom.h"
#include "sfr/engine/training/training_settings.h"
#include "sfr/engine/worker/run_driver.h"

namespace sfr::engine {

struct RetrainingDataSettings {
  /// "phantom" (generatePhantomDataset) or "folder" (an MSD / LA / plain dataset; needs ITK).
  TORCH_ARG(std::string, source) = "phantom";
  TORCH_ARG(PhantomSettings, phantom) = PhantomSettings{}.setCases(8);
  TORCH_ARG(std::string, folder);
  /// The first `labelled` cases (with labels) are labelled, the next `unlabelled` ones (labels
  /// ignored) unlabelled; -1 = every remaining case.
  TORCH_ARG(int, labelled) = 2;
  TORCH_ARG(int, unlabelled) = -1;
  /// Per-volume intensity normalisation of folder images: "zscore" (§7.1) or "none". Phantoms are
  /// already z-scored.
  TORCH_ARG(std::string, normalize) = "zscore";
};

struct RetrainingRunConfig {
  /// Preset the training settings start from: "cpu" or "paper" (§9).
  TORCH_ARG(std::string, preset) = "cpu";
  TORCH_ARG(std::string, method) = "mean-teacher";
  /// Keys merged over the preset's TrainingSettings JSON (e.g. {"iterations": 20,
  /// "network": {"filters": 4}}); unknown keys are errors.
  TORCH_ARG(nlohmann::json, training) = nlohmann::json::object();
  TORCH_ARG(RetrainingDataSettings, data);
  /// Save state.pt every this many iterations (and on pause/stop and at the end).
  TORCH_ARG(int64_t, checkpoint_every) = 50;

 public:
  /// The preset for `method` with `training` merged in; throws sfr::Error naming the key.
  TrainingSettings resolvedTraining() const;
  /// Throws sfr::Error naming the field ("run.data.labelled", ...).
  void validate() const;
};

void to_json(nlohmann::json& j, const RetrainingDataSettings& s);
void from_json(const nlohmann::json& j, RetrainingDataSettings& s);
void to_json(nlohmann::json& j, const RetrainingRunConfig& s);
/// Strict: unknown keys and wrong types throw sfr::Error("run.<key>", ...).
void from_json(const nlohmann::json& j, RetrainingRunConfig& s);

/// The RunDriverFactory of re-training: parses and validates request.config now, trains in run().
std::unique_ptr<RunDriver> makeRetrainingRun(const RunRequest& request);

/// The registered training method names (for the worker's hello reply).
std::vector<std::string> retrainingMethodNames();

}  // namespace sfr::engine
