#pragma once
// Small building blocks shared by the SAM encoder and decoder (segment_anything/modeling/common.py
// and the MLP of mask_decoder.py). Parameter names equal the PyTorch attribute names.
#include <torch/torch.h>

namespace sfr::engine {

/// Channel-wise LayerNorm of an NCHW tensor: per pixel, mean u and biased variance s over C,
/// (x - u) / sqrt(s + eps) * weight + bias. Parameters `weight` (ones) and `bias` (zeros).
class LayerNorm2dImpl : public torch::nn::Module {
 public:
  explicit LayerNorm2dImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;

 private:
  double eps_;
};
TORCH_MODULE(LayerNorm2d);

enum class Activation { GELU, ReLU };

/// lin2(act(lin1(x))): the transformer MLP of both the ViT blocks (GELU, exact erf form) and the
/// two-way transformer (ReLU).
class MLPBlockImpl : public torch::nn::Module {
 public:
  MLPBlockImpl(int64_t embedding_dim, int64_t mlp_dim, Activation act);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear lin1{nullptr};
  torch::nn::Linear lin2{nullptr};

 private:
  Activation act_;
};
TORCH_MODULE(MLPBlock);

/// `num_layers` Linear layers in `layers.<i>` with ReLU between them (the decoder's hypernetwork
/// MLPs and IoU head), optionally a sigmoid on the output.
class MLPImpl : public torch::nn::Module {
 public:
  MLPImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim, int64_t num_layers,
          bool sigmoid_output = false);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::ModuleList layers;

 private:
  bool sigmoid_output_;
};
TORCH_MODULE(MLP);

}  // namespace sfr::engine
