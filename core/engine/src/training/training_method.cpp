#include "sfr/engine/training/training_method.h"

#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <type_traits>

#include "internal/run_state_file.h"
#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/losses.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/training/acmt.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/magicnet.h"
#include "sfr/engine/training/mean_teacher.h"
#include "sfr/engine/training/supervised.h"

namespace sfr::engine {

// ---- StepResult ----

namespace {

const NamedValue* findValue(const std::vector<NamedValue>& values, const std::string& name) {
  for (const NamedValue& v : values)
    if (v.name == name) return &v;
  return nullptr;
}

}  // namespace

double StepResult::loss(const std::string& name) const {
  if (const NamedValue* v = findValue(losses, name)) return v->value;
  throw Error("step result", "no loss term '" + name + "'");
}

bool StepResult::hasLoss(const std::string& name) const {
  return findValue(losses, name) != nullptr;
}

double StepResult::scalar(const std::string& name) const {
  if (const NamedValue* v = findValue(scalars, name)) return v->value;
  throw Error("step result", "no scalar '" + name + "'");
}

// ---- Schedules ----

double learningRateAt(const OptimizerSettings& optimizer, const LrScheduleSettings& schedule,
                      int64_t iterations, int64_t completed) {
  const double base = optimizer.learning_rate();
  switch (schedule.kind()) {
    case LrScheduleKind::Step: {
      int64_t passed = 0;
      if (schedule.milestones().empty())
        passed = completed / schedule.step_size();
      else
        for (int64_t m : schedule.milestones()) passed += completed >= m ? 1 : 0;
      return base * std::pow(schedule.gamma(), static_cast<double>(passed));
    }
    case LrScheduleKind::Poly:
    case LrScheduleKind::PolyBeforeIncrement: {
      if (completed == 0) return base;  // the optimiser's initial lr
      // Released: lr_ = base * (1 - iter / max) ** 0.9 after each step, with iter the count after
      // (BTCV, MagicNet) or before (ACMT) the increment.
      const int64_t iter = schedule.kind() == LrScheduleKind::Poly ? completed : completed - 1;
      const double remaining = std::max(0.0, 1.0 - static_cast<double>(iter) / iterations);
      return base * std::pow(remaining, schedule.power());
    }
  }
  return base;
}

double consistencyWeightAt(const ConsistencySettings& settings, int64_t iteration) {
  const double position =
      settings.floor_division()
          ? std::floor(static_cast<double>(iteration) / settings.rampup_divisor())
          : static_cast<double>(iteration) / settings.rampup_divisor();
  return settings.weight() * sigmoidRampup(position, settings.rampup_length());
}

double emaAlpha(int64_t iteration, double decay) {
  return std::min(1.0 - 1.0 / static_cast<double>(iteration + 1), decay);
}

void updateEma(torch::nn::Module& teacher, const torch::nn::Module& student, double alpha) {
  const auto t = teacher.parameters();
  const auto s = student.parameters();
  if (t.size() != s.size())
    throw Error("EMA update", "teacher has " + std::to_string(t.size()) + " parameters, student " +
                                  std::to_string(s.size()));
  torch::NoGradGuard noGrad;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].sizes() != s[i].sizes())
      throw Error("EMA update", "parameter " + std::to_string(i) + " differs in shape");
    // PyTorch: ema_param.data.mul_(alpha).add_(1 - alpha, param.data)
    t[i].mul_(alpha).add_(s[i], 1.0 - alpha);
  }
}

double entropyThresholdAt(const AcmtSettings& settings, int64_t iterations, int64_t iteration) {
  return settings.entropy_threshold() +
         (settings.entropy_threshold_max() - settings.entropy_threshold()) *
             sigmoidRampup(static_cast<double>(iteration), static_cast<double>(iterations));
}

torch::Tensor teacherNoise(const torch::Tensor& like, const TeacherSettings& settings) {
  return torch::clamp(torch::randn_like(like) * settings.noise_sigma(), -settings.noise_clip(),
                      settings.noise_clip());
}

torch::Tensor normalisedEntropy(const torch::Tensor& probabilities) {
  const double lnC = std::log(static_cast<double>(probabilities.size(1)));
  return -(probabilities * torch::log(probabilities + 1e-6)).sum(1) / lnC;
}

