#include "sfr/engine/worker/retraining_run.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/training_method.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"
#endif

namespace sfr::engine {

namespace fs = std::filesystem;

// ---- Settings ----

namespace {

// Strict reading: every key known, every value of the right type (a typo must not silently train
// with a default).
class StrictReader {
 public:
  StrictReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j.is_object()) throw Error(path_, "must be a JSON object");
  }
  template <class T>
  void read(const std::string& key, T& value) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    try {
      value = j_.at(key).get<T>();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(path_ + "." + key, e.what());
    }
  }
  void finish() const {
    for (const auto& item : j_.items())
      if (!seen_.count(item.key())) throw Error(path_ + "." + item.key(), "unknown key");
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

void writeTextAtomically(const fs::path& path, const std::string& text) {
  AtomicFileWriter file(path);
  file.write(text.data(), text.size());
  file.commit();
}

}  // namespace

void to_json(nlohmann::json& j, const RetrainingDataSettings& s) {
  j = nlohmann::json{{"source", s.source()},         {"phantom", s.phantom()},
                     {"folder", s.folder()},         {"labelled", s.labelled()},
                     {"unlabelled", s.unlabelled()}, {"normalize", s.normalize()}};
}

void from_json(const nlohmann::json& j, RetrainingDataSettings& s) {
  StrictReader r(j, "run.data");
  r.read("source", s.source());
  r.read("phantom", s.phantom());
  r.read("folder", s.folder());
  r.read("labelled", s.labelled());
  r.read("unlabelled", s.unlabelled());
  r.read("normalize", s.normalize());
  r.finish();
}

void to_json(nlohmann::json& j, const RetrainingRunConfig& s) {
  j = nlohmann::json{{"preset", s.preset()},
                     {"method", s.method()},
                     {"training", s.training()},
                     {"data", s.data()},
                     {"checkpoint_every", s.checkpoint_every()}};
}

void from_json(const nlohmann::json& j, RetrainingRunConfig& s) {
  StrictReader r(j, "run");
  r.read("preset", s.preset());
  r.read("method", s.method());
  r.read("training", s.training());
  r.read("data", s.data());
  r.read("checkpoint_every", s.checkpoint_every());
  r.finish();
}

TrainingSettings RetrainingRunConfig::resolvedTraining() const {
  TrainingSettings base;
  if (preset() == "cpu")
    base = TrainingSettings::cpu(method());
  else if (preset() == "paper")
    base = TrainingSettings::paper(method());
  else
    throw Error("run.preset", "'" + preset() + "' is not cpu or paper");
  if (!training().is_object()) throw Error("run.training", "must be a JSON object");
  nlohmann::json merged = base;
  merged.merge_patch(training());
  TrainingSettings resolved;
  from_json(merged, resolved);
  if (resolved.method() != method())
    throw Error("run.training.method",
                "'" + resolved.method() + "' contradicts run.method '" + method() + "'");
  resolved.validate();
  return resolved;
}

void RetrainingRunConfig::validate() const {
  const TrainingSettings training = resolvedTraining();  // throws for bad preset/method/keys
  if (checkpoint_every() < 1) throw Error("run.checkpoint_every", "must be at least 1");
  const RetrainingDataSettings& d = data();
  if (d.labelled() < 1) throw Error("run.data.labelled", "at least one labelled case is needed");
  if (d.unlabelled() < -1) throw Error("run.data.unlabelled", "must be -1 (all the rest) or >= 0");
  if (d.normalize() != "zscore" && d.normalize() != "none")
    throw Error("run.data.normalize", "'" + d.normalize() + "' is not zscore or none");
  if (d.source() == "phantom") {
    d.phantom().validate();
    const int unlabelled = d.unlabelled() < 0 ? d.phantom().cases - d.labelled() : d.unlabelled();
    if (d.labelled() + unlabelled > d.phantom().cases)
      throw Error("run.data", "labelled + unlabelled cases exceed the " +
                                  std::to_string(d.phantom().cases) + " phantom cases");
  } else if (d.source() == "folder") {
#ifndef SFR_HAVE_ITK
    throw Error("run.data.source", "folder: this build has no image IO (built without ITK)");
#else
    if (d.folder().empty()) throw Error("run.data.folder", "is empty");
    if (!fs::is_directory(d.folder())) throw Error(d.folder(), "is not a folder");
#endif
  } else {
    throw Error("run.data.source", "'" + d.source() + "' is not phantom or folder");
  }
  (void)training;
}

std::vector<std::string> retrainingMethodNames() {
  return trainingMethodNames();
}

// ---- The run ----

