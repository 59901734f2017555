#include "sfr/engine/pipeline/sfr_pipeline.h"

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "pipeline_data.h"
#include "sfr/base/error.h"
#include "sfr/base/metrics.h"
#include "sfr/base/metrics_summary.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/distributed/distributed_context.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam_training/sam_fine_tuner.h"
#include "sfr/engine/sam_training/sam_pseudo_labeler.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/training_method.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

namespace sfr::engine {

namespace fs = std::filesystem;
using internal::TrainingCase;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void writeTextAtomically(const fs::path& path, const std::string& text) {
  AtomicFileWriter file(path);
  file.write(text.data(), text.size());
  file.commit();
}

json readJsonFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string(), "cannot be opened");
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw Error(path.string(), "is not valid JSON (the run folder is damaged)");
  return j;
}

// Copies a finished file under a second name without ever exposing a partial copy.
void copyAtomically(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw Error(from.string(), "cannot be opened");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  writeTextAtomically(to, bytes.str());
}

// Adds "round r" to every progress message so the terminal and the studio can tell rounds apart.
class RoundProgress final : public ProgressSink {
 public:
  RoundProgress(ProgressSink& inner, int round, bool show)
      : inner_(inner), round_(round), show_(show) {}
  void report(const ProgressEvent& event) override {
    if (!show_) return inner_.report(event);
    ProgressEvent e = event;
    e.message = "round " + std::to_string(round_) + (e.message.empty() ? "" : ": " + e.message);
    inner_.report(e);
  }

 private:
  ProgressSink& inner_;
  int round_;
  bool show_;
};

// Forwards events and keeps every one in metrics.jsonl.
class RecordingEvents final : public EventSink {
 public:
  RecordingEvents(EventSink& inner, const fs::path& path)
      : inner_(inner), out_(path, std::ios::app) {
    if (!out_) throw Error(path.string(), "cannot be opened for appending");
  }
  void emit(const json& event) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      out_ << event.dump() << '\n';
      out_.flush();
    }
    inner_.emit(event);
  }

 private:
  EventSink& inner_;
  std::ofstream out_;
  std::mutex mutex_;
};

// The resume bookkeeping: which stages finished, SFR+ routing, confidence rows.
class PipelineState {
 public:
  PipelineState(fs::path path, bool load) : path_(std::move(path)) {
    if (load && fs::exists(path_)) j_ = readJsonFile(path_);
    if (!j_.is_object()) j_ = json::object();
    for (const char* key : {"completed", "confidence"})
      if (!j_.contains(key)) j_[key] = json::array();
    if (!j_.contains("routing")) j_["routing"] = json::object();
  }

  bool done(const std::string& stage, int round) const {
    const std::string key = stage + ":" + std::to_string(round);
    for (const json& s : j_.at("completed"))
      if (s == key) return true;
    return false;
  }
  void markDone(const std::string& stage, int round) {
    j_["completed"].push_back(stage + ":" + std::to_string(round));
    save();
  }

  /// Ids of the confident volumes used in `round` (empty for round 0).
  std::set<std::string> confident(int round) const {
    std::set<std::string> ids;
    const std::string key = std::to_string(round);
    if (j_.at("routing").contains(key))
      for (const json& id : j_.at("routing").at(key)) ids.insert(id.get<std::string>());
    return ids;
  }
  bool hasRouting(int round) const { return j_.at("routing").contains(std::to_string(round)); }
  void setRouting(int round, const std::set<std::string>& confident) {
    j_["routing"][std::to_string(round)] =
        std::vector<std::string>(confident.begin(), confident.end());
  }

  void addConfidence(const json& row) { j_["confidence"].push_back(row); }
  const json& confidenceRows() const { return j_.at("confidence"); }

  json& extra() { return j_; }
  void save() const { writeTextAtomically(path_, j_.dump(2) + "\n"); }

 private:
  fs::path path_;
  json j_;
};

