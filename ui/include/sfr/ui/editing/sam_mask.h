#pragma once
// The 2D pieces of SAM-assisted labelling that need no worker: the grey slice the worker embeds
// (exactly the picture the slice view shows, before the label overlay, so SAM sees what the
// person sees) and the binary masks it answers with, both in picture pixels of slice_plane.h.
#include <QByteArray>
#include <QJsonArray>
#include <QPoint>
#include <QRect>
#include <cstdint>
#include <optional>
#include <vector>

#include "sfr/base/volume.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/window_level.h"

namespace sfr::ui {

/// A binary mask over the picture of one slice: bits[y * width + x] is 1 inside.
struct SamMask {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> bits;

  bool contains(int x, int y) const {
    return x >= 0 && y >= 0 && x < width && y < height &&
           bits[static_cast<std::size_t>(y) * width + x] != 0;
  }
  /// Number of pixels inside.
  int area() const;
  /// Smallest rectangle holding every pixel inside; none for an empty mask.
  std::optional<QRect> bounds() const;

  /// The worker's "mask_rle": run lengths alternating outside/inside, starting outside.
  /// Throws sfr::Error when the runs are not non-negative integers summing to width * height.
  static SamMask fromRunLengths(const QJsonArray& runs, int width, int height);
};

/// The pixel inside `mask` farthest from every pixel outside it (the maximum of the Euclidean
/// distance transform of the outside, with pixels `pixelWidth` x `pixelHeight` mm; the first in
/// row-major order on ties): a point that lies well inside the structure, away from its edges.
/// None for an empty mask. Pixels beyond the picture do not count as outside.
std::optional<QPoint> deepestPoint(const SamMask& mask, double pixelWidth = 1.0,
                                   double pixelHeight = 1.0);

/// Dice of two masks of the same size (1 when both are empty).
double diceOf(const SamMask& a, const SamMask& b);

/// Grey bytes (row-major, width * height of slicePlane()) of slice `slice` along `axis`:
/// greyValue() of each voxel under `windowLevel`, laid out like renderSlice()'s picture.
QByteArray sliceGreyPixels(const ImageVolume& image, SliceAxis axis, int slice,
                           const WindowLevel& windowLevel);

}  // namespace sfr::ui
