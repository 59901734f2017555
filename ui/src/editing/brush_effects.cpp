#include "sfr/ui/editing/brush_effects.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sfr::ui {

std::vector<VoxelIndex> brushOffsets(const Vec3& spacing, double radiusMm, int fixedDim,
                                     bool sphere) {
  int reach[3];
  for (int d = 0; d < 3; ++d)
    reach[d] = (!sphere && d == fixedDim) ? 0 : static_cast<int>(std::floor(radiusMm / spacing[d]));
  const double r2 = radiusMm * radiusMm;
  std::vector<VoxelIndex> offsets;
  for (int dk = -reach[2]; dk <= reach[2]; ++dk)
    for (int dj = -reach[1]; dj <= reach[1]; ++dj)
      for (int di = -reach[0]; di <= reach[0]; ++di) {
        const double x = di * spacing[0], y = dj * spacing[1], z = dk * spacing[2];
        if (x * x + y * y + z * z <= r2) offsets.push_back({di, dj, dk});
      }
  if (offsets.empty()) offsets.push_back({0, 0, 0});  // a zero or NaN radius paints the centre
  return offsets;
}

std::vector<VoxelIndex> voxelLine(const VoxelIndex& from, const VoxelIndex& to) {
  int steps = 0;
  for (int d = 0; d < 3; ++d) steps = std::max(steps, std::abs(to[d] - from[d]));
  std::vector<VoxelIndex> line;
  line.reserve(static_cast<std::size_t>(steps) + 1);
  for (int s = 0; s <= steps; ++s) {
    VoxelIndex v;
    for (int d = 0; d < 3; ++d)
      v[d] = steps == 0 ? from[d]
                        : from[d] + static_cast<int>(std::lround(static_cast<double>(s) *
                                                                 (to[d] - from[d]) / steps));
    line.push_back(v);
  }
  return line;
}

bool BrushStrokeEffect::usesSetting(EffectSetting setting) const {
  return setting == EffectSetting::BrushSize || setting == EffectSetting::ThreeD;
}

void BrushStrokeEffect::beginStroke(EditContext& context, const StrokePoint& point) {
  last_ = point.voxel;
  stamp(context, point.axis, point.voxel);
}

void BrushStrokeEffect::continueStroke(EditContext& context, const StrokePoint& point) {
  if (point.voxel == last_) return;
  const std::vector<VoxelIndex> line = voxelLine(last_, point.voxel);
  // The first voxel of the line was stamped by the previous event.
  for (std::size_t s = 1; s < line.size(); ++s) stamp(context, point.axis, line[s]);
  last_ = point.voxel;
}

bool BrushStrokeEffect::endStroke(EditContext& context, const StrokePoint& point) {
  continueStroke(context, point);
  return true;
}

void BrushStrokeEffect::stamp(EditContext& context, SliceAxis axis, const VoxelIndex& centre) {
  const Geometry& g = context.image.geometry();
  const int fixed = fixedDimension(g, axis);
  const std::vector<VoxelIndex> offsets =
      brushOffsets(g.spacing, context.options.brushRadiusMm, fixed, context.options.threeD);
  const int n[3] = {static_cast<int>(g.size[0]), static_cast<int>(g.size[1]),
                    static_cast<int>(g.size[2])};
  for (const VoxelIndex& o : offsets) {
    const int i = centre[0] + o[0], j = centre[1] + o[1], k = centre[2] + o[2];
    if (i < 0 || j < 0 || k < 0 || i >= n[0] || j >= n[1] || k >= n[2]) continue;
    apply(context, static_cast<std::size_t>(i) +
                       static_cast<std::size_t>(n[0]) *
                           (static_cast<std::size_t>(j) + static_cast<std::size_t>(n[1]) * k));
  }
}

QString BrushEffect::hint() const {
  return tr("Drag to paint the active label; the brush size is in millimetres.");
}

void BrushEffect::apply(EditContext& context, std::size_t n) {
  context.session.paint(n);
}

QString EraserEffect::hint() const {
  return tr("Drag to erase the active label (every unlocked label when overwriting).");
}

void EraserEffect::apply(EditContext& context, std::size_t n) {
  context.session.erase(n);
}

QString ThresholdBrushEffect::hint() const {
  return tr("Drag to paint only voxels whose intensity lies in the threshold range.");
}

bool ThresholdBrushEffect::usesSetting(EffectSetting setting) const {
  return BrushStrokeEffect::usesSetting(setting) || setting == EffectSetting::ThresholdRange;
}

void ThresholdBrushEffect::apply(EditContext& context, std::size_t n) {
  const double v = context.image.data()[n];
  if (v >= context.options.thresholdLower && v <= context.options.thresholdUpper)
    context.session.paint(n);
}

}  // namespace sfr::ui
