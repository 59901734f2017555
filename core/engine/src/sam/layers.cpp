#include "sfr/engine/sam/layers.h"

namespace sfr::engine {

LayerNorm2dImpl::LayerNorm2dImpl(int64_t channels, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x) {
  // Same operation order as common.py, so results match PyTorch bit for bit.
  const torch::Tensor u = x.mean(1, /*keepdim=*/true);
  const torch::Tensor s = (x - u).pow(2).mean(1, /*keepdim=*/true);
  const torch::Tensor n = (x - u) / torch::sqrt(s + eps_);
  using torch::indexing::None;
  using torch::indexing::Slice;
  return weight.index({Slice(), None, None}) * n + bias.index({Slice(), None, None});
}

MLPBlockImpl::MLPBlockImpl(int64_t embedding_dim, int64_t mlp_dim, Activation act) : act_(act) {
  lin1 = register_module("lin1", torch::nn::Linear(embedding_dim, mlp_dim));
  lin2 = register_module("lin2", torch::nn::Linear(mlp_dim, embedding_dim));
}

torch::Tensor MLPBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = lin1(x);
  h = act_ == Activation::GELU ? torch::gelu(h) : torch::relu(h);
  return lin2(h);
}

MLPImpl::MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers,
                 bool sigmoid_output)
    : sigmoid_output_(sigmoid_output) {
  for (int64_t i = 0; i < num_layers; ++i) {
    const int64_t in = i == 0 ? input_dim : hidden_dim;
    const int64_t out = i == num_layers - 1 ? output_dim : hidden_dim;
    layers->push_back(torch::nn::Linear(in, out));
  }
  register_module("layers", layers);
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
  const size_t n = layers->size();
  for (size_t i = 0; i < n; ++i) {
    x = layers[i]->as<torch::nn::Linear>()->forward(x);
    if (i + 1 < n) x = torch::relu(x);
  }
  return sigmoid_output_ ? torch::sigmoid(x) : x;
}

}  // namespace sfr::engine