torch::Tensor halfCeHalfDice(const torch::Tensor& logits, const torch::Tensor& target) {
  return 0.5 * crossEntropyLoss(logits, target) +
         0.5 * softDiceLoss(torch::softmax(logits, 1), target);
}

// ---- TrainingMethod ----

TrainingMethod::TrainingMethod(TrainingSettings settings)
    : settings_(std::move(settings)), device_(torch::kCPU) {
  settings_.validate();
  device_ = parseDevice(settings_.device());
  // The released scripts seed torch before building the networks, so the initial weights, the
  // dropout masks and the teacher noise all follow from the seed.
  torch::manual_seed(settings_.seed());
  rng_.seed(settings_.seed());
}

void TrainingMethod::initialise(std::shared_ptr<torch::nn::Module> studentModule, VNet studentNet,
                                std::shared_ptr<torch::nn::Module> teacherModule, VNet teacherNet) {
  // Virtual calls are safe here: the derived constructor calls initialise() from its body.
  if (settings_.batch().unlabelled() < minimumUnlabelled())
    throw Error("training.batch.unlabelled", name() + " needs at least " +
                                                 std::to_string(minimumUnlabelled()) +
                                                 " unlabelled crop(s) per batch");
  studentModule_ = std::move(studentModule);
  studentNet_ = std::move(studentNet);
  teacherModule_ = std::move(teacherModule);
  teacherNet_ = std::move(teacherNet);
  studentModule_->to(device_);
  studentModule_->train();
  if (teacherModule_) {
    teacherModule_->to(device_);
    teacherModule_->train();  // released: the teacher always runs in train mode
    for (auto& p : teacherModule_->parameters()) p.set_requires_grad(false);
  }
  const auto& o = settings_.optimizer();
  optimizer_ = std::make_unique<torch::optim::SGD>(studentModule_->parameters(),
                                                   torch::optim::SGDOptions(o.learning_rate())
                                                       .momentum(o.momentum())
                                                       .weight_decay(o.weight_decay()));
}

double TrainingMethod::learningRate() const {
  return learningRateAt(settings_.optimizer(), settings_.schedule(), settings_.iterations(),
                        iteration_);
}

void TrainingMethod::setPseudoLabeler(std::shared_ptr<PseudoLabeler> labeler) {
  if (labeler && !usesPseudoLabels())
    throw Error("training method " + name(),
                "trains on the labelled crops only and takes no pseudo-labels (use "
                "self-training)");
  labeler_ = std::move(labeler);
}

