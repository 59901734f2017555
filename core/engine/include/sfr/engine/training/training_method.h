#pragma once
// Re-training methods as plug-ins behind one interface (spec §5.3-§5.6). A method owns the student
// V-Net (and, where it has one, the EMA teacher), the SGD optimiser, the iteration counter and the
// random state of the run; step(batch) performs one released training iteration and returns its
// named loss terms. Methods are created by name from a registry that plug-ins can extend:
//
//   auto method = createTrainingMethod(TrainingSettings::paper("mean-teacher"));
//   method->setPseudoLabeler(samLabeler);              // optional: SFR's L_p term
//   TwoStreamBatchLoader loader(labelled, unlabelled, method->settings().batch());
//   while (method->iteration() < method->settings().iterations())
//     method->step(loader.next(method->rng()));
//
// Determinism: constructing a method seeds LibTorch's default generator (torch::manual_seed, which
// also drives dropout and the teacher noise) and the method's std::mt19937_64 (data sampling and
// augmentation) with settings.seed. saveState()/loadState() capture everything a run depends on,
// so on the CPU with the same thread count N steps equal N/2 steps + save + load + N/2 steps bit
// for bit.
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sfr/base/progress.h"
#include "sfr/engine/training/pseudo_labeler.h"
#include "sfr/engine/training/training_batch.h"
#include "sfr/engine/training/training_settings.h"
#include "sfr/engine/vnet.h"

namespace sfr::engine {

class TwoStreamBatchLoader;

struct NamedValue {
  std::string name;
  double value = 0;
};

/// What one step reports.
struct StepResult {
  int64_t iteration = 0;     ///< steps completed, this one included
  double learning_rate = 0;  ///< the learning rate this step used
  /// "loss" (the total that was back-propagated) first, then its terms ("supervised", "pseudo",
  /// "consistency", "location", ...), unweighted.
  std::vector<NamedValue> losses;
  /// Schedule values of this step ("consistency_weight", "entropy_threshold", ...).
  std::vector<NamedValue> scalars;

  /// The loss term `name`; throws sfr::Error when the step did not produce it.
  double loss(const std::string& name = "loss") const;
  bool hasLoss(const std::string& name) const;
  /// The scalar `name`; throws sfr::Error when absent.
  double scalar(const std::string& name) const;
};

// ---- Schedules (pure functions of the completed-step count, so a resumed run recomputes them) ---

/// Learning rate of the step that follows `completed` steps (§5.3): step decay, MagicNet/BTCV poly
/// (counted after the increment) or ACMT poly (counted before it, so it lags one step).
double learningRateAt(const OptimizerSettings& optimizer, const LrScheduleSettings& schedule,
                      int64_t iterations, int64_t completed);

/// w(iter) = weight * sigmoid_rampup(iter // divisor (or iter / divisor), length).
double consistencyWeightAt(const ConsistencySettings& settings, int64_t iteration);

/// Teacher EMA factor after step `iteration` (counted before the increment):
/// min(1 - 1/(iteration + 1), decay). 0 at step 0 (the teacher becomes the student), 0.5 at step 1.
double emaAlpha(int64_t iteration, double decay);

/// theta_t <- alpha theta_t + (1 - alpha) theta_s for the parameters only (buffers such as
/// BatchNorm running statistics stay the teacher's own). Both modules must have the same
/// parameter list; throws sfr::Error otherwise.
void updateEma(torch::nn::Module& teacher, const torch::nn::Module& student, double alpha);

/// AC-MT's entropy threshold: Ent_th + (max - Ent_th) * sigmoid_rampup(iteration, iterations).
double entropyThresholdAt(const AcmtSettings& settings, int64_t iterations, int64_t iteration);

/// clamp(N(0, sigma^2), -clip, clip) shaped like `like`, drawn from LibTorch's generator of
/// `like`'s device.
torch::Tensor teacherNoise(const torch::Tensor& like, const TeacherSettings& settings);

/// The normalised entropy -sum_c p_c log(p_c + 1e-6) / ln C of probabilities [B, C, ...] -> [B,
/// ...].
torch::Tensor normalisedEntropy(const torch::Tensor& probabilities);

/// SFR's segmentation loss 0.5 CE(logits, target) + 0.5 Dice(softmax(logits), target).
torch::Tensor halfCeHalfDice(const torch::Tensor& logits, const torch::Tensor& target);

// ---- The interface ----

class TrainingMethod {
 public:
  virtual ~TrainingMethod() = default;
  TrainingMethod(const TrainingMethod&) = delete;
  TrainingMethod& operator=(const TrainingMethod&) = delete;

  /// The registry name.
  virtual std::string name() const = 0;

  /// One training iteration on `batch` (any device; moved to the method's). Validates the batch,
  /// sets the scheduled learning rate, computes the loss, back-propagates, steps SGD, updates the
  /// teacher and increments iteration(). Throws sfr::Error for a malformed batch, bad
  /// pseudo-labels or a non-finite loss; the weights, the optimiser and iteration() are then
  /// unchanged (a non-finite loss comes after the forward passes, whose BatchNorm running
  /// statistics are not rolled back).
  StepResult step(const TrainingBatch& batch);

  int64_t iteration() const { return iteration_; }
  /// The learning rate the next step will use.
  double learningRate() const;
  const TrainingSettings& settings() const { return settings_; }
  torch::Device device() const { return device_; }

  /// The segmentation V-Net being trained (what inference and checkpoints use).
  VNet student() const { return studentNet_; }
  /// The EMA teacher's V-Net; an empty holder (`!teacher()`) for methods without a teacher.
  VNet teacher() const { return teacherNet_; }
  /// Everything the optimiser trains (MagicNet: the V-Net plus its location head).
  std::shared_ptr<torch::nn::Module> studentModule() const { return studentModule_; }
  /// The whole teacher module, or nullptr.
  std::shared_ptr<torch::nn::Module> teacherModule() const { return teacherModule_; }
  torch::optim::SGD& optimizer() { return *optimizer_; }

