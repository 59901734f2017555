#include "sfr/engine/sam/lora.h"

#include <cstdio>
#include <unordered_map>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/sam/sam_checkpoint.h"

namespace sfr::engine {
namespace {

std::shared_ptr<ImageEncoderViTImpl> requireVit(const SamImpl& sam) {
  auto vit = sam.vitEncoder();
  if (!vit) throw Error("LoRA", "adapters need the ViT image encoder");
  return vit;
}

// Block indexes that carry adapters, ascending.
std::vector<int64_t> adaptedBlocks(const ImageEncoderViTImpl& vit) {
  std::vector<int64_t> blocks;
  for (int64_t i = 0; i < vit.options().depth(); ++i)
    if (!vit.block(i)->attn->lora.is_empty()) blocks.push_back(i);
  return blocks;
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

}  // namespace

void applyLoRA(SamImpl& sam, const LoRAOptions& options) {
  options.validate();
  const auto vit = requireVit(sam);
  if (hasLoRA(sam)) throw Error("LoRA", "the model already has adapters");
  std::vector<int64_t> layers = options.layers();
  if (layers.empty())
    for (int64_t i = 0; i < vit->options().depth(); ++i) layers.push_back(i);
  for (int64_t i : layers)
    if (i >= vit->options().depth())
      throw Error("lora layers", "block " + std::to_string(i) + " does not exist (depth " +
                                     std::to_string(vit->options().depth()) + ")");
  // SAMed freezes the encoder first; the adapters created afterwards stay trainable.
  for (auto& p : vit->parameters()) p.set_requires_grad(false);
  for (int64_t i : layers) vit->block(i)->attn->enableLoRA(options.rank(), options.scale());
}

bool hasLoRA(const SamImpl& sam) {
  const auto vit = sam.vitEncoder();
  return vit && !adaptedBlocks(*vit).empty();
}

std::vector<LoRAQkv> loraAdapters(const SamImpl& sam) {
  const auto vit = requireVit(sam);
  std::vector<LoRAQkv> adapters;
  for (int64_t i : adaptedBlocks(*vit)) adapters.push_back(vit->block(i)->attn->lora);
  return adapters;
}

NamedTensors loraAdapterTensors(const SamImpl& sam) {
  const std::vector<LoRAQkv> adapters = loraAdapters(sam);
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

void saveLoRA(const std::filesystem::path& path, const SamImpl& sam, LoRAFileLayout layout) {
  if (!hasLoRA(sam)) throw Error(path.string(), "the model has no LoRA adapters to save");
  NamedTensors tensors = loraAdapterTensors(sam);
  if (layout == LoRAFileLayout::Sfr) {
    // SAMed: {**w_a, **w_b, **prompt_encoder keys, **mask_decoder keys}, state_dict() order.
    const NamedTensors state = stateDictInPythonOrder(sam);
    for (const char* part : {"prompt_encoder", "mask_decoder"})
      for (const auto& kv : state)
        if (kv.first.find(part) != std::string::npos) tensors.push_back(kv);
  }
  for (auto& kv : tensors) kv.second = kv.second.detach();
  writeStateDict(path, tensors);
}

LoRAFileLayout loadLoRA(const NamedTensors& tensors, SamImpl& sam, const std::string& source) {
  if (!hasLoRA(sam)) throw Error(source, "the model has no LoRA adapters to load into");
  const auto vit = requireVit(sam);
  const std::vector<int64_t> blocks = adaptedBlocks(*vit);

  LoRAFileLayout layout = LoRAFileLayout::Adapters;
  for (const auto& kv : tensors)
    if (isDecoderOrPromptKey(kv.first)) layout = LoRAFileLayout::Sfr;

  // w_a_NNN / w_b_NNN -> image_encoder.blocks.<i>.attn.lora.linear_<a|b>_<q|v>.weight; an index
  // beyond the adapters keeps its name and is reported as unexpected.
  auto rename = [blocks](const std::string& key) -> std::string {
    const bool isA = key.rfind("w_a_", 0) == 0, isB = key.rfind("w_b_", 0) == 0;
    if ((!isA && !isB) || key.size() <= 4) return key;
    const std::string digits = key.substr(4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) return key;
    const size_t index = std::stoul(digits);
    if (index / 2 >= blocks.size()) return key;
    return "image_encoder.blocks." + std::to_string(blocks[index / 2]) + ".attn.lora.linear_" +
           (isA ? "a" : "b") + (index % 2 == 0 ? "_q" : "_v") + ".weight";
  };

  // Everything but the adapters comes from elsewhere (the base checkpoint; for the Adapters
  // layout also the prompt encoder and mask decoder), so those keys may be absent.
  std::vector<std::string> allowMissing;
  for (const auto& [key, tensor] : stateDictInPythonOrder(sam)) {
    const bool adapter = key.find(".attn.lora.") != std::string::npos;
    if (adapter) continue;
    if (layout == LoRAFileLayout::Adapters || !isDecoderOrPromptKey(key))
      allowMissing.push_back(key);
  }
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes(allowMissing).rename(rename);
  loadStateDict(sam, tensors, options);
  return layout;
}

LoRAFileLayout loadLoRA(const std::filesystem::path& path, SamImpl& sam) {
  return loadLoRA(readStateDict(path), sam, path.string());
}

std::vector<torch::Tensor> trainableParameters(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

int64_t trainableParameterCount(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : trainableParameters(module)) n += p.numel();
  return n;
}

Sam makeSfrSam(SamOptions base, int64_t num_classes, int64_t image_size, const LoRAOptions& lora,
               const std::filesystem::path& base_checkpoint) {
  base.imageSize(image_size).sfrHead(num_classes);
  Sam sam(base);
  if (!base_checkpoint.empty()) loadSamBaseForSfr(*sam, base_checkpoint);
  applyLoRA(*sam, lora);
  sam->train();
  return sam;
}

}  // namespace sfr::engine