struct ScoredVolume {
  std::string id;
  double confidence = 0;
  torch::Tensor labels;  ///< [X, Y, Z] uint8
};

std::vector<CropPair> cropPairs(const std::vector<TrainingCase>& cases) {
  std::vector<CropPair> pairs;
  for (const TrainingCase& c : cases) pairs.push_back({c.image, c.label});
  return pairs;
}

std::string csvField(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

class PipelineRun {
 public:
  PipelineRun(const PipelineConfig& config, fs::path dir, bool resume, ProgressSink& progress,
              const CancelToken& cancel, EventSink& events)
      : config_(config),
        dir_(std::move(dir)),
        resume_(resume),
        progress_(progress),
        cancel_(cancel),
        events_(events) {}

  json run() {
    const Clock::time_point t0 = Clock::now();
    if (DistributedSettings::requestedByEnvironment()) {
      // torchrun-style replicas (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE): re-training is
      // data-parallel; every replica keeps its own run folder so their files never collide.
      const DistributedSettings settings = DistributedSettings::fromEnvironment();
      if (settings.rank() > 0) dir_ /= "replica_" + std::to_string(settings.rank());
      distributed_ = std::make_unique<DistributedContext>(settings, parseDevice(config_.device()));
    }
    fs::create_directories(dir_ / "checkpoints");
    if (!resume_) clearPreviousRun();
    RecordingEvents recorder(events_, dir_ / "metrics.jsonl");
    events_ptr_ = &recorder;

    data_ = internal::loadPipelineData(config_.data(), progress_, cancel_);
    resolved_ = resolvePipeline(config_, data_.classes, data_.layout);
    writeConfig();
    PipelineState state(dir_ / "pipeline_state.json", resume_);
    state_ = &state;
    if (resume_) note("resumed", {{"completed", state.extra().at("completed")}});

    const bool sam = config_.sam().enabled();
    const int rounds = config_.sfr_plus().enabled() ? 1 + config_.sfr_plus().rounds() : 1;
    int lastRound = 0;
    for (int r = 0; r < rounds; ++r) {
      lastRound = r;
      RoundProgress progress(progress_, r, rounds > 1);
      std::vector<TrainingCase> labelled = data_.labelled, unlabelled;
      const std::set<std::string> confident = state.confident(r);
      std::map<std::string, torch::Tensor> vnetLabels;
      if (!confident.empty()) {
        for (auto& [name, tensor] : readStateDict(file("labels_round", r - 1, ".pt")))
          vnetLabels[name] = tensor;
      }
      for (const TrainingCase& c : data_.unlabelled) {
        if (confident.count(c.id))
          labelled.push_back({c.id, c.image, vnetLabels.at(c.id)});
        else
          unlabelled.push_back(c);
      }
      // SFR+ with every volume confident: the consistency stream keeps all of them.
      if (unlabelled.empty()) unlabelled = data_.unlabelled;

      std::shared_ptr<SamPseudoLabeler> labeler;
      // A round whose re-training finished needs no SAM (its V-Net is on disk).
      if (sam && !state.done("retrain", r)) labeler = fineTuneSam(r, labelled, progress);
      retrain(r, labelled, unlabelled, labeler, progress);
      if (r + 1 < rounds) {
        const std::set<std::string> next = scoreForRouting(r, progress);
        if (next == confident) {
          note("sfr_plus_stopped", {{"round", r}, {"reason", "no volume changed group"}});
          break;
        }
      }
    }

    const fs::path finalNet = dir_ / "vnet_final.pt";
    copyAtomically(file("vnet_round", lastRound, ".pt"), finalNet);
    const VNet net = loadVNet(finalNet).net;
    if (!state.done("score-final", lastRound)) {
      scoreFinal(net, lastRound);
      state.markDone("score-final", lastRound);
    }
    writeConfidenceTable();
    json evaluation = json::object();
    if (!data_.test.empty()) evaluation = evaluate(net);
    return writeSummary(lastRound, evaluation, secondsSince(t0));
  }

 private:
  fs::path file(const std::string& stem, int round, const std::string& ext) const {
    return dir_ / (stem + std::to_string(round) + ext);
  }

  void note(const std::string& name, json fields) {
    fields["type"] = "metric";
    fields["name"] = name;
    if (!fields.contains("value")) fields["value"] = 0;
    events().emit(fields);
  }

  EventSink& events() { return *events_ptr_; }

  // A fresh run must not inherit another run's stages or rows.
  void clearPreviousRun() {
    for (const char* name : {"pipeline_state.json", "metrics.jsonl", "confidence.csv",
                             "evaluation.json", "summary.json", "vnet_final.pt"})
      fs::remove(dir_ / name);
    for (const auto& entry : fs::directory_iterator(dir_ / "checkpoints")) fs::remove(entry.path());
  }

  void writeConfig() {
    json split = {{"layout", data_.layout}, {"classes", data_.classes}};
    for (const auto& [key, cases] :
         {std::pair{"labelled", &data_.labelled}, std::pair{"unlabelled", &data_.unlabelled}}) {
      json ids = json::array();
      for (const TrainingCase& c : *cases) ids.push_back(c.id);
      split[key] = ids;
    }
    json test = json::array();
    for (const auto& c : data_.test) test.push_back(c.id);
    split["test"] = test;
    // Which label file each labelled and held-out case was read from (folder datasets): the
    // dataset's own or the run.data.label_files override, so a run folder says what trained.
    json labelFiles = json::object();
    for (const TrainingCase& c : data_.labelled)
      if (!c.labelFile.empty()) labelFiles[c.id] = c.labelFile.string();
    for (const internal::HeldOutCase& c : data_.test)
      if (!c.label.empty()) labelFiles[c.id] = c.label.string();
    if (!labelFiles.empty()) split["label_files"] = labelFiles;
    const json resolved = {{"config", config_},
                           {"data_split", split},
                           {"training", resolved_.training},
                           {"sam_fine_tune", resolved_.fine_tune},
                           {"window", resolved_.window}};
    const fs::path path = dir_ / "config.json";
    if (resume_ && fs::exists(path) && readJsonFile(path) != resolved)
      throw Error(path.string(),
                  "the run folder holds a different configuration or data split; resume it with "
                  "that one or start in a new folder");
    writeTextAtomically(path, resolved.dump(2) + "\n");
  }

  // ---- Stage 1-2: stitch + fine-tune SAM (§3) ----

  std::shared_ptr<SamPseudoLabeler> fineTuneSam(int r, const std::vector<TrainingCase>& labelled,
                                                ProgressSink& progress) {
    // Building the tuner loads the SAM checkpoint: a missing or mismatched file stops the run
    // here, before any training step of this round.
    SamFineTuner tuner(resolved_.fine_tune, cropPairs(labelled));
    const fs::path adapters = file("sam_round", r, ".pth");
    if (r == 0) note("sam_initialisation", {{"round", r}, {"message", tuner.initialisation()}});
    for (const std::string& n : tuner.notes()) note("sam_note", {{"round", r}, {"message", n}});

    if (state_->done("fine-tune", r)) {
      loadLoRA(adapters, *tuner.model());
    } else {
      const fs::path statePath =
          dir_ / "checkpoints" / ("sam_state_round" + std::to_string(r) + ".pt");
      if (resume_ && fs::exists(statePath)) {
        tuner.loadState(statePath);
        note("resumed_at", {{"stage", "fine-tune"},
                            {"round", r},
                            {"value", tuner.iteration()},
                            {"iteration", tuner.iteration()}});
      } else if (r > 0)  // SFR+: continue from the previous round's LoRA weights (§6 step 3)
        loadLoRA(file("sam_round", r - 1, ".pth"), *tuner.model());
      const auto onStep = [&](const SamStepResult& s) {
        events().emit({{"type", "loss"},
                       {"stage", "fine-tune"},
                       {"round", r},
                       {"iteration", s.iteration},
                       {"values", {{"loss", s.loss}, {"ce", s.ce}, {"dice", s.dice}}}});
        events().emit({{"type", "metric"},
                       {"stage", "fine-tune"},
                       {"round", r},
                       {"name", "learning_rate"},
                       {"value", s.learning_rate},
                       {"iteration", s.iteration}});
      };
      const int64_t every = config_.checkpoint_every();
      const int64_t iterations = tuner.settings().iterations();
      int64_t saved = tuner.iteration();
      try {
        while (tuner.iteration() < iterations) {
          tuner.run(std::min(iterations, (tuner.iteration() / every + 1) * every), progress,
                    cancel_, onStep);
          tuner.saveState(statePath);
          saved = tuner.iteration();
        }
      } catch (const Cancelled&) {
        if (tuner.iteration() != saved) tuner.saveState(statePath);
        throw;
      }
      tuner.saveAdapters(adapters);
      state_->markDone("fine-tune", r);
      fs::remove(statePath);
    }
    return std::make_shared<SamPseudoLabeler>(tuner.model(), resolved_.fine_tune.augment().stitch(),
                                              config_.device(), config_.sam().canvas_batch());
  }

  // ---- Stage 3: re-train the V-Net (§5) ----

  void retrain(int r, const std::vector<TrainingCase>& labelled,
               const std::vector<TrainingCase>& unlabelled,
               const std::shared_ptr<SamPseudoLabeler>& labeler, ProgressSink& progress) {
    if (state_->done("retrain", r)) return;
    TrainingSettings training = resolved_.training;
    // Replicas draw different crops; rank 0's initial weights are broadcast to all by attach().
    if (distributed_) training.seed(training.seed() + static_cast<uint64_t>(distributed_->rank()));
    std::unique_ptr<TrainingMethod> method = createTrainingMethod(training);
    if (distributed_) distributed_->attach(*method);
    if (labeler && method->usesPseudoLabels()) method->setPseudoLabeler(labeler);
    std::vector<torch::Tensor> images;
    for (const TrainingCase& c : unlabelled) images.push_back(c.image);
    TwoStreamBatchLoader loader(cropPairs(labelled), std::move(images), resolved_.training.batch());
    const fs::path statePath =
        dir_ / "checkpoints" / ("vnet_state_round" + std::to_string(r) + ".pt");
    if (resume_ && fs::exists(statePath)) {
      const json extra = method->loadState(statePath);
      if (extra.contains("loader")) loader.restoreState(extra.at("loader"));
      note("resumed_at", {{"stage", "train"},
                          {"round", r},
                          {"value", method->iteration()},
                          {"iteration", method->iteration()}});
    }
    const auto onStep = [&](const StepResult& s) {
      json values = json::object();
      for (const NamedValue& v : s.losses) values[v.name] = v.value;
      events().emit({{"type", "loss"},
                     {"stage", "train"},
                     {"round", r},
                     {"iteration", s.iteration},
                     {"values", values}});
      json scalars = {{"learning_rate", s.learning_rate}};
      for (const NamedValue& v : s.scalars) scalars[v.name] = v.value;
      for (const auto& [name, value] : scalars.items())
        events().emit({{"type", "metric"},
                       {"stage", "train"},
                       {"round", r},
                       {"name", name},
                       {"value", value},
                       {"iteration", s.iteration}});
    };
    const int64_t every = config_.checkpoint_every();
    const int64_t iterations = resolved_.training.iterations();
    int64_t saved = method->iteration();
    // The student as a plain V-Net checkpoint beside the resumable state, so that the studio's
    // live preview (`predict`) can show the current weights while the round trains; removed when
    // vnet_round<r>.pt is written. Atomic like every file here.
    const fs::path previewPath =
        dir_ / "checkpoints" / ("vnet_preview_round" + std::to_string(r) + ".pt");
    const auto save = [&] {
      method->saveState(statePath, {{"loader", loader.state()}});
      writeVNetCheckpoint(previewPath, *method->student(),
                          {{"round", r}, {"iterations", method->iteration()}, {"preview", true}});
      saved = method->iteration();
    };
    const std::vector<ValidationCase> validation = validationCases();
    try {
      while (method->iteration() < iterations) {
        runTraining(*method, loader,
                    std::min(iterations, (method->iteration() / every + 1) * every), progress,
                    cancel_, onStep);
        save();
        const int64_t checkpoint = (method->iteration() + every - 1) / every;
        if (!validation.empty() &&
            (checkpoint % config_.validation().every() == 0 || method->iteration() == iterations))
          validate(r, method->iteration(), method->student(), validation);
      }
    } catch (const Cancelled&) {
      if (method->iteration() != saved) save();
      throw;
    }
    writeVNetCheckpoint(file("vnet_round", r, ".pt"), *method->student(),
                        {{"round", r},
                         {"iterations", method->iteration()},
                         {"method", method->name()},
                         {"sam_pseudo_labels", labeler != nullptr}});
    state_->markDone("retrain", r);
    fs::remove(statePath);
    fs::remove(previewPath);
  }

  // ---- Validation during re-training (run.validation) ----

  struct ValidationCase {
    std::string id;
    torch::Tensor image;  ///< normalised like the training volumes
    LabelVolume label;
  };

  // The first run.validation.cases held-out cases, read once per round; none for replicas other
  // than rank 0 (one curve per run).
  std::vector<ValidationCase> validationCases() {
    std::vector<ValidationCase> cases;
    if (distributed_ && distributed_->rank() != 0) return cases;
    const std::size_t n = std::min<std::size_t>(
        data_.test.size(), static_cast<std::size_t>(config_.validation().cases()));
    for (std::size_t i = 0; i < n; ++i) {
      internal::HeldOutVolumes v = internal::readHeldOut(config_.data(), data_.test[i]);
      cases.push_back({data_.test[i].id, toTensor(v.image), std::move(v.label)});
    }
    return cases;
  }

  // Mean foreground Dice of the student on the validation cases (medpy's dc per class: 0 when
  // the prediction or the reference lacks the class), emitted as the metric "validation_dice"
  // with the per-class values; the sliding-window predictor puts the student in eval mode and
  // back, so training continues unchanged.
  void validate(int r, int64_t iteration, const VNet& student,
                const std::vector<ValidationCase>& cases) {
    const SlidingWindowPredictor predictor(student, resolved_.window);
    std::vector<double> perClass(static_cast<std::size_t>(data_.classes - 1), 0.0);
    json ids = json::array();
    for (const ValidationCase& c : cases) {
      cancel_.throwIfCancelled();
      const SlidingWindowResult result = predictor.predict(c.image, nullptr, &cancel_);
      const LabelVolume prediction = toLabelVolume(result.labels, c.label.geometry());
      const auto& pred = prediction.voxels();
      const auto& ref = c.label.voxels();
      for (int64_t k = 1; k < data_.classes; ++k) {
        int64_t both = 0, inPrediction = 0, inReference = 0;
        for (std::size_t i = 0; i < ref.size(); ++i) {
          const bool p = pred[i] == k, g = ref[i] == k;
          both += p && g;
          inPrediction += p;
          inReference += g;
        }
        if (inPrediction > 0 && inReference > 0)
          perClass[static_cast<std::size_t>(k - 1)] +=
              2.0 * static_cast<double>(both) / static_cast<double>(inPrediction + inReference);
      }
      ids.push_back(c.id);
    }
    double mean = 0;
    for (double& d : perClass) {
      d /= static_cast<double>(cases.size());
      mean += d;
    }
    mean /= static_cast<double>(perClass.size());
    events().emit({{"type", "metric"},
                   {"stage", "train"},
                   {"round", r},
                   {"name", "validation_dice"},
                   {"value", mean},
                   {"iteration", iteration},
                   {"classes", perClass},
                   {"cases", ids}});
  }

  // ---- SFR+ scoring (§6) ----

  ScoredVolume score(const SlidingWindowPredictor& predictor, const TrainingCase& c,
                     ProgressSink& progress) {
    const SlidingWindowResult result = predictor.predict(c.image, &progress, &cancel_);
    const double confidence =
        std::get<0>(result.probabilities.max(0)).to(torch::kFloat64).mean().item<double>();
    return {c.id, confidence, result.labels};
  }

  std::set<std::string> scoreForRouting(int r, ProgressSink& progress) {
    std::set<std::string> confident;
    if (state_->hasRouting(r + 1)) return state_->confident(r + 1);
    const VNet net = loadVNet(file("vnet_round", r, ".pt")).net;
    const SlidingWindowPredictor predictor(net, resolved_.window);
    NamedTensors labels;
    int64_t done = 0;
    for (const TrainingCase& c : data_.unlabelled) {
      const ScoredVolume s = score(predictor, c, progress);
      const bool ok = s.confidence >= config_.sfr_plus().tau();
      if (ok) {
        confident.insert(c.id);
        labels.emplace_back(c.id, s.labels);
      }
      state_->addConfidence({{"round", r},
                             {"case", c.id},
                             {"confidence", s.confidence},
                             {"routed", ok ? "fine-tune" : "pseudo-label"}});
      progress.report({"score", ++done, static_cast<int64_t>(data_.unlabelled.size()), c.id});
    }
    writeStateDict(file("labels_round", r, ".pt"), labels);
    state_->setRouting(r + 1, confident);
    note("sfr_plus_routing", {{"round", r},
                              {"value", static_cast<int64_t>(confident.size())},
                              {"confident", confident.size()},
                              {"uncertain", data_.unlabelled.size() - confident.size()},
                              {"tau", config_.sfr_plus().tau()}});
    state_->markDone("score", r);
    return confident;
  }

  // Confidence of every unlabelled volume under the final V-Net: what the studio's review uses.
  void scoreFinal(const VNet& net, int r) {
    const SlidingWindowPredictor predictor(net, resolved_.window);
    RoundProgress progress(progress_, r, false);
    int64_t done = 0;
    for (const TrainingCase& c : data_.unlabelled) {
      const ScoredVolume s = score(predictor, c, progress);
      state_->addConfidence(
          {{"round", "final"},
           {"case", c.id},
           {"confidence", s.confidence},
           {"routed", s.confidence >= config_.sfr_plus().tau() ? "accepted" : "review"}});
      progress.report({"score", ++done, static_cast<int64_t>(data_.unlabelled.size()), c.id});
    }
  }

  void writeConfidenceTable() {
    std::ostringstream csv;
    csv << "round,case,confidence,routed\n";
    char number[32];
    for (const json& row : state_->confidenceRows()) {
      std::snprintf(number, sizeof number, "%.8f", row.at("confidence").get<double>());
      const json& round = row.at("round");
      csv << (round.is_string() ? round.get<std::string>() : std::to_string(round.get<int>()))
          << ',' << csvField(row.at("case").get<std::string>()) << ',' << number << ','
          << row.at("routed").get<std::string>() << '\n';
    }
    writeTextAtomically(dir_ / "confidence.csv", csv.str());
  }

  // ---- Evaluation (§7) ----

  json evaluate(const VNet& net) {
    const SlidingWindowPredictor predictor(net, resolved_.window);
    MetricsSettings metrics;
    std::vector<int> classes;
    for (int c = 1; c < data_.classes; ++c) classes.push_back(c);
    metrics.setClasses(classes);
    std::vector<CaseMetrics> all;
    json cases = json::array();
#ifdef SFR_HAVE_ITK
    const bool writeMasks = config_.data().source() == "folder";
    if (writeMasks) fs::create_directories(dir_ / "predictions");
#endif
    int64_t done = 0;
    for (const internal::HeldOutCase& c : data_.test) {
      cancel_.throwIfCancelled();
      const internal::HeldOutVolumes v = internal::readHeldOut(config_.data(), c);
      const SlidingWindowResult result = predictor.predict(toTensor(v.image), nullptr, &cancel_);
      const LabelVolume prediction = toLabelVolume(result.labels, v.image.geometry());
      CaseMetrics m;
      try {
        m = computeMetrics(prediction, v.label, metrics);
      } catch (const Error& e) {
        throw Error(c.id, e.what());
      }
#ifdef SFR_HAVE_ITK
      if (writeMasks) io::writeLabel(prediction, dir_ / "predictions" / (c.id + ".nii.gz"));
#endif
      json row = m;
      row["case"] = c.id;
      cases.push_back(row);
      all.push_back(m);
      progress_.report({"evaluate", ++done, static_cast<int64_t>(data_.test.size()), c.id});
    }
    const MetricsSummary summary = summarizeMetrics(all);
    const json evaluation = {{"cases", cases}, {"mean", summary}};
    writeTextAtomically(dir_ / "evaluation.json", evaluation.dump(2) + "\n");
    return evaluation;
  }

  json writeSummary(int lastRound, const json& evaluation, double seconds) {
    const ThreadSettings threads = torchThreads();
    json summary = {{"method", config_.method()},
                    {"replicas", distributed_ ? distributed_->worldSize() : 1},
                    {"preset", effectivePreset(config_)},
                    {"sfr", config_.sam().enabled()},
                    {"sfr_plus", config_.sfr_plus().enabled()},
                    {"rounds_run", lastRound + 1},
                    {"device", config_.device()},
                    {"threads", threads.intraOp},
                    {"seconds_this_session", seconds},
                    {"classes", data_.classes},
                    {"labelled", data_.labelled.size()},
                    {"unlabelled", data_.unlabelled.size()},
                    {"test", data_.test.size()},
                    {"vnet_final", (dir_ / "vnet_final.pt").string()}};
    if (config_.sam().enabled())
      summary["sam_base"] = samInitialisation(resolved_.fine_tune.model());
    if (!evaluation.empty()) summary["evaluation"] = evaluation.at("mean");
    writeTextAtomically(dir_ / "summary.json", summary.dump(2) + "\n");
    note("finished", {{"value", lastRound + 1}, {"path", (dir_ / "vnet_final.pt").string()}});
    return summary;
  }

  const PipelineConfig& config_;
  fs::path dir_;
  bool resume_;
  ProgressSink& progress_;
  const CancelToken& cancel_;
  EventSink& events_;
  EventSink* events_ptr_ = nullptr;
  internal::PipelineData data_;
  ResolvedPipeline resolved_;
  PipelineState* state_ = nullptr;
  std::unique_ptr<DistributedContext> distributed_;
};

class PipelineDriver final : public RunDriver {
 public:
  explicit PipelineDriver(SfrPipeline pipeline) : pipeline_(std::move(pipeline)) {}
  void run(ProgressSink& progress, const CancelToken& cancel, EventSink& events) override {
    pipeline_.run(progress, cancel, events);
  }

 private:
  SfrPipeline pipeline_;
};

}  // namespace

SfrPipeline::SfrPipeline(PipelineConfig config, fs::path runDir, bool resume)
    : config_(std::move(config)), runDir_(std::move(runDir)), resume_(resume) {
  if (runDir_.empty()) throw Error("run_dir", "is missing or empty");
  config_.validate();
}

json SfrPipeline::run(ProgressSink& progress, const CancelToken& cancel, EventSink& events) {
  PipelineRun run(config_, runDir_, resume_, progress, cancel, events);
  return run.run();
}

std::unique_ptr<RunDriver> makeSfrPipelineRun(const RunRequest& request) {
  PipelineConfig config;
  from_json(request.config, config);
  return std::make_unique<PipelineDriver>(
      SfrPipeline(std::move(config), request.runDir, request.resume));
}

std::vector<std::string> pipelineMethodNames() {
  return trainingMethodNames();
}

}  // namespace sfr::engine
