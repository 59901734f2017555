#include "sfr/engine/training/batch_loader.h"

#include <nlohmann/json.hpp>
#include <numeric>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

std::vector<int64_t> range(int64_t begin, int64_t end) {
  std::vector<int64_t> v(static_cast<std::size_t>(end - begin));
  std::iota(v.begin(), v.end(), begin);
  return v;
}

void requireVolume(const torch::Tensor& t, const std::string& what) {
  if (!t.defined() || t.dim() != 3)
    throw Error("TwoStreamBatchLoader", what + " must be a [X, Y, Z] tensor");
}

}  // namespace

TwoStreamBatchLoader::TwoStreamBatchLoader(std::vector<CropPair> labelled,
                                           std::vector<torch::Tensor> unlabelled,
                                           const BatchSettings& settings)
    : labelled_(std::move(labelled)),
      settings_(settings),
      sampler_(range(0, static_cast<int64_t>(labelled_.size())),
               range(static_cast<int64_t>(labelled_.size()),
                     static_cast<int64_t>(labelled_.size() + unlabelled.size())),
               settings.labelled(), settings.unlabelled()) {
  for (std::size_t i = 0; i < labelled_.size(); ++i) {
    CropPair& c = labelled_[i];
    const std::string name = "labelled case " + std::to_string(i);
    requireVolume(c.image, name + " image");
    requireVolume(c.label, name + " label");
    if (!c.image.is_floating_point())
      throw Error("TwoStreamBatchLoader", name + " image must be floating point");
    if (c.label.is_floating_point() || c.label.scalar_type() == torch::kBool)
      throw Error("TwoStreamBatchLoader", name + " label must hold integer classes");
    if (c.image.sizes() != c.label.sizes())
      throw Error("TwoStreamBatchLoader", name + ": image " + c10::str(c.image.sizes()) +
                                              " and label " + c10::str(c.label.sizes()) +
                                              " differ in size");
    c.image = c.image.to(torch::kCPU, torch::kFloat);
    c.label = c.label.to(torch::kCPU);
  }
  for (std::size_t i = 0; i < unlabelled.size(); ++i) {
    const std::string name = "unlabelled case " + std::to_string(i);
    requireVolume(unlabelled[i], name);
    if (!unlabelled[i].is_floating_point())
      throw Error("TwoStreamBatchLoader", name + " must be floating point");
    torch::Tensor image = unlabelled[i].to(torch::kCPU, torch::kFloat);
    // randomRotFlip/randomCrop transform an (image, label) pair; a zero uint8 label costs one
    // byte per voxel and keeps the draws identical to the labelled path.
    unlabelled_.push_back({image, torch::zeros(image.sizes(), torch::kUInt8)});
  }
  for (int64_t c : settings_.crop())
    if (c < 16 || c % 16 != 0)
      throw Error("TwoStreamBatchLoader", "every crop axis must be a positive multiple of 16");
}

CropPair TwoStreamBatchLoader::transform(const CropPair& item, std::mt19937_64& rng,
                                         RotFlip& orientation) const {
  orientation = RotFlip{};
  const CropPair rotated = settings_.rot_flip() ? randomRotFlip(item, rng, &orientation) : item;
  return randomCrop(rotated, settings_.crop(), rng);
}

TrainingBatch TwoStreamBatchLoader::next(std::mt19937_64& rng) {
  const std::vector<int64_t> indices = sampler_.next(rng);
  const auto labelledCount = static_cast<std::size_t>(settings_.labelled());
  std::vector<torch::Tensor> images, labels;
  std::vector<RotFlip> orientations(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const auto index = static_cast<std::size_t>(indices[i]);
    const bool isLabelled = i < labelledCount;
    const CropPair crop =
        transform(isLabelled ? labelled_[index] : unlabelled_[index - labelled_.size()], rng,
                  orientations[i]);
    images.push_back(crop.image);
    if (isLabelled) labels.push_back(crop.label.to(torch::kLong));
  }
  TrainingBatch batch;
  batch.images = torch::stack(images).unsqueeze(1);
  batch.labels = torch::stack(labels);
  batch.indices = indices;
  batch.orientations = std::move(orientations);
  return batch;
}

nlohmann::json TwoStreamBatchLoader::state() const {
  return {{"sampler", sampler_.state()}};
}

void TwoStreamBatchLoader::restoreState(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("sampler"))
    throw Error("TwoStreamBatchLoader state", "expected an object with a 'sampler' entry");
  sampler_.restoreState(state.at("sampler"));
}

}  // namespace sfr::engine
