#include "sfr/engine/sam/sam.h"

#include <string>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

namespace F = torch::nn::functional;

torch::Tensor bilinear(const torch::Tensor& x, int64_t h, int64_t w) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

// [C] float32 tensor shaped [C, 1, 1], as Python's torch.Tensor(list).view(-1, 1, 1).
torch::Tensor channelVector(const std::vector<double>& values, const torch::Device& device) {
  std::vector<float> f(values.begin(), values.end());
  return torch::tensor(f, torch::TensorOptions().dtype(torch::kFloat).device(device))
      .view({-1, 1, 1});
}

// Adds the prompt-set axis when a single set was given unbatched.
torch::Tensor batched(const torch::Tensor& t, int64_t unbatchedDims) {
  if (!t.defined()) return t;
  return t.dim() == unbatchedDims ? t.unsqueeze(0) : t;
}

}  // namespace

SamImpl::SamImpl(const SamOptions& options, std::shared_ptr<ImageEncoder> encoder)
    : options_(options) {
  if (encoder) {
    // Only the parts that do not depend on the ViT options are checked here.
    options_.prompt_encoder().validate();
    options_.mask_decoder().validate();
    const auto grid = encoder->patchGrid();
    const int64_t size = encoder->imageSize();
    if (options_.prompt_encoder().image_embedding_size() !=
            std::vector<int64_t>{grid[0], grid[1]} ||
        options_.prompt_encoder().input_image_size() != std::vector<int64_t>{size, size})
      throw Error("SAM options", "the prompt encoder sizes do not match the image encoder");
    if (encoder->embeddingDim() != options_.prompt_encoder().embed_dim())
      throw Error("SAM options", "the image encoder output channels differ from the prompt dim");
    image_encoder = register_module("image_encoder", std::move(encoder));
  } else {
    options_.validate();
    image_encoder =
        register_module("image_encoder", ImageEncoderViT(options_.image_encoder()).ptr());
  }
  prompt_encoder = register_module("prompt_encoder", PromptEncoder(options_.prompt_encoder()));
  mask_decoder = register_module("mask_decoder", MaskDecoder(options_.mask_decoder()));
}

std::shared_ptr<ImageEncoderViTImpl> SamImpl::vitEncoder() const {
  return std::dynamic_pointer_cast<ImageEncoderViTImpl>(image_encoder);
}

torch::Tensor SamImpl::preprocess(const torch::Tensor& x) const {
  const int64_t S = image_encoder->imageSize();
  if (x.dim() != 4 || x.size(1) != static_cast<int64_t>(options_.pixel_mean().size()) ||
      x.size(2) > S || x.size(3) > S)
    throw Error("SAM input", "expected [B, " + std::to_string(options_.pixel_mean().size()) +
                                 ", h, w] with h, w <= " + std::to_string(S) + ", got " +
                                 c10::str(x.sizes()));
  const torch::Tensor mean = channelVector(options_.pixel_mean(), x.device());
  const torch::Tensor std = channelVector(options_.pixel_std(), x.device());
  const torch::Tensor n = (x - mean) / std;
  return F::pad(n, F::PadFuncOptions({0, S - x.size(3), 0, S - x.size(2)}));
}

torch::Tensor SamImpl::postprocessMasks(const torch::Tensor& masks,
                                        std::array<int64_t, 2> input_size,
                                        std::array<int64_t, 2> original_size) const {
  const int64_t S = image_encoder->imageSize();
  torch::Tensor m = bilinear(masks, S, S);
  m = m.slice(2, 0, input_size[0]).slice(3, 0, input_size[1]);
  return bilinear(m, original_size[0], original_size[1]);
}

torch::Tensor SamImpl::embedImages(const torch::Tensor& preprocessed) {
  return image_encoder->forward(preprocessed);
}

