#include "pipeline_data.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/engine/volume_tensor.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"
#endif

namespace sfr::engine::internal {

namespace {

PipelineData loadPhantoms(const PipelineDataSettings& d, ProgressSink& progress,
                          const CancelToken& cancel) {
  PipelineData data;
  data.layout = "phantom";
  data.classes = 2;
  const int cases = d.phantom().cases;
  const int firstTest = cases - d.test();
  const int unlabelled = d.unlabelled() < 0 ? firstTest - d.labelled() : d.unlabelled();
  const int total = d.labelled() + unlabelled;
  for (int c = 0; c < total; ++c) {
    cancel.throwIfCancelled();
    const PhantomCase p = generatePhantomCase(d.phantom(), c);
    if (c < d.labelled())
      data.labelled.push_back({p.id, toTensor(p.image), toTensor(p.label)});
    else
      data.unlabelled.push_back({p.id, toTensor(p.image), {}});
    progress.report({"load", c + 1, total, p.id});
  }
  for (int c = firstTest; c < cases; ++c) {
    HeldOutCase h;
    h.id = "phantom_" + std::string(c < 10 ? "00" : c < 100 ? "0" : "") + std::to_string(c);
    h.phantomIndex = c;
    data.test.push_back(h);
  }
  return data;
}

#ifdef SFR_HAVE_ITK
// How the run reads folder volumes: run.data.spacing for files that store none (HDF5).
io::ReadOptions readOptions(const PipelineDataSettings& d) {
  io::ReadOptions options;
  if (d.spacing().size() == 3) options.setSpacing({d.spacing()[0], d.spacing()[1], d.spacing()[2]});
  return options;
}

// run.data.label_files: the labels that replace (or add to) the dataset's, by case id.
class LabelOverrides {
 public:
  LabelOverrides(const PipelineDataSettings& d, const io::Dataset& dataset)
      : options_(readOptions(d)) {
    std::set<std::string> ids;
    for (const io::DatasetCase& c : dataset.cases) ids.insert(c.id);
    for (const auto& [id, file] : d.label_files()) {
      if (file.empty())
        throw Error("run.data.label_files", "case '" + id + "' has an empty label file");
      if (!ids.count(id))
        throw Error(file, "is the label of case '" + id + "' in run.data.label_files, but " +
                              d.folder() + " has no case '" + id + "'");
      std::error_code ec;
      if (!std::filesystem::is_regular_file(file, ec))
        throw Error(file, "the label file of case '" + id +
                              "' (run.data.label_files) does not exist or is not a file");
      files_[id] = file;
    }
  }

  bool has(const io::DatasetCase& c) const { return files_.count(c.id) > 0; }

  // The label file the run uses for `c`: the override, else the dataset's (none: unlabelled).
  std::optional<std::filesystem::path> labelOf(const io::DatasetCase& c) const {
    const auto it = files_.find(c.id);
    if (it != files_.end()) return it->second;
    return c.label;
  }

  // io::readCase (same grid checked) of `c` with its label; a problem with an override names
  // the case too.
  io::VolumePair read(const io::DatasetCase& c) const {
    const std::filesystem::path label = *labelOf(c);
    try {
      return io::readCase(c.image, label, options_);
    } catch (const Error& e) {
      if (!has(c) || e.subject() != label.string()) throw;
      throw Error(e.subject(), e.problem() + " (the label of case '" + c.id + "' against " +
                                   c.image.string() + ", run.data.label_files)");
    }
  }

  const io::ReadOptions& options() const { return options_; }

