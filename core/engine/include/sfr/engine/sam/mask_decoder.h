#pragma once
// SAM mask decoder (spec §3.3): the two-way transformer between prompt tokens and image
// embedding, transposed-conv upscaling, one hypernetwork MLP per mask token and the IoU head
// (segment_anything/modeling/mask_decoder.py and transformer.py; SAMed's all-masks variant).
#include <utility>

#include <torch/torch.h>

#include "sfr/engine/sam/layers.h"
#include "sfr/engine/sam/sam_options.h"

namespace sfr::engine {

/// Attention with q/k/v projected to embedding_dim / downsample_rate (transformer.py).
class DecoderAttentionImpl : public torch::nn::Module {
 public:
  DecoderAttentionImpl(int64_t embedding_dim, int64_t num_heads, int64_t downsample_rate = 1);
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

  torch::nn::Linear q_proj{nullptr};
  torch::nn::Linear k_proj{nullptr};
  torch::nn::Linear v_proj{nullptr};
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t num_heads_;
};
TORCH_MODULE(DecoderAttention);

/// Self-attention of the tokens, token->image and image->token cross-attention, token MLP.
class TwoWayAttentionBlockImpl : public torch::nn::Module {
 public:
  TwoWayAttentionBlockImpl(const TwoWayTransformerOptions& options, bool skip_first_layer_pe);
  /// Returns (queries, keys).
  std::pair<torch::Tensor, torch::Tensor> forward(torch::Tensor queries, torch::Tensor keys,
                                                  const torch::Tensor& query_pe,
                                                  const torch::Tensor& key_pe);

  DecoderAttention self_attn{nullptr};
  torch::nn::LayerNorm norm1{nullptr};
  DecoderAttention cross_attn_token_to_image{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  MLPBlock mlp{nullptr};
  torch::nn::LayerNorm norm3{nullptr};
  torch::nn::LayerNorm norm4{nullptr};
  DecoderAttention cross_attn_image_to_token{nullptr};

 private:
  bool skip_first_layer_pe_;
};
TORCH_MODULE(TwoWayAttentionBlock);

class TwoWayTransformerImpl : public torch::nn::Module {
 public:
  explicit TwoWayTransformerImpl(const TwoWayTransformerOptions& options = {});
  /// image_embedding, image_pe [B, C, h, w]; point_embedding [B, N, C] -> (queries [B, N, C],
  /// keys [B, h*w, C]).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& image_embedding,
                                                  const torch::Tensor& image_pe,
                                                  const torch::Tensor& point_embedding);

  torch::nn::ModuleList layers;
  DecoderAttention final_attn_token_to_image{nullptr};
  torch::nn::LayerNorm norm_final_attn{nullptr};
};
TORCH_MODULE(TwoWayTransformer);

/// (masks [B, k, 4h, 4w], iou_predictions [B, k]).
struct MaskDecoderOutput {
  torch::Tensor masks;
  torch::Tensor iou_predictions;
};

class MaskDecoderImpl : public torch::nn::Module {
 public:
  explicit MaskDecoderImpl(const MaskDecoderOptions& options = {});

  /// image_embeddings [B, C, h, w]; image_pe [1, C, h, w]; sparse [T, N, C]; dense [T, C, h, w].
  /// B = 1 decodes one image against T prompt sets (the official predictor); T = 1 decodes B
  /// images with one prompt set (SAMed/SFR training); otherwise B must equal T.
  /// Output channels: all M masks with return_all_masks, else 1..M-1 (multimask) or 0.
  MaskDecoderOutput forward(const torch::Tensor& image_embeddings, const torch::Tensor& image_pe,
                            const torch::Tensor& sparse_prompt_embeddings,
                            const torch::Tensor& dense_prompt_embeddings, bool multimask_output);

  /// All M masks and IoU predictions, before any channel selection.
  MaskDecoderOutput predictMasks(const torch::Tensor& image_embeddings,
                                 const torch::Tensor& image_pe,
                                 const torch::Tensor& sparse_prompt_embeddings,
                                 const torch::Tensor& dense_prompt_embeddings);

  const MaskDecoderOptions& options() const { return options_; }

  TwoWayTransformer transformer{nullptr};
  torch::nn::Embedding iou_token{nullptr};
  torch::nn::Embedding mask_tokens{nullptr};
  torch::nn::Sequential output_upscaling;
  torch::nn::ModuleList output_hypernetworks_mlps;
  MLP iou_prediction_head{nullptr};

 private:
  MaskDecoderOptions options_;
};
TORCH_MODULE(MaskDecoder);

}  // namespace sfr::engine
