#include "sfr/ui/editing/label_overlay.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

void blendLabelOverlay(QImage& picture, const LabelVolume& label, SliceAxis axis, int slice,
                       double opacity, const LabelTable& table) {
  const Geometry& g = label.geometry();
  const SliceMapping m = sliceMapping(g, axis);
  const SlicePlane plane = slicePlane(g, axis);
  if (slice < 0 || slice >= static_cast<int>(g.size[m.fixedDim]))
    throw Error("label overlay", "slice " + std::to_string(slice) + " is out of range");
  if (picture.width() != plane.width || picture.height() != plane.height)
    throw Error("label overlay", "the picture does not have the slice's size");
  const double a = std::clamp(opacity, 0.0, 1.0);
  if (a <= 0.0) return;
  if (picture.format() != QImage::Format_RGB32)
    picture = picture.convertToFormat(QImage::Format_RGB32);

  // One lookup per label value instead of per pixel: drawn or not, and its colour.
  std::array<bool, 256> drawn{};
  std::array<QRgb, 256> colour{};
  for (int l = 0; l < 256; ++l) {
    drawn[l] = table.isDrawn(static_cast<std::uint8_t>(l));
    colour[l] = table.color(static_cast<std::uint8_t>(l));
  }
  const auto blend = [a](int grey, int c) {
    return static_cast<int>(std::lround((1.0 - a) * grey + a * c));
  };
  VoxelIndex v{0, 0, 0};
  v[m.fixedDim] = slice;
  for (int y = 0; y < plane.height; ++y) {
    auto* row = reinterpret_cast<QRgb*>(picture.scanLine(y));
    v[m.vertical.dim] = m.vertical.reversed ? plane.height - 1 - y : y;
    for (int x = 0; x < plane.width; ++x) {
      v[m.horizontal.dim] = m.horizontal.reversed ? plane.width - 1 - x : x;
      const std::uint8_t l = label.at(v[0], v[1], v[2]);
      if (!drawn[l]) continue;
      const int grey = qRed(row[x]);  // the picture under the overlay is grey
      const QRgb c = colour[l];
      row[x] = qRgb(blend(grey, qRed(c)), blend(grey, qGreen(c)), blend(grey, qBlue(c)));
    }
  }
}

}  // namespace sfr::ui
