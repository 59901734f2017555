// `sfr eval`: scores predicted label maps against ground truth with the medpy-exact metrics
// (spec §7.2): per case, per class and the mean, in voxels (as the paper reports) or in mm.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_context.h"
#include "sfr/base/error.h"
#include "sfr/base/metrics_summary.h"
#include "sfr/io/dataset.h"
#include "sfr/io/format.h"
#include "sfr/io/image_io.h"
#include "terminal_progress.h"

namespace sfr::cli {
namespace {

namespace fs = std::filesystem;

struct EvalArgs {
  std::string pred;
  std::string gt;
  std::string spacing = "voxel";
  std::string empty = "zero";
  std::vector<int> classes;
  std::vector<double> gtSpacing;
  bool json = false;
  std::string out;
};

struct Pair {
  std::string id;
  fs::path pred, gt;
};

// "case_007_label.nii.gz" -> "case_007"; "<id>/mri_norm2.h5" -> "<id>". Suffixes written by
// `sfr predict` and common tools are dropped so predictions pair with their ground truth.
std::string caseId(const fs::path& file) {
  std::string name = file.filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd", ".h5", ".hdf5"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      name.resize(name.size() - e.size());
      break;
    }
  }
  if (name == "mri_norm2" && file.has_parent_path()) return file.parent_path().filename().string();
  for (const char* suffix : {"_label", "_pred", "_seg", "_gt", "_mask"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      name.resize(name.size() - s.size());
      break;
    }
  }
  return name;
}

// id -> label file: a dataset (MSD, LA) gives its labels; a plain folder gives its volume files.
std::map<std::string, fs::path> labelFiles(const fs::path& where, bool ground_truth) {
  std::map<std::string, fs::path> files;
  if (!fs::is_directory(where)) {
    files[caseId(where)] = where;
    return files;
  }
  const bool isDataset = fs::exists(where / "dataset.json") || fs::exists(where / "train.list") ||
                         fs::exists(where / "test.list");
  if (!isDataset) {  // a plain folder of label maps, as `sfr predict` writes them
    for (const auto& entry : fs::directory_iterator(where))
      if (entry.is_regular_file() && caseId(entry.path()) != entry.path().filename().string())
        files[caseId(entry.path())] = entry.path();
    if (files.empty()) throw Error(where.string(), "holds no label maps");
    return files;
  }
  const io::Dataset dataset = io::openDataset(where);
  for (const io::DatasetCase& c : dataset.cases) {
    if (dataset.layout != "folder") {
      if (c.label) files[c.id] = *c.label;
    } else {
      files[caseId(c.image)] = c.image;
    }
  }
  if (files.empty())
    throw Error(where.string(), ground_truth ? "holds no labelled cases" : "holds no label maps");
  return files;
}

std::vector<Pair> pairUp(const EvalArgs& a) {
  const bool single = !fs::is_directory(a.pred) && !fs::is_directory(a.gt);
  if (single) return {{caseId(a.gt), a.pred, a.gt}};
  const auto preds = labelFiles(a.pred, false);
  const auto gts = labelFiles(a.gt, true);
  std::vector<Pair> pairs;
  std::vector<std::string> orphans;
  for (const auto& [id, p] : preds) {
    const auto it = gts.find(id);
    if (it == gts.end())
      orphans.push_back(id);
    else
      pairs.push_back({id, p, it->second});
  }
  if (!orphans.empty())
    throw Error(a.pred, std::to_string(orphans.size()) + " prediction(s) have no ground truth in " +
                            a.gt + " (first: '" + orphans.front() + "')");
  if (pairs.empty()) throw Error(a.pred, "no prediction matches a ground-truth case of " + a.gt);
  return pairs;
}

EmptyPolicy emptyPolicy(const std::string& name) {
  if (name == "zero") return EmptyPolicy::ZeroWhenPredictionEmpty;
  if (name == "raise") return EmptyPolicy::Raise;
  return EmptyPolicy::NotANumber;
}

