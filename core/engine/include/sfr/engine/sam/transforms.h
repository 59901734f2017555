#pragma once
// SAM's ResizeLongestSide (segment_anything/utils/transforms.py, spec §3.4): images are resized so
// that the longest side equals the encoder size, prompts are scaled with them.
//
// The official image path resizes uint8 HxWxC arrays with PIL's bilinear filter (through
// torchvision's to_pil_image + resize). resizeBilinearPil() reproduces Pillow's fixed-point
// two-pass resampler exactly, so preprocessed inputs equal Python's byte for byte.
#include <array>
#include <cstdint>

#include <torch/torch.h>

namespace sfr::engine {

/// Pillow's Image.resize(..., BILINEAR) of a uint8 [H, W, C] tensor (any C): separable triangle
/// filter whose support widens when downscaling (antialiasing), coefficients in 22-bit fixed
/// point, horizontal pass first with a rounded uint8 intermediate. Returns [outH, outW, C] uint8.
torch::Tensor resizeBilinearPil(const torch::Tensor& image_hwc, int64_t out_h, int64_t out_w);

class ResizeLongestSide {
 public:
  explicit ResizeLongestSide(int64_t target_length) : target_length_(target_length) {}

  /// (newH, newW) with the longest side = target: int(old * target / max(h, w) + 0.5).
  static std::array<int64_t, 2> getPreprocessShape(int64_t old_h, int64_t old_w,
                                                   int64_t target_length);

  /// uint8 [H, W, C] -> uint8 [newH, newW, C] (PIL bilinear, as the official predictor).
  torch::Tensor applyImage(const torch::Tensor& image_hwc) const;

  /// Float [B, C, H, W] images -> resized with bilinear + antialias (apply_image_torch).
  torch::Tensor applyImageTorch(const torch::Tensor& images) const;

  /// [..., 2] (x, y) in the original frame -> float32 in the resized frame (scaled in double,
  /// as numpy does before the predictor converts to float32).
  torch::Tensor applyCoords(const torch::Tensor& coords,
                            std::array<int64_t, 2> original_size) const;

  /// [..., 4] (x0, y0, x1, y1) -> [N, 4] float32 in the resized frame.
  torch::Tensor applyBoxes(const torch::Tensor& boxes, std::array<int64_t, 2> original_size) const;

  int64_t targetLength() const { return target_length_; }

 private:
  int64_t target_length_;
};

}  // namespace sfr::engine
