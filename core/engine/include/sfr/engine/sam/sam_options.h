#pragma once
// Settings of the Segment Anything model (spec §3.1-§3.6), one struct per part, in the style of
// LibTorch's `Conv2dOptions` (named setters). Kept free of <torch/torch.h>: <torch/arg.h> is a
// plain macro header, so the CLI and settings code can carry these without compiling LibTorch.
//
// Field names follow the Python constructor arguments of segment-anything, so a reader of
// build_sam.py recognises every value.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <torch/arg.h>
#include <nlohmann/json_fwd.hpp>

namespace sfr::engine {

/// ImageEncoderViT (segment_anything/modeling/image_encoder.py).
struct ImageEncoderViTOptions {
  TORCH_ARG(int64_t, img_size) = 1024;  ///< square input side after padding
  TORCH_ARG(int64_t, patch_size) = 16;  ///< patch embedding kernel = stride
  TORCH_ARG(int64_t, in_chans) = 3;
  TORCH_ARG(int64_t, embed_dim) = 768;  ///< E
  TORCH_ARG(int64_t, depth) = 12;       ///< number of blocks
  TORCH_ARG(int64_t, num_heads) = 12;
  TORCH_ARG(double, mlp_ratio) = 4.0;   ///< MLP hidden = int(E * mlp_ratio)
  TORCH_ARG(int64_t, out_chans) = 256;  ///< neck output channels (= prompt embed dim)
  TORCH_ARG(bool, qkv_bias) = true;
  TORCH_ARG(bool, use_abs_pos) = true;   ///< learned pos_embed (1, g, g, E)
  TORCH_ARG(bool, use_rel_pos) = true;   ///< decomposed relative position tables
  TORCH_ARG(int64_t, window_size) = 14;  ///< 0 = every block global
  TORCH_ARG(std::vector<int64_t>, global_attn_indexes) = std::vector<int64_t>{2, 5, 8, 11};
  TORCH_ARG(double, layernorm_eps) = 1e-6;

 public:
  /// Tokens per side: img_size / patch_size.
  int64_t gridSize() const { return img_size_ / patch_size_; }
  bool isGlobal(int64_t block) const;
  /// Throws sfr::Error naming the field (non-positive sizes, heads not dividing E, an image
  /// size that is not a multiple of the patch size, global indexes out of range).
  void validate() const;
  bool operator==(const ImageEncoderViTOptions& o) const;
};

/// PromptEncoder (segment_anything/modeling/prompt_encoder.py).
struct PromptEncoderOptions {
  TORCH_ARG(int64_t, embed_dim) = 256;
  /// (H, W) of the image embedding.
  TORCH_ARG(std::vector<int64_t>, image_embedding_size) = std::vector<int64_t>{64, 64};
  /// (H, W) of the padded encoder input; point coordinates are normalised by it.
  TORCH_ARG(std::vector<int64_t>, input_image_size) = std::vector<int64_t>{1024, 1024};
  TORCH_ARG(int64_t, mask_in_chans) = 16;

 public:
  void validate() const;
  bool operator==(const PromptEncoderOptions& o) const;
};

/// TwoWayTransformer (segment_anything/modeling/transformer.py).
struct TwoWayTransformerOptions {
  TORCH_ARG(int64_t, depth) = 2;
  TORCH_ARG(int64_t, embedding_dim) = 256;
  TORCH_ARG(int64_t, num_heads) = 8;
  TORCH_ARG(int64_t, mlp_dim) = 2048;
  TORCH_ARG(int64_t, attention_downsample_rate) = 2;

 public:
  void validate() const;
  bool operator==(const TwoWayTransformerOptions& o) const;
};

/// MaskDecoder (segment_anything/modeling/mask_decoder.py, SAMed's variant when
/// return_all_masks is set).
struct MaskDecoderOptions {
  TORCH_ARG(int64_t, transformer_dim) = 256;
  TORCH_ARG(TwoWayTransformerOptions, transformer) = TwoWayTransformerOptions();
  /// M - 1: the decoder has M = num_multimask_outputs + 1 mask tokens. SFR: num_classes.
  TORCH_ARG(int64_t, num_multimask_outputs) = 3;
  TORCH_ARG(int64_t, iou_head_depth) = 3;
  TORCH_ARG(int64_t, iou_head_hidden_dim) = 256;
  /// SAMed/SFR: return all M masks (background + classes) and ignore multimask_output.
  /// Official SAM (false): channels 1..M-1 with multimask_output, channel 0 without.
  TORCH_ARG(bool, return_all_masks) = false;

