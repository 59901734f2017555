#include "sfr/ui/model/slice_renderer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sfr/ui/model/label_colors.h"

namespace sfr::ui {

QImage renderSlice(const ImageVolume& image, const LabelVolume* label, SliceAxis axis, int slice,
                   const SliceRenderSettings& settings) {
  const Geometry& g = image.geometry();
  const SliceMapping m = sliceMapping(g, axis);
  const int fixed = m.fixedDim;
  if (slice < 0 || slice >= static_cast<int>(g.size[fixed]))
    throw Error("slice", "index " + std::to_string(slice) + " is outside 0.." +
                             std::to_string(static_cast<long long>(g.size[fixed]) - 1));
  if (label) requireSameGrid(g, label->geometry(), "label overlay");

  const SlicePlane plane = slicePlane(g, axis);
  QImage picture(plane.width, plane.height, QImage::Format_RGB32);
  const double a = std::clamp(settings.labelOpacity, 0.0, 1.0);
  // Grey lookup is per voxel (float input); label blending is per channel on 0..255 integers.
  const auto blend = [a](int grey, int colour) {
    return static_cast<int>(std::lround((1.0 - a) * grey + a * colour));
  };
  VoxelIndex v{0, 0, 0};
  v[fixed] = slice;
  for (int y = 0; y < plane.height; ++y) {
    auto* row = reinterpret_cast<QRgb*>(picture.scanLine(y));
    v[m.vertical.dim] = m.vertical.reversed ? plane.height - 1 - y : y;
    for (int x = 0; x < plane.width; ++x) {
      v[m.horizontal.dim] = m.horizontal.reversed ? plane.width - 1 - x : x;
      const std::size_t n = image.linearIndex(v[0], v[1], v[2]);
      const int grey = greyValue(image.voxels()[n], settings.windowLevel);
      QRgb out = qRgb(grey, grey, grey);
      if (label && a > 0.0) {
        const std::uint8_t l = label->voxels()[n];
        if (isDrawnLabel(l)) {
          const QRgb c = labelColor(l);
          out = qRgb(blend(grey, qRed(c)), blend(grey, qGreen(c)), blend(grey, qBlue(c)));
        }
      }
      row[x] = out;
    }
  }
  return picture;
}

}  // namespace sfr::ui