SamMaskPrediction SamImpl::predictMasks(const torch::Tensor& image_embeddings,
                                        const Prompts& prompts, bool multimask_output) {
  SamMaskPrediction out;
  std::tie(out.sparse_embeddings, out.dense_embeddings) = prompt_encoder->forward(prompts);
  MaskDecoderOutput d =
      mask_decoder->forward(image_embeddings, prompt_encoder->getDensePe(), out.sparse_embeddings,
                            out.dense_embeddings, multimask_output);
  out.low_res_masks = d.masks;
  out.iou_predictions = d.iou_predictions;
  return out;
}

SamBatchOutput SamImpl::forward(const torch::Tensor& images, bool multimask_output) {
  SamBatchOutput out;
  out.image_embeddings = embedImages(preprocess(images));
  const SamMaskPrediction p = predictMasks(out.image_embeddings, Prompts{}, multimask_output);
  out.low_res_logits = p.low_res_masks;
  out.iou_predictions = p.iou_predictions;
  // SAMed passes input_size = original_size = (image_size, image_size).
  const std::array<int64_t, 2> size{images.size(2), images.size(3)};
  out.masks = postprocessMasks(p.low_res_masks, size, size);
  return out;
}

// ---- SamPredictor
// --------------------------------------------------------------------------------

SamPredictor::SamPredictor(Sam model)
    : model_(std::move(model)), transform_(model_->image_encoder->imageSize()) {}

void SamPredictor::setImage(const torch::Tensor& image_hwc) {
  if (image_hwc.dim() != 3 || image_hwc.size(2) != 3)
    throw Error("SAM image", "expected an RGB image [H, W, 3], got " + c10::str(image_hwc.sizes()));
  const torch::Tensor resized = transform_.applyImage(image_hwc);
  setTorchImage(resized.permute({2, 0, 1}).contiguous().unsqueeze(0),
                {image_hwc.size(0), image_hwc.size(1)});
}

void SamPredictor::setTorchImage(const torch::Tensor& transformed,
                                 std::array<int64_t, 2> original_size) {
  if (transformed.dim() != 4 || transformed.size(0) != 1)
    throw Error("SAM image",
                "expected one image [1, 3, h, w], got " + c10::str(transformed.sizes()));
  const torch::Device device = model_->prompt_encoder->no_mask_embed->weight.device();
  original_size_ = original_size;
  input_size_ = {transformed.size(2), transformed.size(3)};
  preprocessed_ = model_->preprocess(transformed.to(device));
  features_ = model_->embedImages(preprocessed_);
}

Prompts SamPredictor::transformPrompts(const Prompts& p) const {
  Prompts t;
  if (p.point_coords.defined()) {
    t.point_coords = batched(transform_.applyCoords(p.point_coords, original_size_), 2);
    t.point_labels = batched(p.point_labels, 1);
  }
  if (p.boxes.defined()) {
    const torch::Tensor boxes = transform_.applyBoxes(p.boxes, original_size_);
    t.boxes = p.boxes.dim() == 1 ? boxes.view({1, 4}) : boxes;
  }
  if (p.mask_inputs.defined()) t.mask_inputs = batched(p.mask_inputs.to(torch::kFloat), 3);
  return t;
}

SamPredictor::Result SamPredictor::predict(const Prompts& p, bool multimask_output,
                                           bool return_logits) {
  if (!isImageSet()) throw Error("SAM predictor", "set an image before predicting");
  return predictTorch(transformPrompts(p), multimask_output, return_logits);
}

SamPredictor::Result SamPredictor::predictTorch(const Prompts& prompts, bool multimask_output,
                                                bool return_logits) {
  if (!isImageSet()) throw Error("SAM predictor", "set an image before predicting");
  const Prompts onDevice = prompts.to(features_.device());
  const SamMaskPrediction p = model_->predictMasks(features_, onDevice, multimask_output);
  Result r;
  r.low_res_masks = p.low_res_masks;
  r.iou_predictions = p.iou_predictions;
  r.masks = model_->postprocessMasks(p.low_res_masks, input_size_, original_size_);
  if (!return_logits) r.masks = r.masks > model_->options().mask_threshold();
  return r;
}

}  // namespace sfr::engine