torch::Tensor TrainingMethod::pseudoLabelsFor(const TrainingBatch& batch) {
  if (!labeler_) return {};
  const torch::Tensor crops = batch.unlabelledImages();  // [B_u, 1, X, Y, Z]
  const int64_t bl = batch.labelledCount();
  const bool undo = settings_.pseudo_labels().undo_rot_flip() && !batch.orientations.empty();
  if (undo && batch.orientations.size() != static_cast<std::size_t>(batch.images.size(0)))
    throw Error("training batch", "has " + std::to_string(batch.orientations.size()) +
                                      " orientations for " + std::to_string(batch.images.size(0)) +
                                      " crops");
  const auto orientation = [&](int64_t i) { return batch.orientations[bl + i]; };
  torch::Tensor labels;
  {
    torch::NoGradGuard noGrad;
    if (!undo) {
      labels = labeler_->pseudoLabels(crops);
    } else {
      // Crops whose undone shapes agree (always, for square x-y crops) go to SAM together.
      std::vector<torch::Tensor> canonical;
      bool sameShape = true;
      for (int64_t i = 0; i < crops.size(0); ++i) {
        canonical.push_back(undoRotFlip(crops[i], orientation(i), 1));
        sameShape = sameShape && canonical[i].sizes() == canonical[0].sizes();
      }
      std::vector<torch::Tensor> perCrop;
      if (sameShape) {
        const torch::Tensor all = labeler_->pseudoLabels(torch::stack(canonical));
        for (int64_t i = 0; i < all.size(0); ++i) perCrop.push_back(all[i]);
      } else {
        for (const torch::Tensor& c : canonical)
          perCrop.push_back(labeler_->pseudoLabels(c.unsqueeze(0))[0]);
      }
      std::vector<torch::Tensor> turned;
      for (int64_t i = 0; i < crops.size(0); ++i) {
        if (!perCrop[i].defined() || perCrop[i].dim() != 3)
          throw Error("pseudo-labeler", "expected integer labels [X, Y, Z] per crop, got " +
                                            (perCrop[i].defined() ? c10::str(perCrop[i].sizes())
                                                                  : std::string("nothing")));
        turned.push_back(applyRotFlip(perCrop[i], orientation(i)));
      }
      labels = torch::stack(turned);
    }
  }
  std::vector<int64_t> expected{crops.size(0)};
  for (int64_t d = 2; d < crops.dim(); ++d) expected.push_back(crops.size(d));
  if (!labels.defined() || labels.sizes() != c10::IntArrayRef(expected) ||
      labels.is_floating_point())
    throw Error(
        "pseudo-labeler",
        "expected integer labels " + c10::str(c10::IntArrayRef(expected)) + ", got " +
            (labels.defined() ? c10::str(labels.sizes()) + " " + c10::toString(labels.scalar_type())
                              : std::string("nothing")));
  lastPseudoFractions_.clear();
  const int64_t classes = settings_.network().classes();
  for (int64_t c = 1; c < classes; ++c)
    lastPseudoFractions_.push_back((labels == c).to(torch::kFloat64).mean().item<double>());
  return labels.to(device_, torch::kLong).detach();
}

StepResult TrainingMethod::step(const TrainingBatch& input) {
  const char* subject = "training batch";
  if (!input.images.defined() || input.images.dim() != 5 ||
      input.images.size(1) != settings_.network().in_channels() ||
      !input.images.is_floating_point())
    throw Error(
        subject,
        "images must be float [B, " + std::to_string(settings_.network().in_channels()) +
            ", X, Y, Z], got " +
            (input.images.defined() ? c10::str(input.images.sizes()) : std::string("nothing")));
  if (!input.labels.defined() || input.labels.dim() != 4 || input.labels.size(0) < 1 ||
      input.labels.size(0) > input.images.size(0) ||
      input.labels.sizes().slice(1) != input.images.sizes().slice(2) ||
      input.labels.is_floating_point())
    throw Error(subject, "labels must be integer [B_l >= 1, X, Y, Z] matching the images, got " +
                             (input.labels.defined() ? c10::str(input.labels.sizes())
                                                     : std::string("nothing")));
  if (input.unlabelledCount() < minimumUnlabelled())
    throw Error(subject, name() + " needs at least " + std::to_string(minimumUnlabelled()) +
                             " unlabelled crop(s) per batch, got " +
                             std::to_string(input.unlabelledCount()));

  TrainingBatch batch;
  batch.images = input.images.to(device_, torch::kFloat);
  batch.labels = input.labels.to(device_, torch::kLong);
  batch.indices = input.indices;
  batch.orientations = input.orientations;

  StepResult result;
  result.learning_rate = learningRate();
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::SGDOptions&>(group.options()).lr(result.learning_rate);
  studentModule_->train();
  if (teacherModule_) teacherModule_->train();

  lastPseudoFractions_.clear();
  const torch::Tensor loss = computeLoss(batch, result);
  for (std::size_t c = 0; c < lastPseudoFractions_.size(); ++c) {
    const auto label = static_cast<int64_t>(c + 1);
    result.scalars.push_back(
        {"pseudo_fraction_class_" + std::to_string(label), lastPseudoFractions_[c]});
    result.scalars.push_back({"label_fraction_class_" + std::to_string(label),
                              (batch.labels == label).to(torch::kFloat64).mean().item<double>()});
  }
  const double total = loss.item<double>();
  if (!std::isfinite(total))
    throw Error("training " + name(),
                "the loss is not finite at iteration " + std::to_string(iteration_));
  result.losses.insert(result.losses.begin(), NamedValue{"loss", total});

  optimizer_->zero_grad();
  loss.backward();
  if (gradientHook_) gradientHook_(*this);
  optimizer_->step();
  afterOptimizerStep();
  ++iteration_;
  result.iteration = iteration_;
  return result;
}

