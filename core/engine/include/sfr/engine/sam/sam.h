#pragma once
// Segment Anything (spec §3): image encoder + prompt encoder + mask decoder with SAM's pre- and
// post-processing (segment_anything/modeling/sam.py), the SAMed/SFR batch forward used for
// fine-tuning (forward_train), and the official SamPredictor flow (one image embedding, many
// prompt sets).
//
// State-dict names equal the Python ones: `image_encoder.*`, `prompt_encoder.*`,
// `mask_decoder.*`. pixel_mean/pixel_std are not module state (non-persistent buffers in Python).
#include <array>
#include <memory>

#include <torch/torch.h>

#include "sfr/engine/sam/image_encoder.h"
#include "sfr/engine/sam/mask_decoder.h"
#include "sfr/engine/sam/prompt_encoder.h"
#include "sfr/engine/sam/sam_options.h"
#include "sfr/engine/sam/transforms.h"

namespace sfr::engine {

/// Result of decoding one set of image embeddings against prompts.
struct SamMaskPrediction {
  torch::Tensor low_res_masks;      ///< [N, k, 4h, 4w] logits
  torch::Tensor iou_predictions;    ///< [N, k]
  torch::Tensor sparse_embeddings;  ///< prompt encoder output [T, n, dim]
  torch::Tensor dense_embeddings;   ///< prompt encoder output [T, dim, h, w]
};

/// SAMed/SFR `forward_train` outputs for a batch of images (spec §1.2).
struct SamBatchOutput {
  torch::Tensor masks;             ///< [B, k, S, S] logits at input resolution
  torch::Tensor iou_predictions;   ///< [B, k]
  torch::Tensor low_res_logits;    ///< [B, k, 4h, 4w]
  torch::Tensor image_embeddings;  ///< [B, dim, h, w]
};

class SamImpl : public torch::nn::Module {
 public:
  /// Builds the ViT model of `options` (PyTorch default initialisation). With `encoder` set, that
  /// encoder replaces the ViT (options.image_encoder() is then unused); its image size and grid
  /// must match the prompt encoder options. Throws sfr::Error for invalid options.
  explicit SamImpl(const SamOptions& options = SamOptions::vitB(),
                   std::shared_ptr<ImageEncoder> encoder = nullptr);

  /// (x - mean) / std per channel, then zero padding at the bottom/right to the encoder size.
  /// x: [B, C, h, w] with h, w <= image size; any dtype (uint8 images become float).
  torch::Tensor preprocess(const torch::Tensor& x) const;

  /// Bilinear (align_corners false) to the encoder size, crop to input_size, bilinear to
  /// original_size. masks: [N, k, 4h, 4w].
  torch::Tensor postprocessMasks(const torch::Tensor& masks, std::array<int64_t, 2> input_size,
                                 std::array<int64_t, 2> original_size) const;

  /// Preprocessed images -> embeddings.
  torch::Tensor embedImages(const torch::Tensor& preprocessed);

  /// Prompt encoder + mask decoder on existing embeddings (Predictor.predict_torch without the
  /// post-processing). B embeddings x T prompt sets as in MaskDecoderImpl::forward.
  SamMaskPrediction predictMasks(const torch::Tensor& image_embeddings, const Prompts& prompts,
                                 bool multimask_output);

  /// SAMed/SFR forward_train: images [B, C, S', S'] (S' <= S) -> preprocess, encoder, no prompts,
  /// decoder, post-processing to (S', S').
  SamBatchOutput forward(const torch::Tensor& images, bool multimask_output = false);

  const SamOptions& options() const { return options_; }
  /// The ViT encoder, or nullptr when another encoder is installed.
  std::shared_ptr<ImageEncoderViTImpl> vitEncoder() const;

  std::shared_ptr<ImageEncoder> image_encoder;
  PromptEncoder prompt_encoder{nullptr};
  MaskDecoder mask_decoder{nullptr};

 private:
  SamOptions options_;
};
TORCH_MODULE(Sam);

/// The official SamPredictor: set one image, then decode any number of prompts against its
/// embedding. Coordinates are given in the original image frame.
class SamPredictor {
 public:
  explicit SamPredictor(Sam model);

  /// image: uint8 [H, W, 3] RGB. Resizes (PIL bilinear), preprocesses and encodes it.
  void setImage(const torch::Tensor& image_hwc);
  /// transformed: [1, 3, h, w] already resized (any dtype); original_size: (H, W).
  void setTorchImage(const torch::Tensor& transformed, std::array<int64_t, 2> original_size);

  /// Prompts in the original frame (undefined tensors = absent): point_coords [N, 2] or
  /// [T, N, 2], point_labels [N] or [T, N], box [4] or [T, 4], mask_input [1, 4h, 4w] or
  /// [T, 1, 4h, 4w]. Returns post-processed logits (or masks > threshold) [T, k, H, W] with the
  /// low-resolution logits and IoU predictions.
  struct Result {
    torch::Tensor masks;
    torch::Tensor iou_predictions;
    torch::Tensor low_res_masks;
  };
  Result predict(const Prompts& original_frame_prompts, bool multimask_output,
                 bool return_logits = true);
  /// Prompts already in the resized frame, batched [T, ...] (predict_torch).
  Result predictTorch(const Prompts& prompts, bool multimask_output, bool return_logits = true);

  /// Prompts mapped from the original frame to the resized frame (float32, batched).
  Prompts transformPrompts(const Prompts& original_frame_prompts) const;

  bool isImageSet() const { return features_.defined(); }
  const torch::Tensor& features() const { return features_; }
  const torch::Tensor& preprocessedImage() const { return preprocessed_; }
  std::array<int64_t, 2> inputSize() const { return input_size_; }
  std::array<int64_t, 2> originalSize() const { return original_size_; }
  const ResizeLongestSide& transform() const { return transform_; }
  Sam& model() { return model_; }

 private:
  Sam model_;
  ResizeLongestSide transform_;
  torch::Tensor features_;
  torch::Tensor preprocessed_;
  std::array<int64_t, 2> input_size_{0, 0};
  std::array<int64_t, 2> original_size_{0, 0};
};

}  // namespace sfr::engine
