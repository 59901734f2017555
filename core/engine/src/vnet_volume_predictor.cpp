#include "sfr/engine/vnet_volume_predictor.h"

#include "sfr/base/error.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"

namespace sfr::engine {

struct VNetVolumePredictor::Impl {
  VNetOptions netOptions;
  SlidingWindowPredictor predictor;
};

VNetVolumePredictor::VNetVolumePredictor(const std::filesystem::path& checkpoint,
                                         const SlidingWindowOptions& options,
                                         std::optional<int64_t> expectedClasses) {
  for (std::size_t a = 0; a < 3; ++a)
    if (options.patch()[a] % 16 != 0)
      throw Error("patch", "every patch size must be divisible by 16 for the V-Net (got " +
                               std::to_string(options.patch()[a]) + ")");
  LoadedVNet loaded = loadVNet(checkpoint, VNetLoadOptions().classes(expectedClasses));
  if (loaded.net->options().in_channels() != 1)
    throw Error(checkpoint.string(), "the V-Net expects " +
                                         std::to_string(loaded.net->options().in_channels()) +
                                         " input channels; whole-volume prediction needs 1");
  VNetOptions netOptions = loaded.net->options();
  impl_ = std::make_unique<Impl>(Impl{netOptions, SlidingWindowPredictor(loaded.net, options)});
}

VNetVolumePredictor::~VNetVolumePredictor() = default;
VNetVolumePredictor::VNetVolumePredictor(VNetVolumePredictor&&) noexcept = default;
VNetVolumePredictor& VNetVolumePredictor::operator=(VNetVolumePredictor&&) noexcept = default;

const VNetOptions& VNetVolumePredictor::netOptions() const {
  return impl_->netOptions;
}

const SlidingWindowOptions& VNetVolumePredictor::options() const {
  return impl_->predictor.options();
}

VolumePrediction VNetVolumePredictor::predict(const ImageVolume& image, bool withProbabilities,
                                              ProgressSink* progress,
                                              const CancelToken* cancel) const {
  if (image.empty()) throw Error("V-Net prediction", "the image is empty");
  SlidingWindowResult result = impl_->predictor.predict(toTensor(image), progress, cancel);
  VolumePrediction prediction;
  prediction.labels = toLabelVolume(result.labels, image.geometry());
  prediction.windows = result.windows;
  prediction.confidence = result.probabilities.amax(0).to(torch::kDouble).mean().item<double>();
  if (withProbabilities)
    for (int64_t c = 0; c < result.probabilities.size(0); ++c)
      prediction.probabilities.push_back(toImageVolume(result.probabilities[c], image.geometry()));
  return prediction;
}

}  // namespace sfr::engine
