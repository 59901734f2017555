#include "sfr/ui/model/slice_plane.h"

#include <algorithm>
#include <cmath>

namespace sfr::ui {

namespace {

// Patient axis shown along picture x and y, and whether picture y runs against it.
struct PictureAxes {
  int fixed;
  int horizontal;
  int vertical;
  bool verticalUp;  // picture y grows towards -axis (superior at the top)
};

PictureAxes pictureAxes(SliceAxis axis) {
  switch (axis) {
    case SliceAxis::Axial:
      return {2, 0, 1, false};
    case SliceAxis::Coronal:
      return {1, 0, 2, true};
    case SliceAxis::Sagittal:
      return {0, 1, 2, true};
  }
  return {2, 0, 1, false};
}

int indexAlong(const IndexAxis& axis, int pictureCoordinate, int count) {
  return axis.reversed ? count - 1 - pictureCoordinate : pictureCoordinate;
}

}  // namespace

std::array<IndexAxis, 3> anatomicalAxes(const Geometry& g) {
  // direction is row-major: element (p, d) = cosine between index axis d and patient axis p.
  std::array<IndexAxis, 3> axes{};
  std::array<bool, 3> patientTaken{false, false, false};
  std::array<bool, 3> indexTaken{false, false, false};
  // Greedy on the largest cosines, so oblique scans still get a one-to-one assignment.
  for (int round = 0; round < 3; ++round) {
    int bestP = -1, bestD = -1;
    double best = -1.0;
    for (int p = 0; p < 3; ++p)
      for (int d = 0; d < 3; ++d) {
        if (patientTaken[p] || indexTaken[d]) continue;
        const double c = std::abs(g.direction[p * 3 + d]);
        if (c > best) best = c, bestP = p, bestD = d;
      }
    patientTaken[bestP] = indexTaken[bestD] = true;
    axes[bestP] = {bestD, g.direction[bestP * 3 + bestD] < 0.0};
  }
  return axes;
}

SliceMapping sliceMapping(const Geometry& geometry, SliceAxis axis) {
  const PictureAxes picture = pictureAxes(axis);
  const std::array<IndexAxis, 3> anatomy = anatomicalAxes(geometry);
  SliceMapping m;
  m.fixedDim = anatomy[picture.fixed].dim;
  m.horizontal = anatomy[picture.horizontal];
  m.vertical = anatomy[picture.vertical];
  if (picture.verticalUp) m.vertical.reversed = !m.vertical.reversed;
  return m;
}

int fixedDimension(const Geometry& geometry, SliceAxis axis) {
  return sliceMapping(geometry, axis).fixedDim;
}

SlicePlane slicePlane(const Geometry& geometry, SliceAxis axis) {
  const SliceMapping m = sliceMapping(geometry, axis);
  SlicePlane plane;
  plane.axis = axis;
  plane.width = static_cast<int>(geometry.size[m.horizontal.dim]);
  plane.height = static_cast<int>(geometry.size[m.vertical.dim]);
  plane.pixelWidthMm = geometry.spacing[m.horizontal.dim];
  plane.pixelHeightMm = geometry.spacing[m.vertical.dim];
  return plane;
}

std::optional<VoxelIndex> voxelAtPixel(const Geometry& geometry, SliceAxis axis, int slice, int x,
                                       int y) {
  const SliceMapping m = sliceMapping(geometry, axis);
  const int width = static_cast<int>(geometry.size[m.horizontal.dim]);
  const int height = static_cast<int>(geometry.size[m.vertical.dim]);
  if (x < 0 || y < 0 || x >= width || y >= height || slice < 0 ||
      slice >= static_cast<int>(geometry.size[m.fixedDim]))
    return std::nullopt;
  VoxelIndex voxel{0, 0, 0};
  voxel[m.fixedDim] = slice;
  voxel[m.horizontal.dim] = indexAlong(m.horizontal, x, width);
  voxel[m.vertical.dim] = indexAlong(m.vertical, y, height);
  return voxel;
}

std::array<int, 2> pixelOfVoxel(const Geometry& geometry, SliceAxis axis, const VoxelIndex& voxel) {
  const SliceMapping m = sliceMapping(geometry, axis);
  const int width = static_cast<int>(geometry.size[m.horizontal.dim]);
  const int height = static_cast<int>(geometry.size[m.vertical.dim]);
  // The mapping is its own inverse along each axis (x = n - 1 - i  <=>  i = n - 1 - x).
  return {indexAlong(m.horizontal, voxel[m.horizontal.dim], width),
          indexAlong(m.vertical, voxel[m.vertical.dim], height)};
}

QRectF fitRect(const QSizeF& physical, const QRectF& area) {
  if (physical.isEmpty() || area.isEmpty()) return {};
  const double scale = std::min(area.width() / physical.width(), area.height() / physical.height());
  const QSizeF size = physical * scale;
  return {area.x() + (area.width() - size.width()) / 2.0,
          area.y() + (area.height() - size.height()) / 2.0, size.width(), size.height()};
}

}  // namespace sfr::ui
