#pragma once
// Private to sfr_engine: the volumes of one pipeline run, split as PipelineDataSettings says.
// Training volumes are read once and kept as tensors; held-out cases are read when they are
// scored, so a 40-case evaluation does not hold 40 volumes in memory during training.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sfr/base/progress.h"
#include "sfr/base/volume.h"
#include "sfr/engine/pipeline/pipeline_config.h"

namespace sfr::engine::internal {

struct TrainingCase {
  std::string id;
  torch::Tensor image;  ///< [X, Y, Z] float32, normalised
  torch::Tensor label;  ///< [X, Y, Z] uint8; undefined for unlabelled cases
  /// Folder datasets: the label file read (the dataset's, or run.data.label_files' override);
  /// empty for phantoms and unlabelled cases.
  std::filesystem::path labelFile = {};
};

struct HeldOutCase {
  std::string id;
  std::filesystem::path image, label;  ///< folder datasets (label: run.data.label_files' first)
  int phantomIndex = -1;               ///< phantom datasets
};

struct PipelineData {
  std::string layout;   ///< "phantom", "la", "msd" or "folder"
  int64_t classes = 2;  ///< background included
  std::vector<TrainingCase> labelled, unlabelled;
  std::vector<HeldOutCase> test;
};

/// Lists and reads the run's volumes. A case in settings.label_files() takes that label file
/// instead of the dataset's (and is labelled even when the dataset has none); each such file is
/// read and checked against its image here, before any training. Throws sfr::Error naming the
/// dataset file or the setting.
PipelineData loadPipelineData(const PipelineDataSettings& settings, ProgressSink& progress,
                              const CancelToken& cancel);

/// A held-out case as image (normalised like the training volumes) and reference label.
struct HeldOutVolumes {
  ImageVolume image;
  LabelVolume label;
};
HeldOutVolumes readHeldOut(const PipelineDataSettings& settings, const HeldOutCase& c);

}  // namespace sfr::engine::internal
