#include "sfr/engine/sam/sam_options.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

void requirePositive(int64_t value, const char* field) {
  if (value < 1) throw Error(field, "must be at least 1 (got " + std::to_string(value) + ")");
}

void requirePair(const std::vector<int64_t>& value, const char* field) {
  if (value.size() != 2 || value[0] < 1 || value[1] < 1)
    throw Error(field, "must be two positive sizes (H, W)");
}

// Reads `key` into `out` when present; a wrong type names the key.
template <typename T>
void readKey(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(key, std::string("wrong type in SAM options: ") + e.what());
  }
}

void requireObject(const nlohmann::json& j, const char* what) {
  if (!j.is_object()) throw Error(what, "expected a JSON object");
}

}  // namespace

// ---- ImageEncoderViTOptions
// ----------------------------------------------------------------------

bool ImageEncoderViTOptions::isGlobal(int64_t block) const {
  return window_size_ == 0 || std::find(global_attn_indexes_.begin(), global_attn_indexes_.end(),
                                        block) != global_attn_indexes_.end();
}

void ImageEncoderViTOptions::validate() const {
  requirePositive(img_size_, "img_size");
  requirePositive(patch_size_, "patch_size");
  requirePositive(in_chans_, "in_chans");
  requirePositive(embed_dim_, "embed_dim");
  requirePositive(depth_, "depth");
  requirePositive(num_heads_, "num_heads");
  requirePositive(out_chans_, "out_chans");
  if (img_size_ % patch_size_ != 0)
    throw Error("img_size", "must be a multiple of patch_size (" + std::to_string(img_size_) +
                                " vs " + std::to_string(patch_size_) + ")");
  if (embed_dim_ % num_heads_ != 0)
    throw Error("num_heads", "must divide embed_dim (" + std::to_string(embed_dim_) + " / " +
                                 std::to_string(num_heads_) + ")");
  if (!(mlp_ratio_ > 0.0)) throw Error("mlp_ratio", "must be positive");
  if (window_size_ < 0) throw Error("window_size", "must be 0 (global) or positive");
  if (!(layernorm_eps_ > 0.0)) throw Error("layernorm_eps", "must be positive");
  for (int64_t i : global_attn_indexes_)
    if (i < 0 || i >= depth_)
      throw Error("global_attn_indexes",
                  "index " + std::to_string(i) + " is outside 0.." + std::to_string(depth_ - 1));
}

bool ImageEncoderViTOptions::operator==(const ImageEncoderViTOptions& o) const {
  return img_size_ == o.img_size_ && patch_size_ == o.patch_size_ && in_chans_ == o.in_chans_ &&
         embed_dim_ == o.embed_dim_ && depth_ == o.depth_ && num_heads_ == o.num_heads_ &&
         mlp_ratio_ == o.mlp_ratio_ && out_chans_ == o.out_chans_ && qkv_bias_ == o.qkv_bias_ &&
         use_abs_pos_ == o.use_abs_pos_ && use_rel_pos_ == o.use_rel_pos_ &&
         window_size_ == o.window_size_ && global_attn_indexes_ == o.global_attn_indexes_ &&
         layernorm_eps_ == o.layernorm_eps_;
}

void to_json(nlohmann::json& j, const ImageEncoderViTOptions& o) {
  j = nlohmann::json{{"img_size", o.img_size()},
                     {"patch_size", o.patch_size()},
                     {"in_chans", o.in_chans()},
                     {"embed_dim", o.embed_dim()},
                     {"depth", o.depth()},
                     {"num_heads", o.num_heads()},
                     {"mlp_ratio", o.mlp_ratio()},
                     {"out_chans", o.out_chans()},
                     {"qkv_bias", o.qkv_bias()},
                     {"use_abs_pos", o.use_abs_pos()},
                     {"use_rel_pos", o.use_rel_pos()},
                     {"window_size", o.window_size()},
                     {"global_attn_indexes", o.global_attn_indexes()},
                     {"layernorm_eps", o.layernorm_eps()}};
}

void from_json(const nlohmann::json& j, ImageEncoderViTOptions& o) {
  requireObject(j, "image encoder options");
  readKey(j, "img_size", o.img_size());
  readKey(j, "patch_size", o.patch_size());
  readKey(j, "in_chans", o.in_chans());
  readKey(j, "embed_dim", o.embed_dim());
  readKey(j, "depth", o.depth());
  readKey(j, "num_heads", o.num_heads());
  readKey(j, "mlp_ratio", o.mlp_ratio());
  readKey(j, "out_chans", o.out_chans());
  readKey(j, "qkv_bias", o.qkv_bias());
  readKey(j, "use_abs_pos", o.use_abs_pos());
  readKey(j, "use_rel_pos", o.use_rel_pos());
  readKey(j, "window_size", o.window_size());
  readKey(j, "global_attn_indexes", o.global_attn_indexes());
  readKey(j, "layernorm_eps", o.layernorm_eps());
}