namespace {

struct RunData {
  std::vector<CropPair> labelled;
  std::vector<torch::Tensor> unlabelled;
};

RunData loadData(const RetrainingDataSettings& d, ProgressSink& progress,
                 const CancelToken& cancel) {
  RunData data;
  if (d.source() == "phantom") {
    const int unlabelled = d.unlabelled() < 0 ? d.phantom().cases - d.labelled() : d.unlabelled();
    const int total = d.labelled() + unlabelled;
    for (int c = 0; c < total; ++c) {
      cancel.throwIfCancelled();
      const PhantomCase p = generatePhantomCase(d.phantom(), c);
      if (c < d.labelled())
        data.labelled.push_back({toTensor(p.image), toTensor(p.label)});
      else
        data.unlabelled.push_back(toTensor(p.image));
      progress.report({"load", c + 1, total, p.id});
    }
    return data;
  }
#ifdef SFR_HAVE_ITK
  const io::Dataset dataset = io::openDataset(d.folder());
  std::vector<const io::DatasetCase*> labelled, unlabelled;
  for (const io::DatasetCase& c : dataset.cases) {
    if (c.split == "test") continue;  // held out for evaluation
    if (c.label && static_cast<int>(labelled.size()) < d.labelled())
      labelled.push_back(&c);
    else if (d.unlabelled() < 0 || static_cast<int>(unlabelled.size()) < d.unlabelled())
      unlabelled.push_back(&c);
  }
  if (static_cast<int>(labelled.size()) < d.labelled())
    throw Error(d.folder(), "has " + std::to_string(labelled.size()) +
                                " labelled training case(s), the run asks for " +
                                std::to_string(d.labelled()));
  const int64_t total = static_cast<int64_t>(labelled.size() + unlabelled.size());
  int64_t done = 0;
  for (const io::DatasetCase* c : labelled) {
    cancel.throwIfCancelled();
    io::VolumePair pair = io::readCase(c->image, *c->label);
    if (d.normalize() == "zscore") zScoreInPlace(pair.image);
    data.labelled.push_back({toTensor(pair.image), toTensor(pair.label)});
    progress.report({"load", ++done, total, c->id});
  }
  for (const io::DatasetCase* c : unlabelled) {
    cancel.throwIfCancelled();
    ImageVolume image = io::readImage(c->image);
    if (d.normalize() == "zscore") zScoreInPlace(image);
    data.unlabelled.push_back(toTensor(image));
    progress.report({"load", ++done, total, c->id});
  }
  return data;
#else
  throw Error("run.data.source", "folder: this build has no image IO (built without ITK)");
#endif
}

class RetrainingRun final : public RunDriver {
 public:
  RetrainingRun(RetrainingRunConfig config, RunRequest request)
      : config_(std::move(config)),
        request_(std::move(request)),
        training_(config_.resolvedTraining()) {}

  void run(ProgressSink& progress, const CancelToken& cancel, EventSink& events) override {
    const fs::path dir = request_.runDir;
    fs::create_directories(dir);
    const fs::path statePath = dir / "state.pt";
    const fs::path configPath = dir / "config.json";
    nlohmann::json resolved = config_;
    resolved["training"] = training_;
    if (request_.resume && fs::exists(configPath)) {
      // A restarted studio must not continue someone else's run under this one's name.
      std::ifstream in(configPath);
      nlohmann::json saved = nlohmann::json::parse(in, nullptr, false);
      if (saved.is_discarded() || saved != resolved)
        throw Error(configPath.string(),
                    "the run folder holds a different configuration; resume it with that one or "
                    "start in a new folder");
    }
    writeTextAtomically(configPath, resolved.dump(2) + "\n");

    RunData data = loadData(config_.data(), progress, cancel);
    std::unique_ptr<TrainingMethod> method = createTrainingMethod(training_);
    TwoStreamBatchLoader loader(std::move(data.labelled), std::move(data.unlabelled),
                                training_.batch());
    if (request_.resume && fs::exists(statePath)) {
      const nlohmann::json extra = method->loadState(statePath);
      if (extra.contains("loader")) loader.restoreState(extra.at("loader"));
      events.emit({{"type", "metric"},
                   {"name", "resumed_at"},
                   {"value", method->iteration()},
                   {"iteration", method->iteration()}});
    }

    int64_t saved = method->iteration();
    auto save = [&] {
      method->saveState(statePath, {{"loader", loader.state()}});
      saved = method->iteration();
    };
    const auto onStep = [&](const StepResult& r) {
      nlohmann::json values = nlohmann::json::object();
      for (const NamedValue& v : r.losses) values[v.name] = v.value;
      events.emit({{"type", "loss"}, {"iteration", r.iteration}, {"values", values}});
      events.emit({{"type", "metric"},
                   {"name", "learning_rate"},
                   {"value", r.learning_rate},
                   {"iteration", r.iteration}});
      for (const NamedValue& v : r.scalars)
        events.emit(
            {{"type", "metric"}, {"name", v.name}, {"value", v.value}, {"iteration", r.iteration}});
    };

    const int64_t every = config_.checkpoint_every();
    const int64_t iterations = training_.iterations();
    try {
      while (method->iteration() < iterations) {
        const int64_t until = std::min(iterations, (method->iteration() / every + 1) * every);
        runTraining(*method, loader, until, progress, cancel, onStep);
        save();
      }
    } catch (const Cancelled&) {
      // Pause or stop: keep every completed step so that resuming continues exactly here.
      if (method->iteration() != saved) save();
      throw;
    }
    const fs::path finalPath = dir / "vnet_final.pt";
    writeVNetCheckpoint(finalPath, *method->student(),
                        {{"iterations", method->iteration()}, {"run", resolved}});
    events.emit({{"type", "metric"},
                 {"name", "final_checkpoint"},
                 {"value", method->iteration()},
                 {"iteration", method->iteration()},
                 {"path", finalPath.string()}});
  }

 private:
  RetrainingRunConfig config_;
  RunRequest request_;
  TrainingSettings training_;
};

}  // namespace

std::unique_ptr<RunDriver> makeRetrainingRun(const RunRequest& request) {
  if (request.runDir.empty()) throw Error("run_dir", "is missing or empty");
  RetrainingRunConfig config;
  from_json(request.config, config);
  config.validate();
  return std::make_unique<RetrainingRun>(std::move(config), request);
}

}  // namespace sfr::engine
