#include "sfr/engine/training/training_settings.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "internal/json_key_reader.h"
#include "sfr/base/error.h"

namespace sfr::engine {

std::string toString(LrScheduleKind kind) {
  switch (kind) {
    case LrScheduleKind::Step:
      return "step";
    case LrScheduleKind::Poly:
      return "poly";
    case LrScheduleKind::PolyBeforeIncrement:
      return "poly-acmt";
  }
  return "step";
}

LrScheduleKind lrScheduleKindFromString(const std::string& name) {
  if (name == "step") return LrScheduleKind::Step;
  if (name == "poly") return LrScheduleKind::Poly;
  if (name == "poly-acmt") return LrScheduleKind::PolyBeforeIncrement;
  throw Error("training.schedule.kind",
              "unknown value '" + name + "' (expected step, poly or poly-acmt)");
}

namespace {

using internal::KeyReader;

void require(bool ok, const std::string& key, const std::string& problem) {
  if (!ok) throw Error("training." + key, problem);
}

void validateConsistency(const ConsistencySettings& c, const std::string& path) {
  require(std::isfinite(c.weight()) && c.weight() >= 0, path + ".weight", "must be >= 0");
  require(std::isfinite(c.rampup_length()) && c.rampup_length() >= 0, path + ".rampup_length",
          "must be >= 0");
  require(std::isfinite(c.rampup_divisor()) && c.rampup_divisor() > 0, path + ".rampup_divisor",
          "must be positive");
}

}  // namespace

void to_json(nlohmann::json& j, const OptimizerSettings& s) {
  j = {{"learning_rate", s.learning_rate()},
       {"momentum", s.momentum()},
       {"weight_decay", s.weight_decay()}};
}

void from_json(const nlohmann::json& j, OptimizerSettings& s) {
  KeyReader r(j, "training.optimizer");
  r.read("learning_rate", s.learning_rate());
  r.read("momentum", s.momentum());
  r.read("weight_decay", s.weight_decay());
  r.finish();
}

void to_json(nlohmann::json& j, const LrScheduleSettings& s) {
  j = {{"kind", toString(s.kind())},
       {"step_size", s.step_size()},
       {"milestones", s.milestones()},
       {"gamma", s.gamma()},
       {"power", s.power()}};
}

void from_json(const nlohmann::json& j, LrScheduleSettings& s) {
  KeyReader r(j, "training.schedule");
  std::string kind = toString(s.kind());
  r.read("kind", kind);
  s.kind(lrScheduleKindFromString(kind));
  r.read("step_size", s.step_size());
  r.read("milestones", s.milestones());
  r.read("gamma", s.gamma());
  r.read("power", s.power());
  r.finish();
}

void to_json(nlohmann::json& j, const BatchSettings& s) {
  j = {{"labelled", s.labelled()},
       {"unlabelled", s.unlabelled()},
       {"crop", s.crop()},
       {"rot_flip", s.rot_flip()}};
}

void from_json(const nlohmann::json& j, BatchSettings& s) {
  KeyReader r(j, "training.batch");
  r.read("labelled", s.labelled());
  r.read("unlabelled", s.unlabelled());
  r.read("crop", s.crop());
  r.read("rot_flip", s.rot_flip());
  r.finish();
}

void to_json(nlohmann::json& j, const ConsistencySettings& s) {
  j = {{"weight", s.weight()},
       {"rampup_length", s.rampup_length()},
       {"rampup_divisor", s.rampup_divisor()},
       {"floor_division", s.floor_division()}};
}

void from_json(const nlohmann::json& j, ConsistencySettings& s) {
  KeyReader r(j, "training.consistency");
  r.read("weight", s.weight());
  r.read("rampup_length", s.rampup_length());
  r.read("rampup_divisor", s.rampup_divisor());
  r.read("floor_division", s.floor_division());
  r.finish();
}

void to_json(nlohmann::json& j, const TeacherSettings& s) {
  j = {{"ema_decay", s.ema_decay()},
       {"noise_sigma", s.noise_sigma()},
       {"noise_clip", s.noise_clip()}};
}

void from_json(const nlohmann::json& j, TeacherSettings& s) {
  KeyReader r(j, "training.teacher");
  r.read("ema_decay", s.ema_decay());
  r.read("noise_sigma", s.noise_sigma());
  r.read("noise_clip", s.noise_clip());
  r.finish();
}

void to_json(nlohmann::json& j, const PseudoLabelSettings& s) {
  j = {{"lambda_pseudo", s.lambda_pseudo()}, {"undo_rot_flip", s.undo_rot_flip()}};
}

void from_json(const nlohmann::json& j, PseudoLabelSettings& s) {
  KeyReader r(j, "training.pseudo_labels");
  r.read("lambda_pseudo", s.lambda_pseudo());
  r.read("undo_rot_flip", s.undo_rot_flip());
  r.finish();
}

void to_json(nlohmann::json& j, const AcmtSettings& s) {
  j = {{"entropy_threshold", s.entropy_threshold()},
       {"entropy_threshold_max", s.entropy_threshold_max()}};
}

void from_json(const nlohmann::json& j, AcmtSettings& s) {
  KeyReader r(j, "training.acmt");
  r.read("entropy_threshold", s.entropy_threshold());
  r.read("entropy_threshold_max", s.entropy_threshold_max());
  r.finish();
}

void to_json(nlohmann::json& j, const MagicNetSettings& s) {
  j = {{"cube_size", s.cube_size()},
       {"fc_hidden", s.fc_hidden()},
       {"location_weight", s.location_weight()},
       {"blend_start", s.blend_start()},
       {"histogram_interval", s.histogram_interval()},
       {"temperature", s.temperature()},
       {"consistency", s.consistency()}};
}

void from_json(const nlohmann::json& j, MagicNetSettings& s) {
  KeyReader r(j, "training.magicnet");
  r.read("cube_size", s.cube_size());
  r.read("fc_hidden", s.fc_hidden());
  r.read("location_weight", s.location_weight());
  r.read("blend_start", s.blend_start());
  r.read("histogram_interval", s.histogram_interval());
  r.read("temperature", s.temperature());
  r.nested("consistency", s.consistency());
  r.finish();
}

void to_json(nlohmann::json& j, const TrainingSettings& s) {
  j = {{"method", s.method()},
       {"iterations", s.iterations()},
       {"network", s.network()},
       {"optimizer", s.optimizer()},
       {"schedule", s.schedule()},
       {"batch", s.batch()},
       {"consistency", s.consistency()},
       {"teacher", s.teacher()},
       {"pseudo_labels", s.pseudo_labels()},
       {"acmt", s.acmt()},
       {"magicnet", s.magicnet()},
       {"seed", s.seed()},
       {"device", s.device()}};
}

void from_json(const nlohmann::json& j, TrainingSettings& s) {
  KeyReader r(j, "training");
  r.read("method", s.method());
  r.read("iterations", s.iterations());
  r.nested("network", s.network());
  r.nested("optimizer", s.optimizer());
  r.nested("schedule", s.schedule());
  r.nested("batch", s.batch());
  r.nested("consistency", s.consistency());
  r.nested("teacher", s.teacher());
  r.nested("pseudo_labels", s.pseudo_labels());
  r.nested("acmt", s.acmt());
  r.nested("magicnet", s.magicnet());
  r.read("seed", s.seed());
  r.read("device", s.device());
  r.finish();
}

bool operator==(const TrainingSettings& a, const TrainingSettings& b) {
  return nlohmann::json(a) == nlohmann::json(b);
}

namespace {

bool knownMethod(const std::string& m) {
  return m == "supervised" || m == "self-training" || m == "mean-teacher" || m == "acmt" ||
         m == "magicnet";
}

}  // namespace

TrainingSettings TrainingSettings::paper(const std::string& method) {
  if (!knownMethod(method))
    throw Error("training.method", "no released settings for '" + method + "'");
  TrainingSettings s;
  s.method(method);
  if (method == "magicnet") {
    // MagicNet train_main_btcv.py: VNet_Magic (instancenorm, no dropout), 96^3 RandomCrop only,
    // 14 classes, poly LR after the increment, 70000 iterations.
    s.iterations(70000);
    s.network(VNetOptions().classes(14).normalization(Normalization::InstanceNorm));
    s.schedule().kind(LrScheduleKind::Poly);
    s.batch().crop({96, 96, 96}).rot_flip(false);
  }
  return s;
}

TrainingSettings TrainingSettings::cpu(const std::string& method) {
  TrainingSettings s = paper(method);
  s.iterations(300);
  s.schedule().kind(LrScheduleKind::Step).milestones({150, 250});
  s.batch().labelled(1).unlabelled(1).crop({64, 64, 32});
  s.consistency().rampup_divisor(7.5).floor_division(false);
  if (method == "magicnet") {
    s.network().classes(2);
    s.batch().crop({64, 64, 64});
    s.magicnet().cube_size(32);
    // Same ramp shape as the 70000-step original, squeezed into 300 steps.
    s.magicnet().consistency().rampup_divisor(300.0 / 200.0).floor_division(false);
  }
  return s;
}

void TrainingSettings::validate() const {
  require(!method_.empty(), "method", "must not be empty");
  require(iterations_ >= 1, "iterations", "must be at least 1");
  network_.validate();
  const auto& o = optimizer_;
  require(std::isfinite(o.learning_rate()) && o.learning_rate() > 0, "optimizer.learning_rate",
          "must be positive");
  require(o.momentum() >= 0 && o.momentum() < 1, "optimizer.momentum", "must be in [0, 1)");
  require(std::isfinite(o.weight_decay()) && o.weight_decay() >= 0, "optimizer.weight_decay",
          "must be >= 0");
  const auto& sc = schedule_;
  require(sc.step_size() >= 1, "schedule.step_size", "must be at least 1");
  for (std::size_t i = 0; i < sc.milestones().size(); ++i)
    require(sc.milestones()[i] >= 1 && (i == 0 || sc.milestones()[i] > sc.milestones()[i - 1]),
            "schedule.milestones", "must be positive and strictly increasing");
  require(sc.gamma() > 0 && sc.gamma() <= 1, "schedule.gamma", "must be in (0, 1]");
  require(std::isfinite(sc.power()) && sc.power() >= 0, "schedule.power", "must be >= 0");
  const auto& b = batch_;
  require(b.labelled() >= 1, "batch.labelled", "must be at least 1");
  require(b.unlabelled() >= 0, "batch.unlabelled", "must be >= 0");
  for (int64_t c : b.crop())
    require(c >= 16 && c % 16 == 0, "batch.crop",
            "every axis must be a positive multiple of 16 (four 2x downsamplings of the V-Net)");
  validateConsistency(consistency_, "consistency");
  const auto& t = teacher_;
  require(t.ema_decay() >= 0 && t.ema_decay() <= 1, "teacher.ema_decay", "must be in [0, 1]");
  require(std::isfinite(t.noise_sigma()) && t.noise_sigma() >= 0, "teacher.noise_sigma",
          "must be >= 0");
  require(std::isfinite(t.noise_clip()) && t.noise_clip() >= 0, "teacher.noise_clip",
          "must be >= 0");
  require(std::isfinite(pseudo_labels_.lambda_pseudo()) && pseudo_labels_.lambda_pseudo() >= 0,
          "pseudo_labels.lambda_pseudo", "must be >= 0");
  const auto& a = acmt_;
  require(a.entropy_threshold() >= 0 && a.entropy_threshold() <= 1, "acmt.entropy_threshold",
          "must be in [0, 1] (normalised entropy)");
  require(a.entropy_threshold_max() >= 0 && a.entropy_threshold_max() <= 1,
          "acmt.entropy_threshold_max", "must be in [0, 1] (normalised entropy)");
  const auto& m = magicnet_;
  require(m.cube_size() >= 16 && m.cube_size() % 16 == 0, "magicnet.cube_size",
          "must be a positive multiple of 16 (the encoder halves it four times)");
  require(m.fc_hidden() >= 1, "magicnet.fc_hidden", "must be at least 1");
  require(std::isfinite(m.location_weight()) && m.location_weight() >= 0,
          "magicnet.location_weight", "must be >= 0");
  require(m.blend_start() >= 0, "magicnet.blend_start", "must be >= 0");
  require(m.histogram_interval() >= 1, "magicnet.histogram_interval", "must be at least 1");
  require(std::isfinite(m.temperature()) && m.temperature() > 0, "magicnet.temperature",
          "must be positive");
  validateConsistency(m.consistency(), "magicnet.consistency");
  require(!device_.empty(), "device", "must not be empty");
}

}  // namespace sfr::engine
