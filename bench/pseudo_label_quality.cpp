// How good are a run's SAM pseudo-labels? Reads a run folder (config.json with the resolved SAM
// fine-tuning settings and data split, sam_round<r>.pth), rebuilds its fine-tuned SAM, draws
// re-training crops of the run's unlabelled cases the way the batch loader does (RandomRotFlip,
// then RandomCrop) and scores SAM's pseudo-labels against the cases' reference labels, per class:
// once with the crop shown to SAM as sampled, once with its RotFlip undone and the labels turned
// back (training.pseudo_labels.undo_rot_flip), with the confusion matrix of the reference class
// against SAM's (which class SAM gives each reference class's voxels). Needs image IO (ITK); the
// dataset must carry labels for the unlabelled cases (the shipped ones do). Prints a JSON summary
// as last line.
//
//   pseudo_label_quality --run runs/sfr --data ../shared/data/hippocampus --cases 8 --crops 4
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/volume.h"
#include "sfr/engine/augment.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam_training/fine_tune_settings.h"
#include "sfr/engine/sam_training/sam_fine_tuner.h"
#include "sfr/engine/sam_training/sam_pseudo_labeler.h"
#include "sfr/engine/volume_tensor.h"
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace sfr;
using namespace sfr::engine;

namespace {

// Pooled counts of one class over many crops: Dice = 2 |P and G| / (|P| + |G|).
struct Overlap {
  int64_t both = 0, predicted = 0, reference = 0;
  void add(const torch::Tensor& prediction, const torch::Tensor& reference, int64_t label) {
    const torch::Tensor p = prediction == label, g = reference == label;
    both += (p & g).sum().item<int64_t>();
    predicted += p.sum().item<int64_t>();
    this->reference += g.sum().item<int64_t>();
  }
  double dice() const {
    return predicted + reference > 0
               ? 2.0 * static_cast<double>(both) / static_cast<double>(predicted + reference)
               : 1.0;
  }
};

CropPair readCase(const io::DatasetCase& c) {
  if (!c.label) throw Error(c.image.string(), "has no reference label to score against");
  io::VolumePair pair = io::readCase(c.image, *c.label);
  zScoreInPlace(pair.image);
  return {toTensor(pair.image), toTensor(pair.label).to(torch::kLong)};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Per-class quality of a run's SAM pseudo-labels on re-training crops"};
  fs::path runDir, dataDir;
  int cases = 8, crops = 4, threads = 2, round = 0;
  uint64_t seed = 1337;
  app.add_option("--run", runDir, "run folder (config.json, sam_round<r>.pth)")->required();
  app.add_option("--data", dataDir, "the run's dataset folder")->required();
  app.add_option("--cases", cases, "unlabelled cases scored (the run's first ones)");
  app.add_option("--crops", crops, "crops per case");
  app.add_option("--round", round, "SFR+ round of the SAM adapters");
  app.add_option("--threads", threads, "LibTorch threads");
  app.add_option("--seed", seed, "crop and RotFlip seed");
  CLI11_PARSE(app, argc, argv);
  try {
    const ThreadSettings t = setTorchThreads(threads);
    std::ifstream configFile(runDir / "config.json");
    if (!configFile) throw Error((runDir / "config.json").string(), "cannot be read");
    const json config = json::parse(configFile);
    SamFineTuneSettings settings;
    from_json(config.at("sam_fine_tune"), settings);
    const std::vector<int64_t> cropSize =
        config.at("training").at("batch").at("crop").get<std::vector<int64_t>>();
    const std::array<int64_t, 3> crop{cropSize.at(0), cropSize.at(1), cropSize.at(2)};

    const io::Dataset dataset = io::openDataset(dataDir);
    std::map<std::string, const io::DatasetCase*> byId;
    for (const io::DatasetCase& c : dataset.cases) byId[c.id] = &c;
    const auto caseOf = [&](const std::string& id) {
      const auto it = byId.find(id);
      if (it == byId.end()) throw Error(dataDir.string(), "has no case '" + id + "'");
      return readCase(*it->second);
    };
    std::vector<CropPair> labelled;
    for (const json& id : config.at("data_split").at("labelled"))
      labelled.push_back(caseOf(id.get<std::string>()));
    // The fine-tuner builds the run's SAM (backbone, base weights, LoRA); the adapters and the
    // decoder come from the run.
    SamFineTuner tuner(settings, labelled);
    const fs::path adapters = runDir / ("sam_round" + std::to_string(round) + ".pth");
    loadLoRA(adapters, *tuner.model());
    SamPseudoLabeler labeler(tuner.model(), settings.augment().stitch(), "cpu", 2);
    const int64_t classes = labeler.classes();
    std::cout << "SAM: " << tuner.initialisation() << " + " << adapters << "; " << classes
              << " classes; crops " << crop[0] << "x" << crop[1] << "x" << crop[2] << "; threads "
              << t.intraOp << "\n";

    std::mt19937_64 rng(seed);
    std::vector<Overlap> sampled(static_cast<std::size_t>(classes)),
        undone(static_cast<std::size_t>(classes));
    Overlap sampledForeground, undoneForeground;
    // confusion[reference class][SAM class], voxels, for the two ways of showing the crop.
    const auto square = [&] {
      return std::vector<std::vector<int64_t>>(static_cast<std::size_t>(classes),
                                               std::vector<int64_t>(classes, 0));
    };
    std::vector<std::vector<int64_t>> sampledConfusion = square(), undoneConfusion = square();
    const auto count = [&](std::vector<std::vector<int64_t>>& m, const torch::Tensor& sam,
                           const torch::Tensor& reference) {
      const torch::Tensor pairs = (reference.to(torch::kLong) * classes + sam.to(torch::kLong))
                                      .flatten()
                                      .bincount({}, classes * classes);
      for (int64_t g = 0; g < classes; ++g)
        for (int64_t p = 0; p < classes; ++p)
          m[static_cast<std::size_t>(g)][static_cast<std::size_t>(p)] +=
              pairs[g * classes + p].item<int64_t>();
    };
    const json& unlabelled = config.at("data_split").at("unlabelled");
    int scored = 0;
    for (const json& idJson : unlabelled) {
      if (scored >= cases) break;
      const std::string id = idJson.get<std::string>();
      const CropPair volume = caseOf(id);
      for (int k = 0; k < crops; ++k) {
        RotFlip r;
        const CropPair turned = randomRotFlip(volume, rng, &r);
        const CropPair c = randomCrop(turned, crop, rng);
        const torch::Tensor asSampled = labeler.pseudoLabels(c.image.unsqueeze(0).unsqueeze(0))[0];
        const torch::Tensor turnedBack = applyRotFlip(
            labeler.pseudoLabels(undoRotFlip(c.image, r).unsqueeze(0).unsqueeze(0))[0], r);
        for (int64_t l = 1; l < classes; ++l) {
          sampled[static_cast<std::size_t>(l)].add(asSampled, c.label, l);
          undone[static_cast<std::size_t>(l)].add(turnedBack, c.label, l);
        }
        count(sampledConfusion, asSampled, c.label);
        count(undoneConfusion, turnedBack, c.label);
        sampledForeground.add(asSampled > 0, c.label > 0, 1);
        undoneForeground.add(turnedBack > 0, c.label > 0, 1);
      }
      ++scored;
      std::cout << "scored " << id << "\n";
    }
    json summary = {{"run", runDir.string()},
                    {"cases", scored},
                    {"crops_per_case", crops},
                    {"threads", t.intraOp}};
    for (const auto& [name, overlaps, foreground, confusion] :
         {std::tuple{"as_sampled", &sampled, &sampledForeground, &sampledConfusion},
          std::tuple{"rot_flip_undone", &undone, &undoneForeground, &undoneConfusion}}) {
      json perClass = json::object();
      for (int64_t l = 1; l < classes; ++l) {
        const Overlap& o = (*overlaps)[static_cast<std::size_t>(l)];
        perClass[std::to_string(l)] = {{"dice", o.dice()},
                                       {"predicted_voxels", o.predicted},
                                       {"reference_voxels", o.reference}};
        std::cout << name << " class " << l << ": Dice " << o.dice() << " (SAM " << o.predicted
                  << " voxels, reference " << o.reference << ")\n";
      }
      for (int64_t g = 0; g < classes; ++g) {
        std::cout << name << " reference class " << g << " -> SAM classes";
        for (int64_t v : (*confusion)[static_cast<std::size_t>(g)]) std::cout << " " << v;
        std::cout << "\n";
      }
      summary[name] = {{"per_class", perClass},
                       {"foreground_dice", foreground->dice()},
                       {"confusion_reference_by_sam", *confusion}};
    }
    std::cout << summary.dump() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pseudo_label_quality: " << e.what() << "\n";
    return 1;
  }
}