// ---- PromptEncoderOptions
// ------------------------------------------------------------------------

void PromptEncoderOptions::validate() const {
  requirePositive(embed_dim_, "prompt embed_dim");
  if (embed_dim_ % 2 != 0)
    throw Error("prompt embed_dim", "must be even (sin and cos halves of the encoding)");
  requirePair(image_embedding_size_, "image_embedding_size");
  requirePair(input_image_size_, "input_image_size");
  requirePositive(mask_in_chans_, "mask_in_chans");
  if (mask_in_chans_ % 4 != 0)
    throw Error("mask_in_chans", "must be a multiple of 4 (first mask conv has mask_in_chans/4)");
}

bool PromptEncoderOptions::operator==(const PromptEncoderOptions& o) const {
  return embed_dim_ == o.embed_dim_ && image_embedding_size_ == o.image_embedding_size_ &&
         input_image_size_ == o.input_image_size_ && mask_in_chans_ == o.mask_in_chans_;
}

void to_json(nlohmann::json& j, const PromptEncoderOptions& o) {
  j = nlohmann::json{{"embed_dim", o.embed_dim()},
                     {"image_embedding_size", o.image_embedding_size()},
                     {"input_image_size", o.input_image_size()},
                     {"mask_in_chans", o.mask_in_chans()}};
}

void from_json(const nlohmann::json& j, PromptEncoderOptions& o) {
  requireObject(j, "prompt encoder options");
  readKey(j, "embed_dim", o.embed_dim());
  readKey(j, "image_embedding_size", o.image_embedding_size());
  readKey(j, "input_image_size", o.input_image_size());
  readKey(j, "mask_in_chans", o.mask_in_chans());
}

// ---- TwoWayTransformerOptions / MaskDecoderOptions
// -----------------------------------------------

void TwoWayTransformerOptions::validate() const {
  requirePositive(depth_, "decoder depth");
  requirePositive(embedding_dim_, "decoder embedding_dim");
  requirePositive(num_heads_, "decoder num_heads");
  requirePositive(mlp_dim_, "decoder mlp_dim");
  requirePositive(attention_downsample_rate_, "attention_downsample_rate");
  if (embedding_dim_ % num_heads_ != 0 ||
      (embedding_dim_ / attention_downsample_rate_) % num_heads_ != 0)
    throw Error("decoder num_heads",
                "must divide the embedding dim and the downsampled cross-attention dim");
}

bool TwoWayTransformerOptions::operator==(const TwoWayTransformerOptions& o) const {
  return depth_ == o.depth_ && embedding_dim_ == o.embedding_dim_ && num_heads_ == o.num_heads_ &&
         mlp_dim_ == o.mlp_dim_ && attention_downsample_rate_ == o.attention_downsample_rate_;
}

void to_json(nlohmann::json& j, const TwoWayTransformerOptions& o) {
  j = nlohmann::json{{"depth", o.depth()},
                     {"embedding_dim", o.embedding_dim()},
                     {"num_heads", o.num_heads()},
                     {"mlp_dim", o.mlp_dim()},
                     {"attention_downsample_rate", o.attention_downsample_rate()}};
}

void from_json(const nlohmann::json& j, TwoWayTransformerOptions& o) {
  requireObject(j, "two-way transformer options");
  readKey(j, "depth", o.depth());
  readKey(j, "embedding_dim", o.embedding_dim());
  readKey(j, "num_heads", o.num_heads());
  readKey(j, "mlp_dim", o.mlp_dim());
  readKey(j, "attention_downsample_rate", o.attention_downsample_rate());
}

void MaskDecoderOptions::validate() const {
  requirePositive(transformer_dim_, "transformer_dim");
  if (transformer_dim_ % 8 != 0)
    throw Error("transformer_dim", "must be a multiple of 8 (upscaling to dim/4 and dim/8)");
  transformer_.validate();
  if (transformer_.embedding_dim() != transformer_dim_)
    throw Error("decoder embedding_dim", "must equal transformer_dim");
  if (num_multimask_outputs_ < 0) throw Error("num_multimask_outputs", "must not be negative");
  requirePositive(iou_head_depth_, "iou_head_depth");
  requirePositive(iou_head_hidden_dim_, "iou_head_hidden_dim");
}

bool MaskDecoderOptions::operator==(const MaskDecoderOptions& o) const {
  return transformer_dim_ == o.transformer_dim_ && transformer_ == o.transformer_ &&
         num_multimask_outputs_ == o.num_multimask_outputs_ &&
         iou_head_depth_ == o.iou_head_depth_ && iou_head_hidden_dim_ == o.iou_head_hidden_dim_ &&
         return_all_masks_ == o.return_all_masks_;
}

