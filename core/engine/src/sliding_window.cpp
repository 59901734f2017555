#include "sfr/engine/sliding_window.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "sfr/base/error.h"
#include "sfr/engine/frozen_vnet.h"

namespace sfr::engine {
namespace {

using torch::indexing::Slice;

// Puts a module in eval mode for the lifetime of the guard and restores its previous mode.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module* module) : module_(module) {
    if (module_) {
      wasTraining_ = module_->is_training();
      module_->eval();
    }
  }
  ~EvalModeGuard() {
    if (module_) module_->train(wasTraining_);
  }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module* module_;
  bool wasTraining_ = false;
};

// Enables autocast for one device type and restores the previous state. LibTorch 2.4 replaced the
// per-device setters by set_autocast_enabled(DeviceType, bool); both spellings are supported.
class AutocastGuard {
 public:
  AutocastGuard(torch::DeviceType type, bool enable) : type_(type), active_(enable) {
    if (!active_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    previous_ = at::autocast::is_autocast_enabled(type_);
    at::autocast::set_autocast_enabled(type_, true);
#else
    previous_ = type_ == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    if (type_ == torch::kCUDA)
      at::autocast::set_enabled(true);
    else
      at::autocast::set_cpu_enabled(true);
#endif
  }
  ~AutocastGuard() {
    if (!active_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(type_, previous_);
#else
    if (type_ == torch::kCUDA)
      at::autocast::set_enabled(previous_);
    else
      at::autocast::set_cpu_enabled(previous_);
#endif
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  torch::DeviceType type_;
  bool active_;
  bool previous_ = false;
};

// 1D window weight: ones, or a centred Gaussian with sigma = scale * patch (peak 1).
torch::Tensor axisWeight(int64_t patch, bool gaussian, double sigmaScale,
                         const torch::Device& device) {
  auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
  if (!gaussian) return torch::ones({patch}, options);
  const double centre = (static_cast<double>(patch) - 1.0) / 2.0;
  const double sigma = sigmaScale * static_cast<double>(patch);
  torch::Tensor t = torch::arange(patch, options.dtype(torch::kDouble)) - centre;
  return torch::exp(-(t * t) / (2.0 * sigma * sigma)).to(torch::kFloat);
}

// Sum of the 1D weights of every window covering each position of an axis of length `size`.
torch::Tensor axisCoverage(int64_t size, const std::vector<int64_t>& starts,
                           const torch::Tensor& weight) {
  torch::Tensor cover = torch::zeros({size}, weight.options());
  const int64_t patch = weight.size(0);
  for (int64_t s : starts) cover.index({Slice(s, s + patch)}).add_(weight);
  return cover;
}

}  // namespace

AxisPadding axisPadding(int64_t size, int64_t patch) {
  AxisPadding p;
  if (size < patch) {
    const int64_t pad = patch - size;
    p.left = pad / 2;
    p.right = pad - p.left;
  }
  return p;
}

std::vector<int64_t> windowStarts(int64_t size, int64_t patch, int64_t stride) {
  if (stride < 1) throw Error("sliding window", "stride must be at least 1");
  if (patch < 1 || size < patch)
    throw Error("sliding window", "axis of " + std::to_string(size) +
                                      " voxels is smaller than the patch (" +
                                      std::to_string(patch) + "); pad it first");
  // ceil((size - patch) / stride) + 1 windows; the last one is flush with the far edge.
  const int64_t count = (size - patch + stride - 1) / stride + 1;
  std::vector<int64_t> starts;
  starts.reserve(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) starts.push_back(std::min(stride * i, size - patch));
  return starts;
}

torch::Device parseDevice(const std::string& name) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const c10::Error&) {
    throw Error("device", "'" + name + "' is not a device name (use cpu, cuda or cuda:<n>)");
  }
  if (device.is_cpu()) return device;
  if (!device.is_cuda()) throw Error("device", "'" + name + "' is not supported (cpu or cuda)");
  if (!torch::cuda::is_available())
    throw Error("device",
                "'" + name + "' requested, but this LibTorch build or machine has no CUDA");
  if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
    throw Error("device", "'" + name + "' requested, but only " +
                              std::to_string(torch::cuda::device_count()) + " CUDA devices exist");
  return device;
}

