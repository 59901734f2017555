#include "sfr/engine/sam/transforms.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

// Pillow (libImaging/Resample.c): 8 bits of result, 2 bits of headroom for negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;

double bilinearFilter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Fixed-point coefficients of one axis: for output i, input taps [first[i], first[i]+count[i]).
struct AxisCoefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> k;  // outSize * ksize
};

// precompute_coeffs + normalize_coeffs_8bpc for the whole input range (box = [0, inSize)).
AxisCoefficients precompute(int inSize, int outSize) {
  const float in0 = 0.0f, in1 = static_cast<float>(inSize);
  const double scale = static_cast<double>(in1 - in0) / outSize;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;  // bilinear support 1
  AxisCoefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(outSize);
  c.count.resize(outSize);
  c.k.assign(static_cast<size_t>(outSize) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int xx = 0; xx < outSize; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // C truncation, as Pillow
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = bilinearFilter((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      const double scaled = v * (1 << kPrecisionBits);
      c.k[static_cast<size_t>(xx) * c.ksize + x] =
          static_cast<int32_t>(v < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t clip8(int32_t in) {
  const int32_t v = in >> kPrecisionBits;  // arithmetic shift, as Pillow's lookup table index
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

}  // namespace

torch::Tensor resizeBilinearPil(const torch::Tensor& image_hwc, int64_t out_h, int64_t out_w) {
  if (image_hwc.dim() != 3 || image_hwc.scalar_type() != torch::kUInt8)
    throw Error("SAM image", "expected a uint8 [H, W, C] image, got " +
                                 std::string(c10::toString(image_hwc.scalar_type())) + " " +
                                 c10::str(image_hwc.sizes()));
  if (out_h < 1 || out_w < 1) throw Error("SAM image", "resize target must be positive");
  const torch::Tensor in = image_hwc.contiguous().cpu();
  const int H = static_cast<int>(in.size(0)), W = static_cast<int>(in.size(1));
  const int C = static_cast<int>(in.size(2));
  const int OH = static_cast<int>(out_h), OW = static_cast<int>(out_w);
  if (OH == H && OW == W) return in.clone();

  const bool needHorizontal = OW != W;
  const bool needVertical = OH != H;
  const AxisCoefficients vert = precompute(H, OH);
  // Rows of the source the vertical pass reads; the horizontal pass only produces these.
  const int yFirst = vert.first[0];
  const int yLast = vert.first[OH - 1] + vert.count[OH - 1];

  const uint8_t* src = in.data_ptr<uint8_t>();
  std::vector<uint8_t> temp;
  const uint8_t* rows = src;  // image the vertical pass reads, row 0 = source row `rowOffset`
  int rowOffset = 0;
  int rowsWidth = W;
  if (needHorizontal) {
    const AxisCoefficients hor = precompute(W, OW);
    const int tempH = yLast - yFirst;
    temp.resize(static_cast<size_t>(tempH) * OW * C);
    for (int yy = 0; yy < tempH; ++yy) {
      const uint8_t* line = src + static_cast<size_t>(yy + yFirst) * W * C;
      for (int xx = 0; xx < OW; ++xx) {
        const int32_t* k = &hor.k[static_cast<size_t>(xx) * hor.ksize];
        for (int ch = 0; ch < C; ++ch) {
          int32_t ss = 1 << (kPrecisionBits - 1);
          for (int x = 0; x < hor.count[xx]; ++x)
            ss += static_cast<int32_t>(line[(x + hor.first[xx]) * C + ch]) * k[x];
          temp[(static_cast<size_t>(yy) * OW + xx) * C + ch] = clip8(ss);
        }
      }
    }
    rows = temp.data();
    rowOffset = yFirst;
    rowsWidth = OW;
  }
  if (!needVertical) {
    return torch::from_blob(const_cast<uint8_t*>(rows), {H, rowsWidth, C}, torch::kUInt8).clone();
  }
  torch::Tensor out = torch::empty({OH, rowsWidth, C}, torch::kUInt8);
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int yy = 0; yy < OH; ++yy) {
    const int32_t* k = &vert.k[static_cast<size_t>(yy) * vert.ksize];
    const int ymin = vert.first[yy] - rowOffset;
    for (int xx = 0; xx < rowsWidth; ++xx) {
      for (int ch = 0; ch < C; ++ch) {
        int32_t ss = 1 << (kPrecisionBits - 1);
        for (int y = 0; y < vert.count[yy]; ++y)
          ss += static_cast<int32_t>(
                    rows[(static_cast<size_t>(y + ymin) * rowsWidth + xx) * C + ch]) *
                k[y];
        dst[(static_cast<size_t>(yy) * rowsWidth + xx) * C + ch] = clip8(ss);
      }
    }
  }
  return out;
}

std::array<int64_t, 2> ResizeLongestSide::getPreprocessShape(int64_t old_h, int64_t old_w,
                                                             int64_t target_length) {
  const double scale = target_length * 1.0 / static_cast<double>(std::max(old_h, old_w));
  const double new_h = old_h * scale, new_w = old_w * scale;
  return {static_cast<int64_t>(new_h + 0.5), static_cast<int64_t>(new_w + 0.5)};
}

torch::Tensor ResizeLongestSide::applyImage(const torch::Tensor& image_hwc) const {
  const auto size = getPreprocessShape(image_hwc.size(0), image_hwc.size(1), target_length_);
  return resizeBilinearPil(image_hwc, size[0], size[1]);
}

torch::Tensor ResizeLongestSide::applyImageTorch(const torch::Tensor& images) const {
  if (images.dim() != 4) throw Error("SAM image", "expected [B, C, H, W] images");
  const auto size = getPreprocessShape(images.size(2), images.size(3), target_length_);
  namespace F = torch::nn::functional;
  return F::interpolate(images, F::InterpolateFuncOptions()
                                    .size(std::vector<int64_t>{size[0], size[1]})
                                    .mode(torch::kBilinear)
                                    .align_corners(false)
                                    .antialias(true));
}

torch::Tensor ResizeLongestSide::applyCoords(const torch::Tensor& coords,
                                             std::array<int64_t, 2> original_size) const {
  if (coords.size(-1) != 2) throw Error("SAM prompts", "coordinates must be [..., 2] (x, y)");
  const int64_t old_h = original_size[0], old_w = original_size[1];
  const auto size = getPreprocessShape(old_h, old_w, target_length_);
  torch::Tensor c = coords.to(torch::kDouble).clone();
  c.select(-1, 0).mul_(static_cast<double>(size[1]) / static_cast<double>(old_w));
  c.select(-1, 1).mul_(static_cast<double>(size[0]) / static_cast<double>(old_h));
  return c.to(torch::kFloat);
}

torch::Tensor ResizeLongestSide::applyBoxes(const torch::Tensor& boxes,
                                            std::array<int64_t, 2> original_size) const {
  if (boxes.size(-1) != 4) throw Error("SAM prompts", "boxes must be [..., 4]");
  return applyCoords(boxes.reshape({-1, 2, 2}), original_size).reshape({-1, 4});
}

}  // namespace sfr::engine
