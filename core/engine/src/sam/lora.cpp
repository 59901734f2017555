#include "sfr/engine/sam/lora.h"

#include <cstdio>
#include <unordered_map>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/sam/sam_checkpoint.h"
#include "sfr/engine/sam/tiny_vit_lora.h"

namespace sfr::engine {
namespace {

// One attention module with adapters: its state-dict path and its LoRAQkv. SFR's file order is
// the encoder's block order (ViT: blocks.0..; TinyViT: layers.1.blocks.0, 1, layers.2.blocks.0..5,
// layers.3.blocks.0, 1; spec §10.2, §12.7), whatever the backbone.
struct AdaptedAttention {
  std::string path;
  LoRAQkv lora;
};

// Every attention module of the image encoder (adapted or not), in SFR's order.
std::vector<AdaptedAttention> attentionModules(const SamImpl& sam) {
  std::vector<AdaptedAttention> out;
  if (const auto vit = sam.vitEncoder()) {
    for (int64_t i = 0; i < vit->options().depth(); ++i)
      out.push_back(
          {"image_encoder.blocks." + std::to_string(i) + ".attn", vit->block(i)->attn->lora});
  } else if (const auto tiny = tinyViTEncoder(sam)) {
    const auto blocks = tiny->attentionBlocks();
    const auto& depths = tiny->options().depths();
    size_t b = 0;
    for (size_t stage = 1; stage < depths.size(); ++stage)
      for (int64_t i = 0; i < depths[stage]; ++i, ++b)
        out.push_back({"image_encoder.layers." + std::to_string(stage) + ".blocks." +
                           std::to_string(i) + ".attn",
                       blocks.at(b)->attn->lora});
  } else {
    throw Error("LoRA", "adapters need the ViT or the TinyViT image encoder");
  }
  return out;
}

std::vector<AdaptedAttention> adaptedAttentions(const SamImpl& sam) {
  std::vector<AdaptedAttention> out;
  for (AdaptedAttention& a : attentionModules(sam))
    if (!a.lora.is_empty()) out.push_back(std::move(a));
  return out;
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
  if (tinyViTEncoder(sam)) return applyTinyViTLoRA(sam, options);
  options.validate();
  const auto vit = sam.vitEncoder();
  if (!vit) throw Error("LoRA", "adapters need the ViT or the TinyViT image encoder");
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
  if (!sam.vitEncoder() && !tinyViTEncoder(sam)) return false;
  return !adaptedAttentions(sam).empty();
}

std::vector<LoRAQkv> loraAdapters(const SamImpl& sam) {
  std::vector<LoRAQkv> adapters;
  for (const AdaptedAttention& a : adaptedAttentions(sam)) adapters.push_back(a.lora);
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
  std::vector<std::string> paths;
  for (const AdaptedAttention& a : adaptedAttentions(sam)) paths.push_back(a.path);

  LoRAFileLayout layout = LoRAFileLayout::Adapters;
  for (const auto& kv : tensors)
    if (isDecoderOrPromptKey(kv.first)) layout = LoRAFileLayout::Sfr;

  // w_a_NNN / w_b_NNN -> <attention path>.lora.linear_<a|b>_<q|v>.weight; an index beyond the
  // adapters keeps its name and is reported as unexpected.
  auto rename = [&paths](const std::string& key) -> std::string {
    const bool isA = key.rfind("w_a_", 0) == 0, isB = key.rfind("w_b_", 0) == 0;
    if ((!isA && !isB) || key.size() <= 4) return key;
    const std::string digits = key.substr(4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) return key;
    const size_t index = std::stoul(digits);
    if (index / 2 >= paths.size()) return key;
    return paths[index / 2] + ".lora.linear_" + (isA ? "a" : "b") + (index % 2 == 0 ? "_q" : "_v") +
           ".weight";
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
