#include "sfr/engine/stitcher.h"

#include <cmath>

#include "sfr/base/error.h"

namespace sfr::engine {

namespace {

// Resize the last two dims with SimpleITK's index mapping (output i samples input i * old / new,
// no half-pixel centring; spec §2.3). Separable; bilinear or nearest (round half up).
torch::Tensor resizeAxis(const torch::Tensor& t, int64_t dim, int64_t newSize, bool nearest) {
  const int64_t old = t.size(dim);
  if (old == newSize) return t;
  auto opts = torch::TensorOptions().device(t.device());
  auto src = torch::arange(newSize, opts.dtype(torch::kDouble)) * (double(old) / newSize);
  if (nearest) {
    auto idx = torch::floor(src + 0.5).clamp_max(old - 1).to(torch::kLong);
    return t.index_select(dim, idx);
  }
  auto i0 = torch::floor(src).clamp_max(old - 1);
  auto w = (src - i0).to(t.scalar_type());
  auto lo = i0.to(torch::kLong);
  auto hi = (lo + 1).clamp_max(old - 1);
  std::vector<int64_t> shape(t.dim(), 1);
  shape[dim] = newSize;
  w = w.view(shape);
  return t.index_select(dim, lo) * (1 - w) + t.index_select(dim, hi) * w;
}

torch::Tensor resize2d(const torch::Tensor& t, int64_t rows, int64_t cols, bool nearest) {
  return resizeAxis(resizeAxis(t, t.dim() - 2, rows, nearest), t.dim() - 1, cols, nearest);
}

}  // namespace

Stitcher::Stitcher(StitchLayout layout) : layout_(std::move(layout)) {
  if (layout_.settings().mode != StitchMode::Released) return;
  const int64_t X = layout_.crop()[0], Y = layout_.crop()[1], S = layout_.canvasSize();
  for (const StitchChunk& chunk : layout_.chunks()) {
    const int64_t depth = static_cast<int64_t>(chunk.tiles.size());
    auto index = torch::empty({X * Y * depth}, torch::kLong);
    auto* p = index.data_ptr<int64_t>();
    for (int64_t x = 0; x < X; ++x)
      for (int64_t y = 0; y < Y; ++y)
        for (int64_t z = 0; z < depth; ++z) {
          const TileRect& t = chunk.tiles[z];
          *p++ = (t.row0 + y) * S + (t.col0 + x);
        }
    pixelIndex_.push_back(index);
  }
}

namespace {
torch::Tensor asCrops(const torch::Tensor& crops, const Size3& crop, const char* what) {
  torch::Tensor x = crops;
  if (x.dim() == 5 && x.size(1) == 1) x = x.squeeze(1);
  if (x.dim() != 4 || x.size(1) != int64_t(crop[0]) || x.size(2) != int64_t(crop[1]) ||
      x.size(3) != int64_t(crop[2]))
    throw Error(std::string("Stitcher::") + what,
                "expected [B, X, Y, Z] = [B, " + std::to_string(crop[0]) + ", " +
                    std::to_string(crop[1]) + ", " + std::to_string(crop[2]) + "], got " +
                    c10::str(x.sizes()));
  return x;
}
}  // namespace

torch::Tensor Stitcher::stitchImages(const torch::Tensor& crops) const {
  auto x = asCrops(crops, layout_.crop(), "stitchImages");
  if (!x.is_floating_point()) x = x.to(torch::kFloat);
  if (layout_.settings().mode == StitchMode::Resample) return placeResampled(x, false, 0.0);
  const int64_t B = x.size(0), m = chunksPerCrop(), S = layout_.canvasSize();
  auto out = torch::zeros({B, m, S * S}, x.options());
  for (int64_t c = 0; c < m; ++c) {
    const auto& chunk = layout_.chunks()[c];
    auto src =
        x.narrow(3, chunk.firstSlice, static_cast<int64_t>(chunk.tiles.size())).reshape({B, -1});
    out.select(1, c).index_copy_(1, pixelIndex_[c].to(x.device()), src);
  }
  return out.view({B * m, S, S});
}

torch::Tensor Stitcher::stitchLabels(const torch::Tensor& labels) const {
  auto x = asCrops(labels, layout_.crop(), "stitchLabels").to(torch::kLong);
  if (layout_.settings().mode == StitchMode::Resample) return placeResampled(x, true, 255.0);
  const int64_t B = x.size(0), m = chunksPerCrop(), S = layout_.canvasSize();
  auto out = torch::full({B, m, S * S}, 255, x.options());
  for (int64_t c = 0; c < m; ++c) {
    const auto& chunk = layout_.chunks()[c];
    auto src =
        x.narrow(3, chunk.firstSlice, static_cast<int64_t>(chunk.tiles.size())).reshape({B, -1});
    out.select(1, c).index_copy_(1, pixelIndex_[c].to(x.device()), src);
  }
  return out.view({B * m, S, S});
}

torch::Tensor Stitcher::placeResampled(const torch::Tensor& x, bool nearest, double fill) const {
  const int64_t B = x.size(0), m = chunksPerCrop(), S = layout_.canvasSize();
  auto out = torch::full({B, m, S, S}, fill, x.options());
  for (int64_t c = 0; c < m; ++c) {
    const auto& chunk = layout_.chunks()[c];
    const int64_t depth = static_cast<int64_t>(chunk.tiles.size());
    // [B, X, Y, depth] -> [B, depth, Y, X]: slice k is vol[:, :, k] transposed (§1.2).
    auto slices = x.narrow(3, chunk.firstSlice, depth).permute({0, 3, 2, 1});
    const TileRect& t0 = chunk.tiles[0];
    auto work = nearest ? slices : slices.to(torch::kFloat);
    auto resized = resize2d(work, t0.rows, t0.cols, nearest).to(x.scalar_type());
    for (int64_t z = 0; z < depth; ++z) {
      const TileRect& t = chunk.tiles[z];
      out.select(1, c)
          .narrow(1, t.row0, t.rows)
          .narrow(2, t.col0, t.cols)
          .copy_(resized.select(1, z));
    }
  }
  return out.view({B * m, S, S});
}

torch::Tensor Stitcher::gatherResampled(const torch::Tensor& canvases) const {
  // canvases [B, m, C, S, S] -> [B, C, X, Y, Z] summed over chunks (caller divides by coverage).
  const int64_t B = canvases.size(0), C = canvases.size(2);
  const int64_t X = layout_.crop()[0], Y = layout_.crop()[1], Z = layout_.crop()[2];
  const bool labels = !canvases.is_floating_point();
  auto out = torch::zeros({B, C, X, Y, Z}, canvases.options());
  for (int64_t c = 0; c < chunksPerCrop(); ++c) {
    const auto& chunk = layout_.chunks()[c];
    std::vector<torch::Tensor> slices;
    for (const TileRect& t : chunk.tiles)
      slices.push_back(canvases.select(1, c).narrow(2, t.row0, t.rows).narrow(3, t.col0, t.cols));
    auto tiles = torch::stack(slices, 2);  // [B, C, depth, rows, cols]
    auto back = resize2d(labels ? tiles : tiles.to(torch::kFloat), Y, X, labels);
    auto vol = back.to(canvases.scalar_type()).permute({0, 1, 4, 3, 2});  // [B, C, X, Y, depth]
    auto dst = out.narrow(4, chunk.firstSlice, static_cast<int64_t>(chunk.tiles.size()));
    if (labels)
      dst.copy_(vol);
    else
      dst.add_(vol);
  }
  return out;
}

torch::Tensor Stitcher::unstitchProbabilities(const torch::Tensor& canvases) const {
  const int64_t m = chunksPerCrop(), S = layout_.canvasSize();
  if (canvases.dim() != 4 || canvases.size(0) % m != 0 || canvases.size(2) != S ||
      canvases.size(3) != S)
    throw Error("Stitcher::unstitchProbabilities",
                "expected [B*" + std::to_string(m) + ", C, " + std::to_string(S) + ", " +
                    std::to_string(S) + "], got " + c10::str(canvases.sizes()));
  const int64_t B = canvases.size(0) / m, C = canvases.size(1);
  const int64_t X = layout_.crop()[0], Y = layout_.crop()[1], Z = layout_.crop()[2];
  auto v = canvases.view({B, m, C, S, S});
  torch::Tensor out;
  if (layout_.settings().mode == StitchMode::Resample) {
    out = gatherResampled(v);
  } else {
    out = torch::zeros({B, C, X, Y, Z}, canvases.options());
    auto flat = v.reshape({B, m, C, S * S});
    for (int64_t c = 0; c < m; ++c) {
      const auto& chunk = layout_.chunks()[c];
      const int64_t depth = static_cast<int64_t>(chunk.tiles.size());
      auto g = flat.select(1, c).index_select(2, pixelIndex_[c].to(canvases.device()));
      out.narrow(4, chunk.firstSlice, depth).add_(g.view({B, C, X, Y, depth}));
    }
  }
  if (m > 1) {
    std::vector<float> coverage(Z);
    for (int64_t z = 0; z < Z; ++z) coverage[z] = static_cast<float>(layout_.coverage(int(z)));
    auto count = torch::tensor(coverage).to(out.device(), out.scalar_type());
    out.div_(count.view({1, 1, 1, 1, Z}));
  }
  return out;
}

torch::Tensor Stitcher::unstitchLabels(const torch::Tensor& canvases) const {
  const int64_t m = chunksPerCrop(), S = layout_.canvasSize();
  if (canvases.dim() != 3 || canvases.size(0) % m != 0 || canvases.size(1) != S ||
      canvases.size(2) != S)
    throw Error("Stitcher::unstitchLabels", "expected [B*" + std::to_string(m) + ", " +
                                                std::to_string(S) + ", " + std::to_string(S) +
                                                "], got " + c10::str(canvases.sizes()));
  const int64_t B = canvases.size(0) / m;
  const int64_t X = layout_.crop()[0], Y = layout_.crop()[1], Z = layout_.crop()[2];
  auto labels = canvases.to(torch::kLong);
  if (layout_.settings().mode == StitchMode::Resample)
    return gatherResampled(labels.view({B, m, 1, S, S})).squeeze(1);
  auto out = torch::zeros({B, X, Y, Z}, labels.options());
  auto flat = labels.view({B, m, S * S});
  for (int64_t c = 0; c < m; ++c) {
    const auto& chunk = layout_.chunks()[c];
    const int64_t depth = static_cast<int64_t>(chunk.tiles.size());
    auto g = flat.select(1, c).index_select(1, pixelIndex_[c].to(canvases.device()));
    out.narrow(3, chunk.firstSlice, depth).copy_(g.view({B, X, Y, depth}));
  }
  return out;
}

}  // namespace sfr::engine
