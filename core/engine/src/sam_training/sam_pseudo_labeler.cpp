#include "sfr/engine/sam_training/sam_pseudo_labeler.h"

#include <limits>

#include "sfr/base/error.h"
#include "sfr/engine/sliding_window.h"

namespace sfr::engine {

SamPseudoLabeler::SamPseudoLabeler(Sam model, StitchSettings stitch, const std::string& device,
                                   int64_t canvasBatch)
    : model_(std::move(model)),
      stitch_(stitch),
      device_(parseDevice(device)),
      canvasBatch_(canvasBatch) {
  if (!model_) throw Error("SAM pseudo-labeler", "no model given");
  if (canvasBatch_ < 1) throw Error("SAM pseudo-labeler", "canvas batch must be >= 1");
  const int64_t size = model_->options().image_encoder().img_size();
  if (stitch_.canvas != size)
    throw Error("SAM pseudo-labeler", "stitch canvas " + std::to_string(stitch_.canvas) +
                                          " differs from the model's input size " +
                                          std::to_string(size));
  model_->to(device_);
  model_->eval();
}

int64_t SamPseudoLabeler::classes() const {
  return model_->options().mask_decoder().numMaskTokens();
}

const Stitcher& SamPseudoLabeler::stitcherFor(int64_t X, int64_t Y, int64_t Z) {
  const std::array<int64_t, 3> key{X, Y, Z};
  auto it = stitchers_.find(key);
  if (it == stitchers_.end()) {
    auto stitcher =
        std::make_unique<Stitcher>(Size3{static_cast<std::size_t>(X), static_cast<std::size_t>(Y),
                                         static_cast<std::size_t>(Z)},
                                   stitch_);
    it = stitchers_.emplace(key, std::move(stitcher)).first;
  }
  return *it->second;
}

torch::Tensor SamPseudoLabeler::probabilities(const torch::Tensor& crops) {
  torch::Tensor x = crops;
  if (x.dim() == 5 && x.size(1) == 1) x = x.squeeze(1);
  if (x.dim() != 4 || !x.is_floating_point())
    throw Error("SAM pseudo-labeler",
                "expected float crops [B, 1, X, Y, Z], got " + c10::str(crops.sizes()));
  const Stitcher& stitcher = stitcherFor(x.size(1), x.size(2), x.size(3));
  torch::Tensor result;
  {
    torch::InferenceMode guard;
    model_->eval();
    const torch::Tensor canvases = stitcher.stitchImages(x.to(device_, torch::kFloat));
    std::vector<torch::Tensor> probs;
    for (int64_t start = 0; start < canvases.size(0); start += canvasBatch_) {
      const int64_t n = std::min(canvasBatch_, canvases.size(0) - start);
      const torch::Tensor images =
          canvases.narrow(0, start, n).unsqueeze(1).expand({-1, 3, -1, -1}).contiguous();
      probs.push_back(torch::softmax(model_->forward(images).masks.to(torch::kFloat), 1));
    }
    result = stitcher.unstitchProbabilities(torch::cat(probs)).to(crops.device());
  }
  return result.clone();  // a normal tensor, usable outside InferenceMode
}

torch::Tensor SamPseudoLabeler::pseudoLabels(const torch::Tensor& unlabelledCrops) {
  torch::Tensor labels;
  {
    torch::InferenceMode guard;
    labels = probabilities(unlabelledCrops).argmax(1);
  }
  return labels.clone();
}

SamVolumePrediction SamPseudoLabeler::predictVolume(const torch::Tensor& volume,
                                                    std::array<int64_t, 2> window, int64_t strideXY,
                                                    ProgressSink* progress,
                                                    const CancelToken* cancel) {
  if (volume.dim() != 3 || !volume.is_floating_point())
    throw Error("SAM whole-volume prediction",
                "expected a float volume [X, Y, Z], got " + c10::str(volume.sizes()));
  // The §7.1 sliding window over (x, y) with the window's z extent = the whole depth; the
  // stitcher chunks z (§2.4). The predictor softmaxes what the function returns, so it gets
  // log-probabilities (softmax(log p) = p).
  SlidingWindowOptions options;
  options.patch({window[0], window[1], volume.size(2)})
      .stride_xy(strideXY)
      .stride_z(1)
      .window_batch(1)
      .device(device_.str());
  const float tiny = std::numeric_limits<float>::min();
  SlidingWindowPredictor predictor(
      [this, tiny](const torch::Tensor& windows) {
        return torch::log(probabilities(windows).clamp_min(tiny));
      },
      options);
  const SlidingWindowResult r = predictor.predict(volume, progress, cancel);
  SamVolumePrediction out;
  out.probabilities = r.probabilities;
  out.labels = r.probabilities.argmax(0);
  out.confidence = std::get<0>(r.probabilities.max(0)).mean().item<double>();
  out.windows = r.windows;
  return out;
}

}  // namespace sfr::engine
