#include "sfr/engine/sam/mask_decoder.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

torch::nn::LayerNorm layerNorm(int64_t dim) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}));  // eps 1e-5, as in PyTorch
}

// [B, N, C] -> [B, heads, N, C / heads]
torch::Tensor separateHeads(const torch::Tensor& x, int64_t heads) {
  return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor recombineHeads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

}  // namespace

// ---- Attention
// -----------------------------------------------------------------------------------

DecoderAttentionImpl::DecoderAttentionImpl(int64_t embedding_dim, int64_t num_heads,
                                           int64_t downsample_rate)
    : num_heads_(num_heads) {
  const int64_t internal = embedding_dim / downsample_rate;
  if (internal % num_heads != 0)
    throw Error("decoder num_heads",
                "must divide the attention's internal dim " + std::to_string(internal));
  q_proj = register_module("q_proj", torch::nn::Linear(embedding_dim, internal));
  k_proj = register_module("k_proj", torch::nn::Linear(embedding_dim, internal));
  v_proj = register_module("v_proj", torch::nn::Linear(embedding_dim, internal));
  out_proj = register_module("out_proj", torch::nn::Linear(internal, embedding_dim));
}

torch::Tensor DecoderAttentionImpl::forward(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                            const torch::Tensor& v_in) {
  const torch::Tensor q = separateHeads(q_proj(q_in), num_heads_);
  const torch::Tensor k = separateHeads(k_proj(k_in), num_heads_);
  const torch::Tensor v = separateHeads(v_proj(v_in), num_heads_);
  torch::Tensor attn = torch::matmul(q, k.permute({0, 1, 3, 2}));
  attn = attn / std::sqrt(static_cast<double>(q.size(3)));
  attn = torch::softmax(attn, -1);
  return out_proj(recombineHeads(torch::matmul(attn, v)));
}

// ---- Two-way transformer
// -------------------------------------------------------------------------

TwoWayAttentionBlockImpl::TwoWayAttentionBlockImpl(const TwoWayTransformerOptions& o,
                                                   bool skip_first_layer_pe)
    : skip_first_layer_pe_(skip_first_layer_pe) {
  const int64_t dim = o.embedding_dim(), heads = o.num_heads();
  const int64_t rate = o.attention_downsample_rate();
  self_attn = register_module("self_attn", DecoderAttention(dim, heads));
  norm1 = register_module("norm1", layerNorm(dim));
  cross_attn_token_to_image =
      register_module("cross_attn_token_to_image", DecoderAttention(dim, heads, rate));
  norm2 = register_module("norm2", layerNorm(dim));
  mlp = register_module("mlp", MLPBlock(dim, o.mlp_dim(), Activation::ReLU));
  norm3 = register_module("norm3", layerNorm(dim));
  norm4 = register_module("norm4", layerNorm(dim));
  cross_attn_image_to_token =
      register_module("cross_attn_image_to_token", DecoderAttention(dim, heads, rate));
}

std::pair<torch::Tensor, torch::Tensor> TwoWayAttentionBlockImpl::forward(
    torch::Tensor queries, torch::Tensor keys, const torch::Tensor& query_pe,
    const torch::Tensor& key_pe) {
  if (skip_first_layer_pe_) {
    queries = self_attn(queries, queries, queries);
  } else {
    const torch::Tensor q = queries + query_pe;
    queries = queries + self_attn(q, q, queries);
  }
  queries = norm1(queries);

  torch::Tensor q = queries + query_pe;
  torch::Tensor k = keys + key_pe;
  queries = norm2(queries + cross_attn_token_to_image(q, k, keys));

  queries = norm3(queries + mlp(queries));

  q = queries + query_pe;
  k = keys + key_pe;
  keys = norm4(keys + cross_attn_image_to_token(k, q, queries));
  return {queries, keys};
}

TwoWayTransformerImpl::TwoWayTransformerImpl(const TwoWayTransformerOptions& o) {
  o.validate();
  for (int64_t i = 0; i < o.depth(); ++i) layers->push_back(TwoWayAttentionBlock(o, i == 0));
  register_module("layers", layers);
  final_attn_token_to_image = register_module(
      "final_attn_token_to_image",
      DecoderAttention(o.embedding_dim(), o.num_heads(), o.attention_downsample_rate()));
  norm_final_attn = register_module("norm_final_attn", layerNorm(o.embedding_dim()));
}

std::pair<torch::Tensor, torch::Tensor> TwoWayTransformerImpl::forward(
    const torch::Tensor& image_embedding, const torch::Tensor& image_pe,
    const torch::Tensor& point_embedding) {
  // [B, C, h, w] -> [B, h*w, C]
  const torch::Tensor key_pe = image_pe.flatten(2).permute({0, 2, 1});
  torch::Tensor keys = image_embedding.flatten(2).permute({0, 2, 1});
  torch::Tensor queries = point_embedding;
  for (size_t i = 0; i < layers->size(); ++i)
    std::tie(queries, keys) =
        layers[i]->as<TwoWayAttentionBlockImpl>()->forward(queries, keys, point_embedding, key_pe);
  const torch::Tensor q = queries + point_embedding;
  const torch::Tensor k = keys + key_pe;
  queries = norm_final_attn(queries + final_attn_token_to_image(q, k, keys));
  return {queries, keys};
}

