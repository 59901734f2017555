#pragma once
// Whole-volume V-Net prediction for applications: load a checkpoint once, then turn images into
// label maps (and optionally class probabilities) on the image's own grid. The header is free of
// <torch/torch.h> so the CLI and the worker compile without LibTorch headers.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "sfr/base/progress.h"
#include "sfr/base/volume.h"
#include "sfr/engine/sliding_window_options.h"
#include "sfr/engine/vnet_options.h"

namespace sfr::engine {

struct VolumePrediction {
  LabelVolume labels;                      ///< argmax class per voxel, same geometry as the image
  std::vector<ImageVolume> probabilities;  ///< one per class (index = class); empty unless asked
  int64_t windows = 0;                     ///< sliding windows evaluated
  /// Mean over the voxels of the highest class probability (SFR+'s volume confidence, §6).
  double confidence = 0;
};

class VNetVolumePredictor {
 public:
  /// Loads a V-Net checkpoint (UA-MT/SFR state dict, whose auxiliary heads are ignored, or our
  /// format). `expectedClasses`, when set, must match the checkpoint. Throws sfr::Error naming the
  /// file, or the option, that is wrong (including an unavailable device).
  VNetVolumePredictor(const std::filesystem::path& checkpoint, const SlidingWindowOptions& options,
                      std::optional<int64_t> expectedClasses = std::nullopt);
  ~VNetVolumePredictor();
  VNetVolumePredictor(VNetVolumePredictor&&) noexcept;
  VNetVolumePredictor& operator=(VNetVolumePredictor&&) noexcept;

  /// The loaded net's options (auxiliary heads off).
  const VNetOptions& netOptions() const;
  const SlidingWindowOptions& options() const;

  /// Runs test_single_case on `image` as given (normalise it first if the model expects it).
  VolumePrediction predict(const ImageVolume& image, bool withProbabilities = false,
                           ProgressSink* progress = nullptr,
                           const CancelToken* cancel = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfr::engine
