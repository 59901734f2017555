#include "sfr/ui/editing/flood_fill_effect.h"

#include <cmath>
#include <vector>

namespace sfr::ui {

std::vector<std::size_t> floodRegion(const ImageVolume& image, const LabelVolume& label,
                                     SliceAxis axis, const VoxelIndex& seed,
                                     const EditOptions& options) {
  const Geometry& g = image.geometry();
  requireSameGrid(g, label.geometry(), "flood fill");
  const std::ptrdiff_t n[3] = {static_cast<std::ptrdiff_t>(g.size[0]),
                               static_cast<std::ptrdiff_t>(g.size[1]),
                               static_cast<std::ptrdiff_t>(g.size[2])};
  for (int d = 0; d < 3; ++d)
    if (seed[d] < 0 || seed[d] >= n[d]) return {};
  const int fixed = fixedDimension(g, axis);
  const std::size_t start = label.linearIndex(seed[0], seed[1], seed[2]);
  const float* intensity = image.data();
  const std::uint8_t* labels = label.data();
  const float seedIntensity = intensity[start];
  const std::uint8_t seedLabel = labels[start];
  const bool byIntensity = options.floodMode == FloodFillMode::Intensity;
  const auto belongs = [&](std::size_t v) {
    return byIntensity ? std::abs(static_cast<double>(intensity[v]) - seedIntensity) <=
                             options.floodTolerance
                       : labels[v] == seedLabel;
  };

  std::vector<bool> visited(label.voxelCount(), false);
  std::vector<std::size_t> region;
  std::vector<std::size_t> stack{start};
  visited[start] = true;
  const std::ptrdiff_t stride[3] = {1, n[0], n[0] * n[1]};
  while (!stack.empty()) {
    const std::size_t v = stack.back();
    stack.pop_back();
    region.push_back(v);
    const std::ptrdiff_t idx[3] = {static_cast<std::ptrdiff_t>(v) % n[0],
                                   (static_cast<std::ptrdiff_t>(v) / n[0]) % n[1],
                                   static_cast<std::ptrdiff_t>(v) / (n[0] * n[1])};
    for (int d = 0; d < 3; ++d) {
      if (!options.threeD && d == fixed) continue;  // stay in the slice
      for (const int step : {-1, 1}) {
        const std::ptrdiff_t c = idx[d] + step;
        if (c < 0 || c >= n[d]) continue;
        const std::size_t w =
            static_cast<std::size_t>(static_cast<std::ptrdiff_t>(v) + step * stride[d]);
        if (visited[w] || !belongs(w)) continue;
        visited[w] = true;
        stack.push_back(w);
      }
    }
  }
  return region;
}

QString FloodFillEffect::hint() const {
  return tr("Click a region to fill it with the active label (same label or intensity range).");
}

bool FloodFillEffect::usesSetting(EffectSetting setting) const {
  return setting == EffectSetting::FloodFill || setting == EffectSetting::ThreeD;
}

void FloodFillEffect::beginStroke(EditContext& context, const StrokePoint& point) {
  for (const std::size_t v : floodRegion(context.image, context.session.label(), point.axis,
                                         point.voxel, context.options))
    context.session.paint(v);
}

}  // namespace sfr::ui
