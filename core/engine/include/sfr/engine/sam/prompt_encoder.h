#pragma once
// SAM prompt encoder (spec §3.2, segment_anything/modeling/prompt_encoder.py): points with
// labels, boxes and low-resolution mask inputs -> sparse [T, N, dim] and dense [T, dim, h, w]
// embeddings, plus the dense positional encoding of the image embedding grid.
#include <array>
#include <utility>

#include <torch/torch.h>

#include "sfr/engine/sam/layers.h"
#include "sfr/engine/sam/sam_options.h"

namespace sfr::engine {

/// Prompts for T prompt sets, in the encoder input frame (after ResizeLongestSide). Undefined
/// tensors mean "absent". With none at all the batch is 1 (sparse empty, dense = no_mask_embed).
struct Prompts {
  torch::Tensor point_coords;  ///< [T, N, 2] (x, y), float
  torch::Tensor point_labels;  ///< [T, N]: 1 foreground, 0 background, -1 padding
  torch::Tensor boxes;         ///< [T, 4] (x0, y0, x1, y1) or [T, 1, 4]
  torch::Tensor mask_inputs;   ///< [T, 1, 4h, 4w] low-resolution logits

  bool empty() const {
    return !point_coords.defined() && !boxes.defined() && !mask_inputs.defined();
  }
  /// The same prompts on `device` (absent ones stay absent).
  Prompts to(const torch::Device& device) const {
    auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device) : t; };
    return Prompts{move(point_coords), move(point_labels), move(boxes), move(mask_inputs)};
  }
};

/// Random Fourier features: buffer `positional_encoding_gaussian_matrix` [2, F] = scale * N(0,1).
class PositionEmbeddingRandomImpl : public torch::nn::Module {
 public:
  explicit PositionEmbeddingRandomImpl(int64_t num_pos_feats = 64, double scale = 1.0);
  /// [2F, h, w] encoding of the cell centres of an h x w grid.
  torch::Tensor forward(int64_t h, int64_t w);
  /// [..., N, 2F] encoding of pixel coordinates (x, y) normalised by image_size (H, W).
  torch::Tensor forwardWithCoords(const torch::Tensor& coords, std::array<int64_t, 2> image_size);
  /// [..., 2] coordinates in [0, 1]^2 -> [..., 2F] = [sin(v), cos(v)], v = 2 pi (2p - 1) G.
  torch::Tensor encode(const torch::Tensor& coords);

  torch::Tensor positional_encoding_gaussian_matrix;
};
TORCH_MODULE(PositionEmbeddingRandom);

class PromptEncoderImpl : public torch::nn::Module {
 public:
  explicit PromptEncoderImpl(const PromptEncoderOptions& options = {});

  /// (sparse [T, N, dim], dense [T, dim, h, w]). Points get SAM's padding point (label -1) when
  /// no boxes are given. Throws sfr::Error for inconsistent shapes.
  std::pair<torch::Tensor, torch::Tensor> forward(const Prompts& prompts);

  /// [1, dim, h, w] positional encoding of the image embedding grid.
  torch::Tensor getDensePe();

  torch::Tensor embedPoints(torch::Tensor points, torch::Tensor labels, bool pad);
  torch::Tensor embedBoxes(const torch::Tensor& boxes);
  torch::Tensor embedMasks(const torch::Tensor& masks);

  const PromptEncoderOptions& options() const { return options_; }

  PositionEmbeddingRandom pe_layer{nullptr};
  torch::nn::ModuleList point_embeddings;  ///< 4 x Embedding(1, dim): neg, pos, box TL, box BR
  torch::nn::Embedding not_a_point_embed{nullptr};
  torch::nn::Sequential mask_downscaling;
  torch::nn::Embedding no_mask_embed{nullptr};

 private:
  torch::Tensor pointEmbedding(size_t i);

  PromptEncoderOptions options_;
};
TORCH_MODULE(PromptEncoder);

}  // namespace sfr::engine
