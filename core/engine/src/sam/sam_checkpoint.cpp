#include "sfr/engine/sam/sam_checkpoint.h"

#include <algorithm>
#include <regex>
#include <unordered_map>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

namespace F = torch::nn::functional;

// SFR's load_from drops every key containing one of these (spec §3.6).
const char* const kHeadParts[] = {"mask_tokens", "output_hypernetworks_mlps",
                                  "iou_prediction_head"};

bool isHeadKey(const std::string& key) {
  for (const char* part : kHeadParts)
    if (key.find(part) != std::string::npos) return true;
  return false;
}

bool isLoRAKey(const std::string& key) {
  return key.find(".attn.lora.") != std::string::npos;
}

void walk(const torch::nn::Module& m, const std::string& prefix, NamedTensors& out) {
  for (const auto& p : m.named_parameters(/*recurse=*/false))
    if (p.value().defined()) out.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : m.named_buffers(/*recurse=*/false))
    if (b.value().defined()) out.emplace_back(prefix + b.key(), b.value());
  for (const auto& c : m.named_children()) walk(*c.value(), prefix + c.key() + ".", out);
}

std::vector<std::string> loraKeys(const SamImpl& sam) {
  std::vector<std::string> keys;
  for (const auto& [key, tensor] : stateDictInPythonOrder(sam))
    if (isLoRAKey(key)) keys.push_back(key);
  return keys;
}

// True when the file holds exactly the model's non-LoRA keys with the same shapes.
bool fitsWhole(const SamImpl& sam, const NamedTensors& tensors) {
  std::unordered_map<std::string, std::vector<int64_t>> model;
  for (const auto& [key, tensor] : stateDictInPythonOrder(sam))
    if (!isLoRAKey(key)) model.emplace(key, tensor.sizes().vec());
  if (model.size() != tensors.size()) return false;
  for (const auto& [key, tensor] : tensors) {
    const auto it = model.find(key);
    if (it == model.end() || it->second != tensor.sizes().vec()) return false;
  }
  return true;
}

torch::Tensor bilinear(const torch::Tensor& x, int64_t h, int64_t w) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{h, w})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace

NamedTensors stateDictInPythonOrder(const torch::nn::Module& module) {
  NamedTensors out;
  walk(module, "", out);
  return out;
}

LoadReport loadSamCheckpoint(SamImpl& sam, const NamedTensors& tensors, const std::string& source) {
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes(loraKeys(sam));
  const auto vit = sam.vitEncoder();
  if (!vit) return loadStateDict(sam, tensors, options);
  return loadStateDict(sam, resizeSamPositionTables(tensors, vit->options()), options);
}

LoadReport loadSamCheckpoint(SamImpl& sam, const std::filesystem::path& path) {
  return loadSamCheckpoint(sam, readStateDict(path), path.string());
}

NamedTensors resizeSamPositionTables(const NamedTensors& tensors,
                                     const ImageEncoderViTOptions& target,
                                     std::vector<std::string>* resized) {
  const int64_t t = target.gridSize();
  NamedTensors out = tensors;
  auto pos = std::find_if(out.begin(), out.end(),
                          [](const auto& kv) { return kv.first == "image_encoder.pos_embed"; });
  if (pos == out.end() || pos->second.dim() != 4 || pos->second.size(1) == t) return out;

  torch::NoGradGuard noGrad;
  pos->second = bilinear(pos->second.permute({0, 3, 1, 2}), t, t).permute({0, 2, 3, 1});
  if (resized) resized->push_back(pos->first);
  static const std::regex relPos(R"(image_encoder\.blocks\.(\d+)\.attn\.rel_pos_[hw])");
  for (auto& [key, tensor] : out) {
    std::smatch m;
    if (!std::regex_match(key, m, relPos) || !target.isGlobal(std::stoll(m[1].str()))) continue;
    if (tensor.dim() != 2) continue;  // left for the shape check to report
    tensor = bilinear(tensor.unsqueeze(0).unsqueeze(0), 2 * t - 1, tensor.size(1))[0][0];
    if (resized) resized->push_back(key);
  }
  return out;
}

SfrBaseLoadReport loadSamBaseForSfr(SamImpl& sam, const NamedTensors& tensors,
                                    const std::string& source) {
  const auto vit = sam.vitEncoder();
  if (!vit) throw Error(source, "SFR base-weight loading needs a ViT image encoder");
  SfrBaseLoadReport report;
  if (fitsWhole(sam, tensors)) {
    report.loaded_whole = true;
    report.load = loadSamCheckpoint(sam, tensors, source);
    return report;
  }
  NamedTensors kept;
  for (const auto& kv : tensors) {
    if (isHeadKey(kv.first))
      report.skipped_head.push_back(kv.first);
    else
      kept.push_back(kv);
  }
  kept = resizeSamPositionTables(kept, vit->options(), &report.resized);

  std::vector<std::string> allowMissing = loraKeys(sam);
  for (const auto& [key, tensor] : stateDictInPythonOrder(sam))
    if (isHeadKey(key)) allowMissing.push_back(key);
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes(allowMissing);
  report.load = loadStateDict(sam, kept, options);
  return report;
}

SfrBaseLoadReport loadSamBaseForSfr(SamImpl& sam, const std::filesystem::path& path) {
  return loadSamBaseForSfr(sam, readStateDict(path), path.string());
}

}  // namespace sfr::engine
