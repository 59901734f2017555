#pragma once
// SFR's fine-tuning stage (spec §3.6-§3.9): LoRA SAM trained on augmented mosaics of the labelled
// volumes with 0.5 (CE + Dice) and AdamW + poly decay. The tuner owns the model, the optimiser,
// the iteration counter, the epoch sampler and the random state:
//
//   SamFineTuner tuner(SamFineTuneSettings::cpu(), labelledVolumes);
//   std::cout << tuner.initialisation() << "\n";   // "random initialisation (no SAM checkpoint)"
//   tuner.run(tuner.settings().iterations(), progress, cancel);
//   tuner.saveAdapters("sam_iter_200.pth");
//
// Determinism: the constructor seeds LibTorch's generator (the fresh head and adapters) and the
// tuner's std::mt19937_64 (sampling and augmentation) with settings.seed. saveState()/loadState()
// capture the trainable weights, AdamW's moments, the iteration, the sampler and the generator
// states, so on the CPU with the same thread count N steps equal N/2 + save + load + N/2 steps
// bit for bit. The frozen encoder weights are not in the state: they come back from the same
// base checkpoint, or (random initialisation) from the same seed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sfr/base/progress.h"
#include "sfr/engine/augment.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam_training/fine_tune_settings.h"
#include "sfr/engine/sam_training/mosaic_augmenter.h"

namespace sfr::engine {

/// What one fine-tuning step reports (unweighted loss terms).
struct SamStepResult {
  int64_t iteration = 0;     ///< steps completed, this one included
  double learning_rate = 0;  ///< the learning rate this step used
  double loss = 0;           ///< ce_weight * ce + dice_weight * dice (back-propagated)
  double ce = 0;
  double dice = 0;  ///< the Dice *loss* (1 - soft Dice, mean over classes)
  int64_t canvases = 0;
};

/// Written in initialisation() when no base checkpoint is set.
inline constexpr const char* kSamRandomInitialisation = "random initialisation (no SAM checkpoint)";

class SamFineTuner {
 public:
  /// `labelled`: the labelled volumes (image float [X, Y, Z], label integer [X, Y, Z], classes
  /// 0..num_classes). Each image is z-scored again as SFR's loader does. Builds the LoRA SAM
  /// (makeSfrSam) on settings.device, the AdamW optimiser and the generators. Throws sfr::Error
  /// for invalid settings, an unavailable device, a bad checkpoint or bad volumes.
  SamFineTuner(SamFineTuneSettings settings, std::vector<CropPair> labelled);

  /// The next batch of `batch` volumes (shuffled epochs, last batch of an epoch may be smaller, as
  /// the released DataLoader without drop_last), augmented and stitched.
  MosaicBatch nextBatch();
  /// One optimiser step on nextBatch().
  SamStepResult step();
  /// One optimiser step on `batch` (any device; moved to the tuner's). Throws sfr::Error for a
  /// malformed batch or a non-finite loss (the weights and iteration() are then unchanged).
  SamStepResult step(const MosaicBatch& batch);

  /// Steps until iteration() == min(until, iterations). Reports stage "fine-tune" (done =
  /// iteration, message "loss 0.4123"), checks `cancel` before every step (sfr::Cancelled) and
  /// calls onStep after each. With `adapterFolder` set, writes sam_iter_<k>.pth (SFR layout)
  /// every save_every steps and at the last iteration.
  void run(int64_t until, ProgressSink& progress, const CancelToken& cancel = {},
           const std::function<void(const SamStepResult&)>& onStep = {},
           const std::filesystem::path& adapterFolder = {});

  int64_t iteration() const { return iteration_; }
  /// The learning rate the next step will use.
  double learningRate() const;
  const SamFineTuneSettings& settings() const { return settings_; }
  torch::Device device() const { return device_; }
  Sam model() const { return model_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  std::mt19937_64& rng() { return rng_; }
  const MosaicAugmenter& augmenter() const { return augmenter_; }
  /// The z-scored labelled volumes.
  const std::vector<CropPair>& volumes() const { return volumes_; }

  /// kSamRandomInitialisation, or "SAM checkpoint <path>" — for logs, CLI output, result files.
  const std::string& initialisation() const { return initialisation_; }
  /// Other facts a log should carry (e.g. "bf16 autocast requested on the CPU: running float32").
  const std::vector<std::string>& notes() const { return notes_; }
  /// True when the forward pass runs under bf16 autocast (CUDA and settings.bf16).
  bool usesBf16() const { return bf16_; }

  /// Adapters (+ prompt encoder and mask decoder for the Sfr layout) via saveLoRA, atomically.
  void saveAdapters(const std::filesystem::path& path,
                    LoRAFileLayout layout = LoRAFileLayout::Sfr) const;

  /// Writes the resumable state (torch.save-compatible dict, atomically) with `extra`.
  void saveState(const std::filesystem::path& path,
                 const nlohmann::json& extra = nlohmann::json::object()) const;
  /// Restores a saveState() file written with the same model settings; returns its `extra`.
  /// Throws sfr::Error naming the file otherwise (nothing is changed then).
  nlohmann::json loadState(const std::filesystem::path& path);

 private:
  std::vector<int64_t> nextIndices();

  SamFineTuneSettings settings_;
  torch::Device device_;
  std::mt19937_64 rng_;
  std::vector<CropPair> volumes_;
  MosaicAugmenter augmenter_;
  Sam model_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  int64_t iteration_ = 0;
  std::vector<int64_t> order_;  ///< current epoch's permutation
  int64_t cursor_ = 0;          ///< next position in order_
  std::string initialisation_;
  std::vector<std::string> notes_;
  bool bf16_ = false;
};

}  // namespace sfr::engine