SlidingWindowPredictor::SlidingWindowPredictor(VNet net, SlidingWindowOptions options)
    : options_(std::move(options)), device_(torch::kCPU), net_(std::move(net)) {
  options_.validate();
  device_ = parseDevice(options_.device());
  if (!net_) throw Error("sliding window", "no network given");
  net_->to(device_);
  VNetImpl* raw = net_.get();
  logits_ = [raw](const torch::Tensor& batch) { return raw->forward(batch).logits; };
}

SlidingWindowPredictor::SlidingWindowPredictor(LogitsFunction logits, SlidingWindowOptions options)
    : options_(std::move(options)), device_(torch::kCPU), logits_(std::move(logits)) {
  options_.validate();
  device_ = parseDevice(options_.device());
  if (!logits_) throw Error("sliding window", "no network given");
}

SlidingWindowResult SlidingWindowPredictor::predict(const torch::Tensor& volume,
                                                    ProgressSink* progress,
                                                    const CancelToken* cancel) const {
  SlidingWindowResult result;
  {
    torch::InferenceMode inferenceMode;
    result = run(volume, progress, cancel);
  }
  // Inference tensors cannot be modified outside InferenceMode; hand out ordinary tensors.
  result.probabilities = result.probabilities.clone();
  result.labels = result.labels.clone();
  return result;
}