 private:
  io::ReadOptions options_;
  std::map<std::string, std::filesystem::path> files_;
};

PipelineData loadFolder(const PipelineDataSettings& d, ProgressSink& progress,
                        const CancelToken& cancel) {
  const io::Dataset dataset = io::openDataset(d.folder());
  const LabelOverrides overrides(d, dataset);
  PipelineData data;
  data.layout = dataset.layout;

  std::vector<const io::DatasetCase*> trainLabelled, trainUnlabelled, testLabelled;
  for (const io::DatasetCase& c : dataset.cases) {
    const bool labelled = overrides.labelOf(c).has_value();
    if (c.split == "test") {
      if (labelled) testLabelled.push_back(&c);
    } else if (labelled) {
      trainLabelled.push_back(&c);
    } else {
      trainUnlabelled.push_back(&c);
    }
  }

  // Held out: the named cases, or the test split first, then the last labelled training cases.
  std::vector<const io::DatasetCase*> test;
  if (!d.test_ids().empty()) {
    std::set<std::string> wanted(d.test_ids().begin(), d.test_ids().end());
    if (wanted.size() != d.test_ids().size())
      throw Error("run.data.test_ids", "names a case twice");
    for (const io::DatasetCase* c : testLabelled)
      if (wanted.erase(c->id)) test.push_back(c);
    std::vector<const io::DatasetCase*> training;
    for (const io::DatasetCase* c : trainLabelled)
      (wanted.erase(c->id) ? test : training).push_back(c);
    trainLabelled = std::move(training);
    if (!wanted.empty())
      throw Error("run.data.test_ids",
                  "'" + *wanted.begin() + "' is not a labelled case of " + d.folder() +
                      " (a label for it can be given in run.data.label_files)");
  }
  for (const io::DatasetCase* c : testLabelled)
    if (static_cast<int>(test.size()) < d.test()) test.push_back(c);
  while (static_cast<int>(test.size()) < d.test() && !trainLabelled.empty()) {
    test.push_back(trainLabelled.back());
    trainLabelled.pop_back();
  }
  if (static_cast<int>(test.size()) < d.test())
    throw Error(d.folder(), "has " + std::to_string(test.size()) +
                                " labelled case(s) to hold out, the run asks for " +
                                std::to_string(d.test()) + " (run.data.test)");

  std::vector<const io::DatasetCase*> labelled, rest;
  if (!d.labelled_ids().empty()) {
    std::set<std::string> wanted(d.labelled_ids().begin(), d.labelled_ids().end());
    if (wanted.size() != d.labelled_ids().size())
      throw Error("run.data.labelled_ids", "names a case twice");
    for (const io::DatasetCase* c : test)
      if (wanted.count(c->id))
        throw Error("run.data.labelled_ids",
                    "'" + c->id +
                        "' is a held-out test case (lower run.data.test or pick "
                        "another case)");
    for (const io::DatasetCase* c : trainLabelled) {
      if (wanted.erase(c->id))
        labelled.push_back(c);
      else
        rest.push_back(c);
    }
    if (!wanted.empty())
      throw Error("run.data.labelled_ids",
                  "'" + *wanted.begin() + "' is not a labelled case of " + d.folder() +
                      " (a label for it can be given in run.data.label_files)");
  } else {
    for (const io::DatasetCase* c : trainLabelled)
      (static_cast<int>(labelled.size()) < d.labelled() ? labelled : rest).push_back(c);
    if (static_cast<int>(labelled.size()) < d.labelled())
      throw Error(d.folder(), "has " + std::to_string(labelled.size()) +
                                  " labelled training case(s) after holding out " +
                                  std::to_string(test.size()) + ", the run asks for " +
                                  std::to_string(d.labelled()));
  }
  rest.insert(rest.end(), trainUnlabelled.begin(), trainUnlabelled.end());
  if (d.unlabelled() >= 0) {
    if (static_cast<int>(rest.size()) < d.unlabelled())
      throw Error(d.folder(), "has " + std::to_string(rest.size()) +
                                  " case(s) left for the unlabelled stream, the run asks for " +
                                  std::to_string(d.unlabelled()));
    rest.resize(d.unlabelled());
  }

  const int64_t total = static_cast<int64_t>(labelled.size() + rest.size());
  int64_t done = 0, maxLabel = 1;
  std::string maxLabelFile = d.folder();  // where the largest label value is
  const auto noteLabels = [&](const LabelVolume& label, const std::filesystem::path& file) {
    for (uint8_t v : label.voxels())
      if (v > maxLabel) {
        maxLabel = v;
        maxLabelFile = file.string();
      }
  };
  for (const io::DatasetCase* c : labelled) {
    cancel.throwIfCancelled();
    io::VolumePair pair = overrides.read(*c);
    if (d.normalize() == "zscore") zScoreInPlace(pair.image);
    const std::filesystem::path labelFile = *overrides.labelOf(*c);
    noteLabels(pair.label, labelFile);
    data.labelled.push_back({c->id, toTensor(pair.image), toTensor(pair.label), labelFile});
    progress.report({"load", ++done, total, c->id});
  }
  for (const io::DatasetCase* c : rest) {
    cancel.throwIfCancelled();
    // An override of a case that ends up unlabelled is still checked (read with its image).
    ImageVolume image =
        overrides.has(*c) ? overrides.read(*c).image : io::readImage(c->image, overrides.options());
    if (d.normalize() == "zscore") zScoreInPlace(image);
    data.unlabelled.push_back({c->id, toTensor(image), {}});
    progress.report({"load", ++done, total, c->id});
  }
  for (const io::DatasetCase* c : test) {
    // Held-out cases are read when scored, after training: check their overrides now.
    if (overrides.has(*c)) {
      cancel.throwIfCancelled();
      overrides.read(*c);
    }
    data.test.push_back({c->id, c->image, *overrides.labelOf(*c), -1});
  }
  // The dataset's label names are authoritative (a class may be absent from the few labelled
  // cases); otherwise the labelled cases say how many classes there are.
  data.classes = dataset.labelNames.size() >= 2 ? static_cast<int64_t>(dataset.labelNames.size())
                                                : maxLabel + 1;
  if (maxLabel >= data.classes)
    throw Error(maxLabelFile, "a labelled case holds label " + std::to_string(maxLabel) +
                                  " but the dataset (" + d.folder() + ") names only " +
                                  std::to_string(data.classes) + " classes");
  return data;
}
#endif

}  // namespace

PipelineData loadPipelineData(const PipelineDataSettings& settings, ProgressSink& progress,
                              const CancelToken& cancel) {
  if (settings.source() == "phantom") return loadPhantoms(settings, progress, cancel);
#ifdef SFR_HAVE_ITK
  return loadFolder(settings, progress, cancel);
#else
  throw Error("run.data.source", "folder: this build has no image IO (built without ITK)");
#endif
}

HeldOutVolumes readHeldOut(const PipelineDataSettings& settings, const HeldOutCase& c) {
  if (c.phantomIndex >= 0) {
    PhantomCase p = generatePhantomCase(settings.phantom(), c.phantomIndex);
    return {std::move(p.image), std::move(p.label)};
  }
#ifdef SFR_HAVE_ITK
  io::VolumePair pair = io::readCase(c.image, c.label, readOptions(settings));
  if (settings.normalize() == "zscore") zScoreInPlace(pair.image);
  return {std::move(pair.image), std::move(pair.label)};
#else
  throw Error(c.image.string(), "this build has no image IO (built without ITK)");
#endif
}

}  // namespace sfr::engine::internal