  /// The generator for data sampling and augmentation (TwoStreamBatchLoader::next).
  std::mt19937_64& rng() { return rng_; }

  /// False for methods that never use pseudo-labels ("supervised").
  virtual bool usesPseudoLabels() const { return true; }
  /// Sets (or, with nullptr, removes) the source of pseudo-labels for the unlabelled crops; with
  /// one the method adds lambda_pseudo * L_p. Throws sfr::Error for methods without L_p.
  void setPseudoLabeler(std::shared_ptr<PseudoLabeler> labeler);
  const std::shared_ptr<PseudoLabeler>& pseudoLabeler() const { return labeler_; }

  /// Called in every step() after backward() and before the optimiser step, so data-parallel
  /// training (sfr/engine/distributed) can average the gradients across replicas there. Empty by
  /// default; an exception from the hook leaves iteration() unchanged.
  using GradientHook = std::function<void(TrainingMethod&)>;
  void setGradientHook(GradientHook hook) { gradientHook_ = std::move(hook); }

  /// Writes the whole run state as a torch.save-compatible dict (atomically): student, teacher,
  /// SGD momentum buffers, iteration, the std::mt19937_64 state as text, LibTorch's generator
  /// state, method-specific state, the settings and `extra` (e.g. the loader's state()).
  void saveState(const std::filesystem::path& path,
                 const nlohmann::json& extra = nlohmann::json::object()) const;
  /// Restores a saveState() file into this method (built with the same network settings) and
  /// returns its `extra`. Throws sfr::Error naming the file when it is not a state of this method.
  nlohmann::json loadState(const std::filesystem::path& path);

 protected:
  /// Validates the settings, picks the device and seeds LibTorch and rng() with settings.seed.
  explicit TrainingMethod(TrainingSettings settings);

  /// Called once by the derived constructor after building the networks: moves them to the
  /// device, freezes the teacher's parameters and creates the optimiser over the student module.
  void initialise(std::shared_ptr<torch::nn::Module> studentModule, VNet studentNet,
                  std::shared_ptr<torch::nn::Module> teacherModule = nullptr,
                  VNet teacherNet = VNet(nullptr));

  /// Forward passes and the total loss of one step (the student and teacher are in train mode).
  /// Record the unweighted terms in result.losses (without "loss") and schedule values in
  /// result.scalars. iteration() is the count before this step.
  virtual torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) = 0;
  /// After the optimiser step, before the increment (the teacher EMA).
  virtual void afterOptimizerStep() {}
  /// The fewest unlabelled crops a batch must have.
  virtual int64_t minimumUnlabelled() const { return 1; }
  /// Extra per-method state for saveState()/loadState() (MagicNet's class histogram).
  virtual nlohmann::json methodState() const { return nlohmann::json::object(); }
  virtual void restoreMethodState(const nlohmann::json& /*state*/) {}

  /// The labeler's labels for the batch's unlabelled crops as int64 on the device (validated
  /// shape), or an undefined tensor when no labeler is set. With pseudo_labels.undo_rot_flip the
  /// labeler sees each crop with its RandomRotFlip undone, and its labels are turned back.
  torch::Tensor pseudoLabelsFor(const TrainingBatch& batch);

 private:
  TrainingSettings settings_;
  torch::Device device_;
  std::mt19937_64 rng_;
  int64_t iteration_ = 0;
  std::shared_ptr<torch::nn::Module> studentModule_, teacherModule_;
  VNet studentNet_{nullptr}, teacherNet_{nullptr};
  std::unique_ptr<torch::optim::SGD> optimizer_;
  std::shared_ptr<PseudoLabeler> labeler_;
  /// Share of each class c >= 1 in the last batch's pseudo-labels (reported by step() as the
  /// scalars "pseudo_fraction_class_<c>", beside "label_fraction_class_<c>" of the labelled
  /// crops), so a run shows what its pseudo-labels teach.
  std::vector<double> lastPseudoFractions_;
  GradientHook gradientHook_;
};

/// Base of the methods with an EMA teacher (mean-teacher, acmt, magicnet): after every step
/// updateEma(teacher, student, emaAlpha(iteration, ema_decay)).
class TeacherStudentMethod : public TrainingMethod {
 protected:
  using TrainingMethod::TrainingMethod;
  void afterOptimizerStep() override;
};

// ---- Registry ----

using TrainingMethodFactory =
    std::function<std::unique_ptr<TrainingMethod>(const TrainingSettings&)>;

/// Adds a plug-in method. Throws sfr::Error when the name is empty or already taken.
void registerTrainingMethod(const std::string& name, TrainingMethodFactory factory);
/// The registered names, sorted (the five built-ins and any plug-ins).
std::vector<std::string> trainingMethodNames();
/// Builds settings.method(); throws sfr::Error listing the known names for an unknown one.
std::unique_ptr<TrainingMethod> createTrainingMethod(const TrainingSettings& settings);

// ---- A plain training loop ----

/// Steps `method` with batches from `loader` until method.iteration() == untilIteration (at most
/// settings().iterations()). Reports progress as stage "train" (done = iteration, message
/// "loss 0.4123"), checks `cancel` before every step (sfr::Cancelled) and calls onStep after each.
void runTraining(TrainingMethod& method, TwoStreamBatchLoader& loader, int64_t untilIteration,
                 ProgressSink& progress, const CancelToken& cancel = {},
                 const std::function<void(const StepResult&)>& onStep = {});

}  // namespace sfr::engine
