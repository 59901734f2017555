#pragma once
// Settings of V-Net re-training (spec §5.2-§5.6, presets §9): one struct per concern, each with the
// released defaults, named setters in LibTorch's TORCH_ARG style
// (`TrainingSettings().iterations(300).batch(BatchSettings().labelled(1))`, or in place:
// `s.batch().labelled(1)`) and a JSON round trip. Free of <torch/torch.h> so the CLI and the
// studio can carry them; <torch/arg.h> is a plain macro header.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/arg.h>
#include <nlohmann/json_fwd.hpp>

#include "sfr/engine/vnet_options.h"

namespace sfr::engine {

using Extent3 = std::array<int64_t, 3>;  ///< (x, y, z) sizes in voxels

/// SGD over every student parameter (§5.3): no Nesterov, no dampening.
struct OptimizerSettings {
  TORCH_ARG(double, learning_rate) = 0.01;
  TORCH_ARG(double, momentum) = 0.9;
  TORCH_ARG(double, weight_decay) = 1e-4;
};

enum class LrScheduleKind {
  /// lr = base * gamma^(number of milestones <= iter), the milestones being every step_size
  /// iterations (released SFR: x0.1 at 2500 and 5000) or the explicit list `milestones`.
  Step,
  /// lr = base * (1 - iter/iterations)^power with iter counted after the step (BTCV, MagicNet).
  Poly,
  /// ACMT's variant: the same formula with iter counted before the step, so it lags one step.
  PolyBeforeIncrement
};

/// "step", "poly", "poly-acmt".
std::string toString(LrScheduleKind kind);
/// Inverse of toString; other spellings throw sfr::Error.
LrScheduleKind lrScheduleKindFromString(const std::string& name);

struct LrScheduleSettings {
  TORCH_ARG(LrScheduleKind, kind) = LrScheduleKind::Step;
  TORCH_ARG(int64_t, step_size) = 2500;
  /// When non-empty (strictly increasing), these replace the every-step_size milestones
  /// (the cpu preset decays at 150 and 250).
  TORCH_ARG(std::vector<int64_t>, milestones);
  TORCH_ARG(double, gamma) = 0.1;
  TORCH_ARG(double, power) = 0.9;
};

/// The two-stream batch (§5.2): [labelled | unlabelled] crops, each RandomRotFlip -> RandomCrop.
struct BatchSettings {
  TORCH_ARG(int64_t, labelled) = 2;    ///< labeled_bs
  TORCH_ARG(int64_t, unlabelled) = 2;  ///< batch_size - labeled_bs
  /// (x, y, z) crop in voxels; every axis a multiple of 16 (V-Net). LA: 112 x 112 x 80.
  TORCH_ARG(Extent3, crop) = {112, 112, 80};
  /// RandomRotFlip before the crop (LA); BTCV and MACT use RandomCrop only.
  TORCH_ARG(bool, rot_flip) = true;
};

/// w(iter) = weight * sigmoid_rampup(iter // rampup_divisor, rampup_length) (§5.3). With
/// floor_division false the ramp position is iter / rampup_divisor (the cpu preset's iter / 7.5).
struct ConsistencySettings {
  TORCH_ARG(double, weight) = 0.1;
  TORCH_ARG(double, rampup_length) = 40;
  TORCH_ARG(double, rampup_divisor) = 150;
  TORCH_ARG(bool, floor_division) = true;
};

/// The EMA teacher (§5.3): alpha = min(1 - 1/(iter + 1), ema_decay) over parameters only; its input
/// is x + clamp(N(0, noise_sigma^2), -noise_clip, noise_clip).
struct TeacherSettings {
  TORCH_ARG(double, ema_decay) = 0.99;
  TORCH_ARG(double, noise_sigma) = 0.1;
  TORCH_ARG(double, noise_clip) = 0.2;
};

/// L_p = 0.5 (CE + Dice)(student on the unlabelled crops, pseudo-labels), weighted by lambda_pseudo
/// (the released code has no weight: 1).
struct PseudoLabelSettings {
  TORCH_ARG(double, lambda_pseudo) = 1.0;
  /// SAM labels each unlabelled crop with the batch's RandomRotFlip undone and the labels turned
  /// back (ours). Released: false, SAM sees the crop as augmented, which needs a SAM fine-tuned
  /// with the same 3D rot/flip; the pipeline sets it when fine-tuning drew none (cpu / mobile).
  TORCH_ARG(bool, undo_rot_flip) = false;
};

/// AC-MT entropy selection (§5.5): tau(iter) = entropy_threshold + (entropy_threshold_max -
/// entropy_threshold) * sigmoid_rampup(iter, iterations).
struct AcmtSettings {
  TORCH_ARG(double, entropy_threshold) = 0.75;  ///< Ent_th
  TORCH_ARG(double, entropy_threshold_max) = 0.95;
};

/// MagicNet (§5.6).
struct MagicNetSettings {
  /// Edge of the magic cubes; a multiple of 16 that divides every crop axis (BTCV: 32 in 96^3).
  TORCH_ARG(int64_t, cube_size) = 32;
  /// Width of fc_layer's hidden layer (MagicNet: 4096).
  TORCH_ARG(int64_t, fc_hidden) = 4096;
  TORCH_ARG(double, location_weight) = 0.1;  ///< weight of the cube location loss
  /// Cube-wise pseudo-label blending starts when iter > blend_start (MagicNet: 100).
  TORCH_ARG(int64_t, blend_start) = 100;
  /// The class histogram of the pseudo-labels is refreshed when iter % histogram_interval == 0.
  TORCH_ARG(int64_t, histogram_interval) = 20;
  TORCH_ARG(double, temperature) = 1.0;  ///< T_dist
  /// Weight of the unmixed-prediction consistency: 0.1 * sigmoid_rampup(iter // 350, 200).
  TORCH_ARG(ConsistencySettings,
            consistency) = ConsistencySettings().weight(0.1).rampup_length(200).rampup_divisor(350);
};

struct TrainingSettings {
  /// Registry name: "supervised", "self-training", "mean-teacher", "acmt", "magicnet".
  TORCH_ARG(std::string, method) = "mean-teacher";
  TORCH_ARG(int64_t, iterations) = 6000;  ///< max_iterations
  /// The student (and teacher). Released re-training: SFR hierarchical V-Net, batchnorm,
  /// dropout 0.5 at both sites and before the auxiliary heads.
  TORCH_ARG(VNetOptions, network) =
      VNetOptions().has_dropout(true).auxiliary_heads(true).pyramid_has_dropout(true);
  TORCH_ARG(OptimizerSettings, optimizer);
  TORCH_ARG(LrScheduleSettings, schedule);
  TORCH_ARG(BatchSettings, batch);
  TORCH_ARG(ConsistencySettings, consistency);
  TORCH_ARG(TeacherSettings, teacher);
  TORCH_ARG(PseudoLabelSettings, pseudo_labels);
  TORCH_ARG(AcmtSettings, acmt);
  TORCH_ARG(MagicNetSettings, magicnet);
  TORCH_ARG(uint64_t, seed) = 1337;
  TORCH_ARG(std::string, device) = "cpu";  ///< "cpu", "cuda" or "cuda:<index>"