void run(const EvalArgs& a, const CancelToken& cancel) {
  const std::vector<Pair> pairs = pairUp(a);
  MetricsSettings settings;
  settings.setUnit(a.spacing == "mm" ? Spacing::Millimetre : Spacing::Voxel)
      .setEmptyPolicy(emptyPolicy(a.empty))
      .setClasses(a.classes);
  io::ReadOptions read;
  if (!a.gtSpacing.empty()) read.setSpacing({a.gtSpacing[0], a.gtSpacing[1], a.gtSpacing[2]});

  TerminalProgress progress;
  nlohmann::json report{{"unit", toString(settings.unit)},
                        {"empty_policy", toString(settings.emptyPolicy)},
                        {"cases", nlohmann::json::array()}};
  std::vector<CaseMetrics> all;
  for (std::size_t n = 0; n < pairs.size(); ++n) {
    cancel.throwIfCancelled();
    const Pair& p = pairs[n];
    const LabelVolume gt = io::readLabel(p.gt, read);
    io::ReadOptions predRead = read;
    const LabelVolume pred = io::readLabel(p.pred, predRead);
    if (pred.size() != gt.size())
      throw Error(p.pred.string(), "prediction grid " + pred.geometry().describe() +
                                       " differs from the ground truth " + p.gt.string() + " (" +
                                       gt.geometry().describe() + ")");
    // mm distances use the ground truth's spacing (HDF5 predictions carry none of their own).
    const CaseMetrics m =
        computeMetrics(pred.data(), gt.data(), gt.size(), gt.geometry().spacing, settings);
    all.push_back(m);
    nlohmann::json c = m;
    c["id"] = p.id;
    c["prediction"] = p.pred.string();
    c["ground_truth"] = p.gt.string();
    nlohmann::json caseMean = summarizeMetrics({m}).mean;
    for (const char* k : {"dice", "jaccard", "asd", "hd95", "assd", "hd"}) c[k] = caseMean[k];
    report["cases"].push_back(c);
    progress.report(
        {"eval", static_cast<int64_t>(n + 1), static_cast<int64_t>(pairs.size()), p.id});
  }
  progress.finish();
  report["mean"] = summarizeMetrics(all);

  if (a.json) {
    std::cout << report.dump(2) << std::endl;
  } else {
    std::printf("%-24s %5s %8s %8s %9s %9s\n", "case", "class", "Dice", "Jaccard", "95HD", "ASD");
    auto cell = [](const nlohmann::json& v) {
      char b[32];
      if (v.is_null())
        std::snprintf(b, sizeof b, "%9s", "n/a");
      else
        std::snprintf(b, sizeof b, "%9.4f", v.get<double>());
      return std::string(b);
    };
    for (const auto& c : report["cases"])
      for (const auto& k : c["classes"])
        std::printf("%-24s %5d %s%s%s%s\n", c["id"].get<std::string>().c_str(),
                    k["label"].get<int>(), cell(k["dice"]).c_str() + 1, cell(k["jaccard"]).c_str(),
                    cell(k["hd95"]).c_str(), cell(k["asd"]).c_str());
    for (const auto& [label, m] : report["mean"]["per_class"].items())
      std::printf("%-24s %5s %s%s%s%s\n", "mean", label.c_str(), cell(m["dice"]).c_str() + 1,
                  cell(m["jaccard"]).c_str(), cell(m["hd95"]).c_str(), cell(m["asd"]).c_str());
    std::printf("%zu case(s); distances in %s\n", pairs.size(), toString(settings.unit));
  }
  if (!a.out.empty()) {
    std::FILE* f = std::fopen(a.out.c_str(), "w");
    if (!f) throw Error(a.out, "cannot be written");
    const std::string text = report.dump(2) + "\n";
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) throw Error(a.out, "could not be written completely");
  }
}

}  // namespace

void addEvalCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Score predicted label maps against ground truth (Dice, Jaccard, 95HD, ASD, ASSD, HD)");
  cmd->add_option("--pred", args->pred, "a label map, or a folder of them (<id>[_label].nii.gz)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--gt", args->gt,
                  "a label map, a folder of them, or a dataset (MSD dataset.json, LA lists)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--spacing", args->spacing, "distances in voxels (as the paper) or mm")
      ->check(CLI::IsMember({"voxel", "mm"}))
      ->capture_default_str();
  cmd->add_option("--empty", args->empty,
                  "empty prediction: zero (the released test script), raise (medpy) or nan")
      ->check(CLI::IsMember({"zero", "raise", "nan"}))
      ->capture_default_str();
  cmd->add_option("--classes", args->classes, "labels to score (default: every label present)")
      ->delimiter(',');
  cmd->add_option("--gt-spacing", args->gtSpacing, "spacing sx,sy,sz for files storing none (.h5)")
      ->delimiter(',')
      ->expected(3);
  cmd->add_flag("--json", args->json, "print the report as JSON instead of a table");
  cmd->add_option("--out", args->out, "also write the JSON report to this file");
  cmd->callback(
      [args, &context] { context.action = [args, &context] { run(*args, context.cancel); }; });
}

}  // namespace sfr::cli