// ---- Mask decoder
// --------------------------------------------------------------------------------

MaskDecoderImpl::MaskDecoderImpl(const MaskDecoderOptions& options) : options_(options) {
  options_.validate();
  namespace nn = torch::nn;
  const int64_t dim = options_.transformer_dim(), M = options_.numMaskTokens();
  transformer = register_module("transformer", TwoWayTransformer(options_.transformer()));
  iou_token = register_module("iou_token", nn::Embedding(1, dim));
  mask_tokens = register_module("mask_tokens", nn::Embedding(M, dim));
  output_upscaling->push_back(
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(dim, dim / 4, 2).stride(2)));
  output_upscaling->push_back(LayerNorm2d(dim / 4));
  output_upscaling->push_back(nn::GELU());
  output_upscaling->push_back(
      nn::ConvTranspose2d(nn::ConvTranspose2dOptions(dim / 4, dim / 8, 2).stride(2)));
  output_upscaling->push_back(nn::GELU());
  register_module("output_upscaling", output_upscaling);
  for (int64_t i = 0; i < M; ++i) output_hypernetworks_mlps->push_back(MLP(dim, dim, dim / 8, 3));
  register_module("output_hypernetworks_mlps", output_hypernetworks_mlps);
  iou_prediction_head =
      register_module("iou_prediction_head",
                      MLP(dim, options_.iou_head_hidden_dim(), M, options_.iou_head_depth()));
}

MaskDecoderOutput MaskDecoderImpl::predictMasks(const torch::Tensor& image_embeddings,
                                                const torch::Tensor& image_pe,
                                                const torch::Tensor& sparse,
                                                const torch::Tensor& dense) {
  const int64_t B = image_embeddings.size(0), T = sparse.size(0);
  if (B != 1 && T != 1 && B != T)
    throw Error("SAM mask decoder", std::to_string(B) + " image embeddings and " +
                                        std::to_string(T) +
                                        " prompt sets: one of them must be 1, or both equal");
  if (dense.size(0) != T && dense.size(0) != 1)
    throw Error("SAM mask decoder",
                "dense prompt embeddings must have batch 1 or " + std::to_string(T));
  const int64_t M = options_.numMaskTokens();
  const int64_t N = std::max(B, T);

  torch::Tensor output_tokens = torch::cat({iou_token->weight, mask_tokens->weight}, 0);
  output_tokens = output_tokens.unsqueeze(0).expand({T, -1, -1});
  torch::Tensor tokens = torch::cat({output_tokens, sparse}, 1);
  // The official code repeats each image per prompt set; with several images and one prompt set
  // PyTorch broadcasting makes the tokens per image, which expanding them does explicitly.
  if (T < N) tokens = tokens.expand({N, -1, -1});

  torch::Tensor src = B < N ? torch::repeat_interleave(image_embeddings, N, 0) : image_embeddings;
  src = src + dense;
  torch::Tensor pos_src = torch::repeat_interleave(image_pe, N / image_pe.size(0), 0);
  const int64_t c = src.size(1), h = src.size(2), w = src.size(3);

  auto [hs, keys] = transformer(src, pos_src, tokens);
  const torch::Tensor iou_token_out = hs.select(1, 0);
  const torch::Tensor mask_tokens_out = hs.narrow(1, 1, M);

  const torch::Tensor upscaled = output_upscaling->forward(keys.transpose(1, 2).view({N, c, h, w}));
  std::vector<torch::Tensor> hyper;
  hyper.reserve(M);
  for (int64_t i = 0; i < M; ++i)
    hyper.push_back(
        output_hypernetworks_mlps[i]->as<MLPImpl>()->forward(mask_tokens_out.select(1, i)));
  const torch::Tensor hyper_in = torch::stack(hyper, 1);
  const int64_t uc = upscaled.size(1), uh = upscaled.size(2), uw = upscaled.size(3);
  MaskDecoderOutput out;
  out.masks = torch::matmul(hyper_in, upscaled.view({N, uc, uh * uw})).view({N, -1, uh, uw});
  out.iou_predictions = iou_prediction_head(iou_token_out);
  return out;
}

MaskDecoderOutput MaskDecoderImpl::forward(const torch::Tensor& image_embeddings,
                                           const torch::Tensor& image_pe,
                                           const torch::Tensor& sparse, const torch::Tensor& dense,
                                           bool multimask_output) {
  MaskDecoderOutput out = predictMasks(image_embeddings, image_pe, sparse, dense);
  if (options_.return_all_masks()) return out;
  const int64_t M = options_.numMaskTokens();
  const int64_t start = multimask_output ? 1 : 0;
  const int64_t count = multimask_output ? M - 1 : 1;
  out.masks = out.masks.narrow(1, start, count);
  out.iou_predictions = out.iou_predictions.narrow(1, start, count);
  return out;
}

}  // namespace sfr::engine