void to_json(nlohmann::json& j, const MaskDecoderOptions& o) {
  j = nlohmann::json{{"transformer_dim", o.transformer_dim()},
                     {"transformer", o.transformer()},
                     {"num_multimask_outputs", o.num_multimask_outputs()},
                     {"iou_head_depth", o.iou_head_depth()},
                     {"iou_head_hidden_dim", o.iou_head_hidden_dim()},
                     {"return_all_masks", o.return_all_masks()}};
}

void from_json(const nlohmann::json& j, MaskDecoderOptions& o) {
  requireObject(j, "mask decoder options");
  readKey(j, "transformer_dim", o.transformer_dim());
  readKey(j, "transformer", o.transformer());
  readKey(j, "num_multimask_outputs", o.num_multimask_outputs());
  readKey(j, "iou_head_depth", o.iou_head_depth());
  readKey(j, "iou_head_hidden_dim", o.iou_head_hidden_dim());
  readKey(j, "return_all_masks", o.return_all_masks());
}

// ---- SamOptions
// ----------------------------------------------------------------------------------

namespace {

SamOptions officialVit(int64_t embedDim, int64_t depth, int64_t heads,
                       std::vector<int64_t> globalIndexes) {
  SamOptions o;
  o.image_encoder().embed_dim(embedDim).depth(depth).num_heads(heads).global_attn_indexes(
      std::move(globalIndexes));
  return o;
}

}  // namespace

SamOptions SamOptions::vitB() {
  return officialVit(768, 12, 12, {2, 5, 8, 11});
}
SamOptions SamOptions::vitL() {
  return officialVit(1024, 24, 16, {5, 11, 17, 23});
}
SamOptions SamOptions::vitH() {
  return officialVit(1280, 32, 16, {7, 15, 23, 31});
}

SamOptions SamOptions::tiny() {
  SamOptions o;
  o.image_encoder()
      .embed_dim(64)
      .depth(4)
      .num_heads(4)
      .window_size(5)
      .global_attn_indexes({1, 3})
      .out_chans(32);
  o.prompt_encoder().embed_dim(32).mask_in_chans(8);
  o.mask_decoder().transformer_dim(32).iou_head_hidden_dim(32);
  o.mask_decoder().transformer().embedding_dim(32).num_heads(4).mlp_dim(64);
  o.imageSize(256);
  return o;
}

SamOptions SamOptions::named(const std::string& architecture) {
  if (architecture == "tiny") return tiny();
  if (architecture == "vit_b") return vitB();
  if (architecture == "vit_l") return vitL();
  if (architecture == "vit_h") return vitH();
  throw Error("sam architecture", "'" + architecture + "' is not tiny, vit_b, vit_l or vit_h");
}

SamOptions& SamOptions::imageSize(int64_t size) {
  image_encoder_.img_size(size);
  const int64_t grid = size / image_encoder_.patch_size();
  prompt_encoder_.image_embedding_size({grid, grid});
  prompt_encoder_.input_image_size({size, size});
  return *this;
}

SamOptions& SamOptions::sfrHead(int64_t num_classes) {
  if (num_classes < 1) throw Error("num_classes", "must be at least 1");
  mask_decoder_.num_multimask_outputs(num_classes).return_all_masks(true);
  pixel_mean_ = {0.0, 0.0, 0.0};
  pixel_std_ = {1.0, 1.0, 1.0};
  return *this;
}

void SamOptions::validate() const {
  image_encoder_.validate();
  prompt_encoder_.validate();
  mask_decoder_.validate();
  const int64_t dim = prompt_encoder_.embed_dim();
  if (image_encoder_.out_chans() != dim)
    throw Error("out_chans", "the encoder neck must output the prompt embed_dim (" +
                                 std::to_string(image_encoder_.out_chans()) + " vs " +
                                 std::to_string(dim) + ")");
  if (mask_decoder_.transformer_dim() != dim)
    throw Error("transformer_dim", "must equal the prompt embed_dim");
  const int64_t grid = image_encoder_.gridSize();
  if (prompt_encoder_.image_embedding_size() != std::vector<int64_t>{grid, grid})
    throw Error("image_embedding_size", "must be the encoder grid (" + std::to_string(grid) +
                                            " x " + std::to_string(grid) + ")");
  const int64_t size = image_encoder_.img_size();
  if (prompt_encoder_.input_image_size() != std::vector<int64_t>{size, size})
    throw Error("input_image_size", "must be the encoder img_size");
  if (pixel_mean_.size() != static_cast<size_t>(image_encoder_.in_chans()) ||
      pixel_std_.size() != pixel_mean_.size())
    throw Error("pixel_mean", "pixel_mean and pixel_std need one value per input channel");
  for (double s : pixel_std_)
    if (!(s != 0.0)) throw Error("pixel_std", "must not be zero");
}