void TeacherStudentMethod::afterOptimizerStep() {
  updateEma(*teacherModule(), *studentModule(),
            emaAlpha(iteration(), settings().teacher().ema_decay()));
}

// ---- State ----

namespace {

constexpr const char* kStateFormat = "sfr-training-state";

NamedTensors moduleTensors(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

c10::impl::GenericDict tensorDict(const NamedTensors& tensors) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, tensor] : tensors) dict.insert(name, tensor.detach().to(torch::kCPU));
  return dict;
}

// LibTorch 1.x keys optimiser state by the printed TensorImpl address, 2.x by the address itself.
using OptimizerStateKey =
    std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

template <typename Key>
Key stateKey(void* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << impl;
    return text.str();
  } else {
    return impl;
  }
}

OptimizerStateKey optimizerKey(const torch::Tensor& parameter) {
  return stateKey<OptimizerStateKey>(parameter.unsafeGetTensorImpl());
}

at::Generator deviceGenerator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device);
}

// Generators are shared handles: a copy locks and reads the same generator.
torch::Tensor generatorState(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state().clone();
}

void setGeneratorState(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

void TrainingMethod::saveState(const std::filesystem::path& path,
                               const nlohmann::json& extra) const {
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert(std::string("format"), std::string(kStateFormat));
  root.insert(std::string("method"), name());
  root.insert(std::string("settings"), nlohmann::json(settings_).dump());
  root.insert(std::string("iteration"), iteration_);
  root.insert(std::string("rng"), internal::rngText(rng_));
  root.insert(std::string("torch_generator"), generatorState(deviceGenerator(torch::kCPU)));
  if (!device_.is_cpu())
    root.insert(std::string("device_generator"), generatorState(deviceGenerator(device_)));
  root.insert(std::string("method_state"), methodState().dump());
  root.insert(std::string("extra"), extra.dump());
  root.insert(std::string("student"), tensorDict(moduleTensors(*studentModule_)));
  if (teacherModule_)
    root.insert(std::string("teacher"), tensorDict(moduleTensors(*teacherModule_)));
  // SGD momentum buffers by student parameter name (parameters that never had a gradient, such
  // as unused auxiliary heads, have none).
  NamedTensors momentum;
  const auto& state = optimizer_->state();
  for (const auto& p : studentModule_->named_parameters()) {
    const auto it = state.find(optimizerKey(p.value()));
    if (it == state.end()) continue;
    const auto& sgd = static_cast<const torch::optim::SGDParamState&>(*it->second);
    if (sgd.momentum_buffer().defined()) momentum.emplace_back(p.key(), sgd.momentum_buffer());
  }
  root.insert(std::string("momentum"), tensorDict(momentum));
  writeTorchFile(path, root);
}

nlohmann::json TrainingMethod::loadState(const std::filesystem::path& path) {
  const internal::RunStateReader stateFile(path, "training state");
  const std::string& subject = stateFile.subject();
  auto entry = [&](const std::string& key) { return stateFile.entry(key); };
  auto text = [&](const std::string& key) { return stateFile.text(key); };
  if (text("format") != kStateFormat) throw Error(subject, "not an SFR training state");
  if (text("method") != name())
    throw Error(subject, "holds a '" + text("method") + "' run, not '" + name() + "'");

  nlohmann::json methodJson, extra;
  try {
    methodJson = nlohmann::json::parse(text("method_state"));
    extra = nlohmann::json::parse(text("extra"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(subject, std::string("corrupt JSON in training state: ") + e.what());
  }
  const c10::IValue iteration = entry("iteration");
  if (!iteration.isInt() || iteration.toInt() < 0)
    throw Error(subject, "'iteration' is not a non-negative integer");
  std::mt19937_64 rng = stateFile.rng("rng");
  const c10::IValue generator = entry("torch_generator");
  if (!generator.isTensor()) throw Error(subject, "'torch_generator' is not a tensor");

  // Weights first (strict: every key, every shape), so a mismatched file changes nothing else.
  const NamedTensors student = toNamedTensors(entry("student"), subject);
  loadStateDict(*studentModule_, student, LoadOptions().source(subject + " (student)"));
  if (teacherModule_)
    loadStateDict(*teacherModule_, toNamedTensors(entry("teacher"), subject),
                  LoadOptions().source(subject + " (teacher)"));

  auto& state = optimizer_->state();
  state.clear();
  std::map<std::string, torch::Tensor> parameters;
  for (const auto& p : studentModule_->named_parameters()) parameters[p.key()] = p.value();
  for (const auto& [key, buffer] : toNamedTensors(entry("momentum"), subject)) {
    const auto it = parameters.find(key);
    if (it == parameters.end() || it->second.sizes() != buffer.sizes())
      throw Error(subject, "momentum buffer '" + key + "' matches no student parameter");
    auto sgd = std::make_unique<torch::optim::SGDParamState>();
    sgd->momentum_buffer(buffer.to(device_, it->second.scalar_type()).clone());
    state[optimizerKey(it->second)] = std::move(sgd);
  }

  restoreMethodState(methodJson);
  iteration_ = iteration.toInt();
  rng_ = rng;
  setGeneratorState(deviceGenerator(torch::kCPU), generator.toTensor());
  if (!device_.is_cpu()) {
    const c10::IValue deviceState = entry("device_generator");
    if (!deviceState.isTensor()) throw Error(subject, "'device_generator' is not a tensor");
    setGeneratorState(deviceGenerator(device_), deviceState.toTensor());
  }
  return extra;
}

// ---- Registry ----

namespace {

std::map<std::string, TrainingMethodFactory>& registry() {
  static std::map<std::string, TrainingMethodFactory> methods = [] {
    std::map<std::string, TrainingMethodFactory> m;
    m["supervised"] = [](const TrainingSettings& s) {
      return std::make_unique<SupervisedMethod>(s);
    };
    m["self-training"] = [](const TrainingSettings& s) {
      return std::make_unique<SelfTrainingMethod>(s);
    };
    m["mean-teacher"] = [](const TrainingSettings& s) {
      return std::make_unique<MeanTeacherMethod>(s);
    };
    m["acmt"] = [](const TrainingSettings& s) { return std::make_unique<AcmtMethod>(s); };
    m["magicnet"] = [](const TrainingSettings& s) { return std::make_unique<MagicNetMethod>(s); };
    return m;
  }();
  return methods;
}

std::mutex& registryMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

void registerTrainingMethod(const std::string& name, TrainingMethodFactory factory) {
  if (name.empty() || !factory)
    throw Error("training method registry", "a method needs a name and a factory");
  std::lock_guard<std::mutex> lock(registryMutex());
  if (!registry().emplace(name, std::move(factory)).second)
    throw Error("training method registry", "'" + name + "' is already registered");
}

std::vector<std::string> trainingMethodNames() {
  std::lock_guard<std::mutex> lock(registryMutex());
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::unique_ptr<TrainingMethod> createTrainingMethod(const TrainingSettings& settings) {
  TrainingMethodFactory factory;
  {
    std::lock_guard<std::mutex> lock(registryMutex());
    const auto it = registry().find(settings.method());
    if (it != registry().end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const std::string& n : trainingMethodNames()) known += (known.empty() ? "" : ", ") + n;
    throw Error("training.method",
                "unknown method '" + settings.method() + "' (known: " + known + ")");
  }
  return factory(settings);
}

// ---- Loop ----

void runTraining(TrainingMethod& method, TwoStreamBatchLoader& loader, int64_t untilIteration,
                 ProgressSink& progress, const CancelToken& cancel,
                 const std::function<void(const StepResult&)>& onStep) {
  const int64_t until = std::min(untilIteration, method.settings().iterations());
  while (method.iteration() < until) {
    cancel.throwIfCancelled();
    const StepResult result = method.step(loader.next(method.rng()));
    char message[48];
    std::snprintf(message, sizeof message, "loss %.4f", result.loss());
    progress.report({"train", result.iteration, method.settings().iterations(), message});
    if (onStep) onStep(result);
  }
}

}  // namespace sfr::engine
