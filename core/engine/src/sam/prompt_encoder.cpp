#include "sfr/engine/sam/prompt_encoder.h"

#include <cmath>
#include <string>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

constexpr double kTwoPi = 2.0 * M_PI;  // Python: 2 * np.pi, folded before multiplying

[[noreturn]] void fail(const std::string& problem) {
  throw Error("SAM prompts", problem);
}

}  // namespace

// ---- PositionEmbeddingRandom
// ---------------------------------------------------------------------

PositionEmbeddingRandomImpl::PositionEmbeddingRandomImpl(int64_t num_pos_feats, double scale) {
  if (!(scale > 0.0)) scale = 1.0;
  positional_encoding_gaussian_matrix = register_buffer("positional_encoding_gaussian_matrix",
                                                        torch::randn({2, num_pos_feats}) * scale);
}

torch::Tensor PositionEmbeddingRandomImpl::encode(const torch::Tensor& coords) {
  torch::Tensor c = 2 * coords - 1;
  c = torch::matmul(c, positional_encoding_gaussian_matrix);
  c = c * kTwoPi;
  return torch::cat({torch::sin(c), torch::cos(c)}, -1);
}

torch::Tensor PositionEmbeddingRandomImpl::forward(int64_t h, int64_t w) {
  const auto options = torch::TensorOptions()
                           .dtype(torch::kFloat)
                           .device(positional_encoding_gaussian_matrix.device());
  const torch::Tensor grid = torch::ones({h, w}, options);
  const torch::Tensor y = (grid.cumsum(0) - 0.5) / h;
  const torch::Tensor x = (grid.cumsum(1) - 0.5) / w;
  return encode(torch::stack({x, y}, -1)).permute({2, 0, 1});
}

torch::Tensor PositionEmbeddingRandomImpl::forwardWithCoords(const torch::Tensor& coords,
                                                             std::array<int64_t, 2> image_size) {
  torch::Tensor c = coords.clone();
  c.select(-1, 0).copy_(c.select(-1, 0) / image_size[1]);
  c.select(-1, 1).copy_(c.select(-1, 1) / image_size[0]);
  return encode(c.to(torch::kFloat));
}

// ---- PromptEncoder
// -------------------------------------------------------------------------------

PromptEncoderImpl::PromptEncoderImpl(const PromptEncoderOptions& options) : options_(options) {
  options_.validate();
  const int64_t dim = options_.embed_dim(), mic = options_.mask_in_chans();
  // Registration order = PyTorch's attribute order (state_dict() order of SFR's LoRA files).
  pe_layer = register_module("pe_layer", PositionEmbeddingRandom(dim / 2));
  for (int i = 0; i < 4; ++i) point_embeddings->push_back(torch::nn::Embedding(1, dim));
  register_module("point_embeddings", point_embeddings);
  not_a_point_embed = register_module("not_a_point_embed", torch::nn::Embedding(1, dim));
  namespace nn = torch::nn;
  mask_downscaling->push_back(nn::Conv2d(nn::Conv2dOptions(1, mic / 4, 2).stride(2)));
  mask_downscaling->push_back(LayerNorm2d(mic / 4));
  mask_downscaling->push_back(nn::GELU());
  mask_downscaling->push_back(nn::Conv2d(nn::Conv2dOptions(mic / 4, mic, 2).stride(2)));
  mask_downscaling->push_back(LayerNorm2d(mic));
  mask_downscaling->push_back(nn::GELU());
  mask_downscaling->push_back(nn::Conv2d(nn::Conv2dOptions(mic, dim, 1)));
  register_module("mask_downscaling", mask_downscaling);
  no_mask_embed = register_module("no_mask_embed", torch::nn::Embedding(1, dim));
}

torch::Tensor PromptEncoderImpl::pointEmbedding(size_t i) {
  return point_embeddings[i]->as<torch::nn::Embedding>()->weight;
}

torch::Tensor PromptEncoderImpl::getDensePe() {
  const auto& grid = options_.image_embedding_size();
  return pe_layer->forward(grid[0], grid[1]).unsqueeze(0);
}

