#include "sfr/ui/editing/sam_mask.h"

#include <algorithm>
#include <string>

#include "sfr/base/distance_transform.h"
#include "sfr/base/error.h"

namespace sfr::ui {

int SamMask::area() const {
  return static_cast<int>(std::count(bits.begin(), bits.end(), std::uint8_t{1}));
}

std::optional<QRect> SamMask::bounds() const {
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (bits[static_cast<std::size_t>(y) * width + x]) {
        x0 = std::min(x0, x), x1 = std::max(x1, x);
        y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
  if (x1 < 0) return std::nullopt;
  return QRect(QPoint(x0, y0), QPoint(x1, y1));
}

SamMask SamMask::fromRunLengths(const QJsonArray& runs, int width, int height) {
  SamMask m;
  m.width = width;
  m.height = height;
  const auto total = static_cast<std::size_t>(std::max(width, 0)) * std::max(height, 0);
  m.bits.reserve(total);
  std::uint8_t value = 0;
  for (const QJsonValue& r : runs) {
    const qint64 n = r.toInteger(-1);
    if (!r.isDouble() || n < 0 || m.bits.size() + static_cast<std::size_t>(n) > total)
      throw Error("mask_rle", "run lengths do not describe a " + std::to_string(width) + " x " +
                                  std::to_string(height) + " mask");
    m.bits.insert(m.bits.end(), static_cast<std::size_t>(n), value);
    value ^= 1;
  }
  if (m.bits.size() != total)
    throw Error("mask_rle", "runs cover " + std::to_string(m.bits.size()) + " of " +
                                std::to_string(total) + " pixels");
  return m;
}

std::optional<QPoint> deepestPoint(const SamMask& mask, double pixelWidth, double pixelHeight) {
  if (mask.area() == 0) return std::nullopt;
  std::vector<std::uint8_t> outside(mask.bits.size());
  for (std::size_t n = 0; n < outside.size(); ++n) outside[n] = mask.bits[n] ? 0 : 1;
  // A mask filling the whole picture has no outside: every pixel is as deep, the first wins.
  const std::vector<double> depth = distanceTransform(
      outside.data(),
      Size3{static_cast<std::size_t>(mask.width), static_cast<std::size_t>(mask.height), 1},
      Vec3{pixelWidth, pixelHeight, 1.0});
  std::size_t best = mask.bits.size();
  for (std::size_t n = 0; n < depth.size(); ++n)
    if (mask.bits[n] && (best == mask.bits.size() || depth[n] > depth[best])) best = n;
  return QPoint(static_cast<int>(best % static_cast<std::size_t>(mask.width)),
                static_cast<int>(best / static_cast<std::size_t>(mask.width)));
}

double diceOf(const SamMask& a, const SamMask& b) {
  if (a.bits.size() != b.bits.size()) throw Error("Dice", "masks of different sizes");
  double both = 0, sum = 0;
  for (std::size_t n = 0; n < a.bits.size(); ++n) {
    both += (a.bits[n] && b.bits[n]) ? 1 : 0;
    sum += (a.bits[n] ? 1 : 0) + (b.bits[n] ? 1 : 0);
  }
  return sum > 0 ? 2.0 * both / sum : 1.0;
}

QByteArray sliceGreyPixels(const ImageVolume& image, SliceAxis axis, int slice,
                           const WindowLevel& windowLevel) {
  const Geometry& g = image.geometry();
  const SliceMapping m = sliceMapping(g, axis);
  if (slice < 0 || slice >= static_cast<int>(g.size[m.fixedDim]))
    throw Error("slice", "index " + std::to_string(slice) + " is outside the volume");
  const SlicePlane plane = slicePlane(g, axis);
  QByteArray grey(static_cast<qsizetype>(plane.width) * plane.height, '\0');
  VoxelIndex v{0, 0, 0};
  v[m.fixedDim] = slice;
  for (int y = 0; y < plane.height; ++y) {
    v[m.vertical.dim] = m.vertical.reversed ? plane.height - 1 - y : y;
    for (int x = 0; x < plane.width; ++x) {
      v[m.horizontal.dim] = m.horizontal.reversed ? plane.width - 1 - x : x;
      grey[static_cast<qsizetype>(y) * plane.width + x] = static_cast<char>(
          greyValue(image.voxels()[image.linearIndex(v[0], v[1], v[2])], windowLevel));
    }
  }
  return grey;
}

}  // namespace sfr::ui
