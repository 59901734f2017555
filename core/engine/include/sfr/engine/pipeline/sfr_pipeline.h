#pragma once
// One SFR / SFR+ run from data to scores (spec §3-§7): stitch -> fine-tune SAM -> pseudo-label ->
// re-train the V-Net -> (SFR+: score, route, fine-tune and re-train again, R rounds) -> final
// scoring -> evaluation. Every stage checkpoints into the run folder and a run resumes exactly
// (same final weights on the CPU for the same seed and thread count) after a stop, a pause or a
// crash. Started as one of several replicas (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE > 1, as
// torchrun sets them), re-training is data-parallel (DistributedContext) and replica k > 0 keeps
// its files in <run>/replica_<k>/. Free of <torch/torch.h>.
//
// The run folder:
//   config.json            the request's configuration, the resolved settings and the data split
//   pipeline_state.json    completed stages, SFR+ routing and confidence rows (resume bookkeeping)
//   metrics.jsonl          every loss and metric event, one JSON object per line (a resumed run
//                          repeats the iterations after its last checkpoint; the later line wins)
//   checkpoints/           the in-progress stage's state (removed when the stage completes)
//   sam_round<r>.pth       the fine-tuned LoRA SAM of round r (SFR layout, sam_iter_*.pth)
//   vnet_round<r>.pt       the re-trained V-Net of round r; labels_round<r>.pt SFR+ V-Net labels
//   vnet_final.pt          the last round's V-Net
//   confidence.csv         round, case, confidence, routed (fine-tune / pseudo-label for SFR+
//                          rounds; accepted / review for the final V-Net)
//   predictions/           held-out predictions <id>.nii.gz (folder datasets with ITK)
//   evaluation.json        per case, per class and mean metrics of the held-out cases
//   summary.json           what ran, for how long, and the headline numbers
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "sfr/base/progress.h"
#include "sfr/engine/pipeline/pipeline_config.h"
#include "sfr/engine/worker/run_driver.h"

namespace sfr::engine {

class SfrPipeline {
 public:
  /// Validates `config` (sfr::Error naming the key). With `resume`, run() continues from the
  /// folder's latest checkpoint; the folder must then hold the same configuration.
  SfrPipeline(PipelineConfig config, std::filesystem::path runDir, bool resume);

  /// Runs to the end and returns summary.json's content. Progress stages: "load", "fine-tune",
  /// "train", "score", "evaluate" (messages start with "round r"). Loss and metric events go to
  /// `events` (with "stage" and "round") and to metrics.jsonl. On cancellation the current stage
  /// is saved and sfr::Cancelled is thrown. The SAM checkpoint, when set, is loaded (and a
  /// mismatch reported) before any training step.
  nlohmann::json run(ProgressSink& progress, const CancelToken& cancel, EventSink& events);

  const PipelineConfig& config() const { return config_; }
  const std::filesystem::path& runDir() const { return runDir_; }

 private:
  PipelineConfig config_;
  std::filesystem::path runDir_;
  bool resume_;
};

/// The worker's RunDriverFactory (`sfr serve` "start"): request.config is a PipelineConfig.
std::unique_ptr<RunDriver> makeSfrPipelineRun(const RunRequest& request);

/// The registered re-training method names (for the worker's hello reply).
std::vector<std::string> pipelineMethodNames();

}  // namespace sfr::engine