torch::Tensor PromptEncoderImpl::embedPoints(torch::Tensor points, torch::Tensor labels, bool pad) {
  points = points + 0.5;  // centre of the pixel
  if (pad) {
    const int64_t T = points.size(0);
    points = torch::cat({points, torch::zeros({T, 1, 2}, points.options())}, 1);
    labels = torch::cat({labels, -torch::ones({T, 1}, labels.options())}, 1);
  }
  const auto& size = options_.input_image_size();
  torch::Tensor pe = pe_layer->forwardWithCoords(points, {size[0], size[1]});
  // Python's masked in-place updates, written as selects (bit-identical values).
  const torch::Tensor padding = (labels == -1).unsqueeze(-1);
  const torch::Tensor negative = (labels == 0).unsqueeze(-1);
  const torch::Tensor positive = (labels == 1).unsqueeze(-1);
  pe = torch::where(padding, torch::zeros_like(pe) + not_a_point_embed->weight, pe);
  pe = torch::where(negative, pe + pointEmbedding(0), pe);
  pe = torch::where(positive, pe + pointEmbedding(1), pe);
  return pe;
}

torch::Tensor PromptEncoderImpl::embedBoxes(const torch::Tensor& boxes) {
  const torch::Tensor corners = (boxes + 0.5).reshape({-1, 2, 2});
  const auto& size = options_.input_image_size();
  const torch::Tensor pe = pe_layer->forwardWithCoords(corners, {size[0], size[1]});
  return torch::cat(
      {pe.narrow(1, 0, 1) + pointEmbedding(2), pe.narrow(1, 1, 1) + pointEmbedding(3)}, 1);
}

torch::Tensor PromptEncoderImpl::embedMasks(const torch::Tensor& masks) {
  const auto& grid = options_.image_embedding_size();
  if (masks.dim() != 4 || masks.size(1) != 1 || masks.size(2) != 4 * grid[0] ||
      masks.size(3) != 4 * grid[1])
    fail("mask input must be [T, 1, " + std::to_string(4 * grid[0]) + ", " +
         std::to_string(4 * grid[1]) + "], got " + c10::str(masks.sizes()));
  return mask_downscaling->forward(masks);
}

std::pair<torch::Tensor, torch::Tensor> PromptEncoderImpl::forward(const Prompts& p) {
  const bool hasPoints = p.point_coords.defined();
  const bool hasBoxes = p.boxes.defined();
  const bool hasMasks = p.mask_inputs.defined();
  if (hasPoints != p.point_labels.defined())
    fail("point_coords and point_labels must be given together");
  if (hasPoints) {
    if (p.point_coords.dim() != 3 || p.point_coords.size(2) != 2 || p.point_labels.dim() != 2 ||
        p.point_labels.size(0) != p.point_coords.size(0) ||
        p.point_labels.size(1) != p.point_coords.size(1))
      fail("points must be [T, N, 2] with labels [T, N], got " + c10::str(p.point_coords.sizes()) +
           " and " + c10::str(p.point_labels.sizes()));
  }
  if (hasBoxes && p.boxes.size(-1) != 4)
    fail("boxes must be [T, 4], got " + c10::str(p.boxes.sizes()));

  int64_t bs = 1;
  if (hasPoints)
    bs = p.point_coords.size(0);
  else if (hasBoxes)
    bs = p.boxes.numel() / 4;
  else if (hasMasks)
    bs = p.mask_inputs.size(0);

  const int64_t dim = options_.embed_dim();
  const auto device = pointEmbedding(0).device();
  torch::Tensor sparse = torch::empty({bs, 0, dim}, torch::TensorOptions().device(device));
  if (hasPoints)
    sparse = torch::cat({sparse, embedPoints(p.point_coords, p.point_labels, !hasBoxes)}, 1);
  if (hasBoxes) {
    const torch::Tensor boxes = embedBoxes(p.boxes);
    if (boxes.size(0) != bs) fail("boxes and points describe different numbers of prompt sets");
    sparse = torch::cat({sparse, boxes}, 1);
  }

  torch::Tensor dense;
  if (hasMasks) {
    dense = embedMasks(p.mask_inputs);
  } else {
    const auto& grid = options_.image_embedding_size();
    dense = no_mask_embed->weight.reshape({1, -1, 1, 1}).expand({bs, -1, grid[0], grid[1]});
  }
  return {sparse, dense};
}

}  // namespace sfr::engine