SlidingWindowResult SlidingWindowPredictor::run(const torch::Tensor& volume, ProgressSink* progress,
                                                const CancelToken* cancel) const {
  if (!volume.defined() || (volume.dim() != 3 && volume.dim() != 4))
    throw Error("sliding window", "expected a volume [X, Y, Z] or [C, X, Y, Z]");
  if (!at::isFloatingType(volume.scalar_type()))
    throw Error("sliding window", "expected a floating-point volume, got " +
                                      std::string(c10::toString(volume.scalar_type())));
  EvalModeGuard evalMode(net_ ? net_.ptr().get() : nullptr);

  torch::Tensor image =
      (volume.dim() == 3 ? volume.unsqueeze(0) : volume).to(device_, torch::kFloat);
  const auto& patch = options_.patch();
  const int64_t strides[3] = {options_.stride_xy(), options_.stride_xy(), options_.stride_z()};
  int64_t size[3];
  AxisPadding pad[3];
  bool anyPad = false;
  for (int a = 0; a < 3; ++a) {
    size[a] = image.size(a + 1);
    if (size[a] < 1) throw Error("sliding window", "the volume is empty");
    pad[a] = axisPadding(size[a], patch[a]);
    anyPad = anyPad || pad[a].left + pad[a].right > 0;
  }
  if (anyPad)  // np.pad(constant 0); constant_pad_nd lists the last dimension first.
    image = torch::constant_pad_nd(
        image, {pad[2].left, pad[2].right, pad[1].left, pad[1].right, pad[0].left, pad[0].right},
        0.0);
  const int64_t padded[3] = {image.size(1), image.size(2), image.size(3)};

  std::vector<int64_t> starts[3];
  torch::Tensor weight[3];
  for (int a = 0; a < 3; ++a) {
    starts[a] = windowStarts(padded[a], patch[a], strides[a]);
    weight[a] = axisWeight(patch[a], options_.gaussian(), options_.gaussian_sigma_scale(), device_);
  }
  const int64_t total =
      static_cast<int64_t>(starts[0].size() * starts[1].size() * starts[2].size());
  torch::Tensor window3d;
  if (options_.gaussian())
    window3d = weight[0].view({-1, 1, 1}) * weight[1].view({1, -1, 1}) * weight[2].view({1, 1, -1});

  // Fold the weights as they are now: the predictor may outlive training steps of the net.
  LogitsFunction logitsOf = logits_;
  if (net_ && options_.frozen_network() && !options_.mixed_precision() &&
      FrozenVNet::supports(net_->options())) {
    auto frozen = std::make_shared<FrozenVNet>(net_, device_);
    logitsOf = [frozen](const torch::Tensor& batch) { return frozen->forward(batch); };
  }

  torch::Tensor score;  // [C, X', Y', Z'], allocated once C is known
  struct Origin {
    int64_t x, y, z;
  };
  std::vector<Origin> origins;
  std::vector<torch::Tensor> windows;
  int64_t done = 0;
  AutocastGuard autocast(device_.type(), options_.mixed_precision());

  auto flush = [&]() {
    if (windows.empty()) return;
    if (cancel) cancel->throwIfCancelled();
    torch::Tensor logits = logitsOf(torch::stack(windows));
    if (logits.dim() != 5 || logits.size(0) != static_cast<int64_t>(windows.size()) ||
        logits.size(2) != patch[0] || logits.size(3) != patch[1] || logits.size(4) != patch[2])
      throw Error("sliding window", "the network returned " + c10::str(logits.sizes()) +
                                        " for a batch of " + std::to_string(windows.size()) +
                                        " windows of " + c10::str(c10::IntArrayRef(patch)));
    torch::Tensor prob = torch::softmax(logits.to(torch::kFloat), 1);
    if (window3d.defined()) prob = prob * window3d;
    if (!score.defined()) {
      if (prob.size(1) > 256)
        throw Error("sliding window", "uint8 label maps hold at most 256 classes");
      score = torch::zeros({prob.size(1), padded[0], padded[1], padded[2]}, prob.options());
    }
    for (std::size_t n = 0; n < origins.size(); ++n) {
      const Origin& o = origins[n];
      score
          .index({Slice(), Slice(o.x, o.x + patch[0]), Slice(o.y, o.y + patch[1]),
                  Slice(o.z, o.z + patch[2])})
          .add_(prob[static_cast<int64_t>(n)]);
    }
    done += static_cast<int64_t>(windows.size());
    windows.clear();
    origins.clear();
    if (progress) progress->report({"predict", done, total, ""});
  };

  // Same visiting order as test_single_case (x outer, z inner), so sums round identically.
  for (int64_t xs : starts[0])
    for (int64_t ys : starts[1])
      for (int64_t zs : starts[2]) {
        windows.push_back(image.index({Slice(), Slice(xs, xs + patch[0]), Slice(ys, ys + patch[1]),
                                       Slice(zs, zs + patch[2])}));
        origins.push_back({xs, ys, zs});
        if (static_cast<int64_t>(windows.size()) == options_.window_batch()) flush();
      }
  flush();

  // The windows form a Cartesian grid, so the number (or total weight) of windows covering a
  // voxel is the product of the per-axis coverages: exact small integers in the uniform case.
  const torch::Tensor norm = axisCoverage(padded[0], starts[0], weight[0]).view({-1, 1, 1}) *
                             axisCoverage(padded[1], starts[1], weight[1]).view({1, -1, 1}) *
                             axisCoverage(padded[2], starts[2], weight[2]).view({1, 1, -1});
  score.div_(norm.unsqueeze(0));
  torch::Tensor labels = score.argmax(0);
  if (anyPad) {
    const auto crop = [&](int a) { return Slice(pad[a].left, pad[a].left + size[a]); };
    score = score.index({Slice(), crop(0), crop(1), crop(2)});
    labels = labels.index({crop(0), crop(1), crop(2)});
  }
  SlidingWindowResult result;
  result.probabilities = score.to(torch::kCPU);
  result.labels = labels.to(torch::kCPU, torch::kByte);
  result.windows = total;
  return result;
}

}  // namespace sfr::engine