bool SamOptions::operator==(const SamOptions& o) const {
  return image_encoder_ == o.image_encoder_ && prompt_encoder_ == o.prompt_encoder_ &&
         mask_decoder_ == o.mask_decoder_ && pixel_mean_ == o.pixel_mean_ &&
         pixel_std_ == o.pixel_std_ && mask_threshold_ == o.mask_threshold_;
}

void to_json(nlohmann::json& j, const SamOptions& o) {
  j = nlohmann::json{{"image_encoder", o.image_encoder()}, {"prompt_encoder", o.prompt_encoder()},
                     {"mask_decoder", o.mask_decoder()},   {"pixel_mean", o.pixel_mean()},
                     {"pixel_std", o.pixel_std()},         {"mask_threshold", o.mask_threshold()}};
}

void from_json(const nlohmann::json& j, SamOptions& o) {
  requireObject(j, "SAM options");
  readKey(j, "image_encoder", o.image_encoder());
  readKey(j, "prompt_encoder", o.prompt_encoder());
  readKey(j, "mask_decoder", o.mask_decoder());
  readKey(j, "pixel_mean", o.pixel_mean());
  readKey(j, "pixel_std", o.pixel_std());
  readKey(j, "mask_threshold", o.mask_threshold());
}

SamOptions samOptionsFromFlatConfig(const nlohmann::json& c) {
  requireObject(c, "SAM config");
  SamOptions o = SamOptions::vitB();
  ImageEncoderViTOptions& e = o.image_encoder();
  readKey(c, "img_size", e.img_size());
  readKey(c, "patch_size", e.patch_size());
  readKey(c, "in_chans", e.in_chans());
  readKey(c, "embed_dim", e.embed_dim());
  readKey(c, "depth", e.depth());
  readKey(c, "num_heads", e.num_heads());
  readKey(c, "mlp_ratio", e.mlp_ratio());
  readKey(c, "qkv_bias", e.qkv_bias());
  readKey(c, "use_abs_pos", e.use_abs_pos());
  readKey(c, "use_rel_pos", e.use_rel_pos());
  readKey(c, "window_size", e.window_size());
  readKey(c, "global_attn_indexes", e.global_attn_indexes());
  readKey(c, "layernorm_eps", e.layernorm_eps());

  int64_t dim = 256;
  readKey(c, "prompt_embed_dim", dim);
  e.out_chans(dim);
  readKey(c, "out_chans", e.out_chans());
  o.prompt_encoder().embed_dim(dim);
  readKey(c, "mask_in_chans", o.prompt_encoder().mask_in_chans());

  MaskDecoderOptions& d = o.mask_decoder();
  d.transformer_dim(dim);
  d.transformer().embedding_dim(dim);
  readKey(c, "decoder_depth", d.transformer().depth());
  readKey(c, "decoder_mlp_dim", d.transformer().mlp_dim());
  readKey(c, "decoder_num_heads", d.transformer().num_heads());
  readKey(c, "attention_downsample_rate", d.transformer().attention_downsample_rate());
  readKey(c, "num_multimask_outputs", d.num_multimask_outputs());
  readKey(c, "iou_head_depth", d.iou_head_depth());
  readKey(c, "iou_head_hidden_dim", d.iou_head_hidden_dim());
  readKey(c, "return_all_masks", d.return_all_masks());

  readKey(c, "pixel_mean", o.pixel_mean());
  readKey(c, "pixel_std", o.pixel_std());
  readKey(c, "mask_threshold", o.mask_threshold());
  o.imageSize(e.img_size());
  return o;
}

// ---- LoRAOptions
// ---------------------------------------------------------------------------------

void LoRAOptions::validate() const {
  requirePositive(rank_, "lora rank");
  if (!(scale_ == scale_)) throw Error("lora scale", "must be a number");
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i] < 0) throw Error("lora layers", "block indexes must not be negative");
    if (i > 0 && layers_[i] <= layers_[i - 1])
      throw Error("lora layers", "block indexes must be strictly ascending");
  }
}

bool LoRAOptions::operator==(const LoRAOptions& o) const {
  return rank_ == o.rank_ && scale_ == o.scale_ && layers_ == o.layers_;
}

void to_json(nlohmann::json& j, const LoRAOptions& o) {
  j = nlohmann::json{{"rank", o.rank()}, {"scale", o.scale()}, {"layers", o.layers()}};
}

void from_json(const nlohmann::json& j, LoRAOptions& o) {
  requireObject(j, "LoRA options");
  readKey(j, "rank", o.rank());
  readKey(j, "scale", o.scale());
  readKey(j, "layers", o.layers());
}

}  // namespace sfr::engine