 public:
  int64_t numMaskTokens() const { return num_multimask_outputs_ + 1; }
  void validate() const;
  bool operator==(const MaskDecoderOptions& o) const;
};

/// The whole model. Presets: vitB(), vitL(), vitH() = build_sam.py's official configurations.
struct SamOptions {
  TORCH_ARG(ImageEncoderViTOptions, image_encoder) = ImageEncoderViTOptions();
  TORCH_ARG(PromptEncoderOptions, prompt_encoder) = PromptEncoderOptions();
  TORCH_ARG(MaskDecoderOptions, mask_decoder) = MaskDecoderOptions();
  /// Per-channel normalisation of Sam.preprocess (RGB, 0..255 scale).
  TORCH_ARG(std::vector<double>, pixel_mean) = std::vector<double>{123.675, 116.28, 103.53};
  TORCH_ARG(std::vector<double>, pixel_std) = std::vector<double>{58.395, 57.12, 57.375};
  /// Binary masks are logits > mask_threshold.
  TORCH_ARG(double, mask_threshold) = 0.0;

 public:
  static SamOptions vitB();
  static SamOptions vitL();
  static SamOptions vitH();
  /// The reference tiny SAM of the parity files (../shared/reference/sam/sam_tiny_io.pt): E = 64,
  /// 4 blocks (global 1 and 3), 4 heads, window 5, 32 output channels, a 32-wide decoder; input
  /// 256. What the `cpu` preset fine-tunes when no checkpoint is given: seconds per step on 2
  /// cores.
  static SamOptions tiny();
  /// "tiny", "vit_b", "vit_l" or "vit_h"; throws sfr::Error("sam architecture", ...) otherwise.
  static SamOptions named(const std::string& architecture);

  /// Sets the encoder input size and the prompt encoder's sizes that follow from it
  /// (image_embedding_size = size / patch, input_image_size = size), as SAMed's builder does.
  SamOptions& imageSize(int64_t size);

  /// SFR/SAMed head (spec §3.6): M = num_classes + 1 mask tokens returned as class logits
  /// (background first), pixel mean 0 / std 1 (inputs are z-scored mosaics).
  SamOptions& sfrHead(int64_t num_classes);

  /// Checks every part and that the parts agree (neck channels = prompt dim = decoder dim,
  /// embedding grid = encoder grid). Throws sfr::Error naming the field.
  void validate() const;
  bool operator==(const SamOptions& o) const;
  bool operator!=(const SamOptions& o) const { return !(*this == o); }
};

/// Reads the flat builder-argument form used by the reference files' `config` entries
/// (img_size, patch_size, embed_dim, depth, num_heads, mlp_ratio, out_chans, qkv_bias,
/// use_rel_pos, window_size, global_attn_indexes, layernorm_eps, prompt_embed_dim,
/// mask_in_chans, decoder_depth, decoder_mlp_dim, decoder_num_heads, iou_head_depth,
/// iou_head_hidden_dim, num_multimask_outputs, pixel_mean, pixel_std, mask_threshold).
/// Missing keys keep the ViT-B values; wrong types throw sfr::Error naming the key.
SamOptions samOptionsFromFlatConfig(const nlohmann::json& config);

void to_json(nlohmann::json& j, const ImageEncoderViTOptions& o);
void from_json(const nlohmann::json& j, ImageEncoderViTOptions& o);
void to_json(nlohmann::json& j, const PromptEncoderOptions& o);
void from_json(const nlohmann::json& j, PromptEncoderOptions& o);
void to_json(nlohmann::json& j, const TwoWayTransformerOptions& o);
void from_json(const nlohmann::json& j, TwoWayTransformerOptions& o);
void to_json(nlohmann::json& j, const MaskDecoderOptions& o);
void from_json(const nlohmann::json& j, MaskDecoderOptions& o);
/// Nested form {"image_encoder": {...}, "prompt_encoder": {...}, "mask_decoder": {...},
/// "pixel_mean", "pixel_std", "mask_threshold"}. Missing keys keep their defaults.
void to_json(nlohmann::json& j, const SamOptions& o);
void from_json(const nlohmann::json& j, SamOptions& o);

/// LoRA on the fused qkv projection of ViT blocks (SAMed/SFR `LoRA_Sam`, spec §3.6):
/// qkv(x)[q] += scale * B_q(A_q(x)), qkv(x)[v] += scale * B_v(A_v(x)).
struct LoRAOptions {
  TORCH_ARG(int64_t, rank) = 4;
  /// Multiplies the adapter output; SFR has none (1).
  TORCH_ARG(double, scale) = 1.0;
  /// Blocks that get adapters, ascending; empty = every block (SFR).
  TORCH_ARG(std::vector<int64_t>, layers);

 public:
  void validate() const;
  bool operator==(const LoRAOptions& o) const;
};

void to_json(nlohmann::json& j, const LoRAOptions& o);
void from_json(const nlohmann::json& j, LoRAOptions& o);

}  // namespace sfr::engine