 public:
  /// The released settings of `method` (§9 `paper`): SFR's for supervised, self-training,
  /// mean-teacher and acmt (6000 steps, step LR, LA crop); MagicNet's BTCV settings for magicnet
  /// (70000 steps, poly LR, 96^3 crop without RotFlip, instancenorm V-Net without dropout or
  /// auxiliary heads, 14 classes). Unknown names throw sfr::Error.
  static TrainingSettings paper(const std::string& method);
  /// §9 `cpu`: 300 steps, batch 1 + 1, crop 64 x 64 x 32, LR x0.1 at 150 and 250, ramp-up
  /// position iter / 7.5 (MagicNet: crop 64^3, cube 32, 2 classes).
  static TrainingSettings cpu(const std::string& method);

  /// Throws sfr::Error naming the offending key ("batch.crop", "optimizer.momentum", ...).
  /// Method-specific requirements are checked when the method is built.
  void validate() const;
};

/// Exact comparison of every field (through the JSON form, so doubles compare bit for bit).
bool operator==(const TrainingSettings& a, const TrainingSettings& b);
inline bool operator!=(const TrainingSettings& a, const TrainingSettings& b) {
  return !(a == b);
}

// JSON: every struct writes all its keys; reading keeps defaults for missing keys and throws
// sfr::Error("training.<path>.<key>", ...) for wrong types and unknown keys (typos would otherwise
// silently train with a default).
void to_json(nlohmann::json& j, const OptimizerSettings& s);
void from_json(const nlohmann::json& j, OptimizerSettings& s);
void to_json(nlohmann::json& j, const LrScheduleSettings& s);
void from_json(const nlohmann::json& j, LrScheduleSettings& s);
void to_json(nlohmann::json& j, const BatchSettings& s);
void from_json(const nlohmann::json& j, BatchSettings& s);
void to_json(nlohmann::json& j, const ConsistencySettings& s);
void from_json(const nlohmann::json& j, ConsistencySettings& s);
void to_json(nlohmann::json& j, const TeacherSettings& s);
void from_json(const nlohmann::json& j, TeacherSettings& s);
void to_json(nlohmann::json& j, const PseudoLabelSettings& s);
void from_json(const nlohmann::json& j, PseudoLabelSettings& s);
void to_json(nlohmann::json& j, const AcmtSettings& s);
void from_json(const nlohmann::json& j, AcmtSettings& s);
void to_json(nlohmann::json& j, const MagicNetSettings& s);
void from_json(const nlohmann::json& j, MagicNetSettings& s);
void to_json(nlohmann::json& j, const TrainingSettings& s);
void from_json(const nlohmann::json& j, TrainingSettings& s);

}  // namespace sfr::engine
