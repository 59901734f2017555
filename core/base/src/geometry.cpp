#include "sfr/base/geometry.h"

#include <cmath>
#include <cstdio>

namespace sfr {

Vec3 Geometry::indexToPhysical(const Vec3& index) const {
  Vec3 p = origin;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) p[r] += direction[r * 3 + c] * spacing[c] * index[c];
  return p;
}

Vec3 Geometry::physicalToIndex(const Vec3& point) const {
  // Direction matrices are orthonormal, so the inverse is the transpose.
  Vec3 d{point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]};
  Vec3 index{0, 0, 0};
  for (int c = 0; c < 3; ++c) {
    double s = 0;
    for (int r = 0; r < 3; ++r) s += direction[r * 3 + c] * d[r];
    index[c] = s / spacing[c];
  }
  return index;
}

bool Geometry::sameGrid(const Geometry& other, double tolerance) const {
  if (size != other.size) return false;
  for (int a = 0; a < 3; ++a) {
    const double scale = std::max(std::abs(spacing[a]), 1e-12);
    if (std::abs(spacing[a] - other.spacing[a]) > tolerance * scale) return false;
    if (std::abs(origin[a] - other.origin[a]) > tolerance * std::max(scale, 1.0)) return false;
  }
  for (int e = 0; e < 9; ++e)
    if (std::abs(direction[e] - other.direction[e]) > tolerance) return false;
  return true;
}

std::string Geometry::describe() const {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%zux%zux%zu @ %gx%gx%g mm", size[0], size[1], size[2],
                spacing[0], spacing[1], spacing[2]);
  return buffer;
}

}  // namespace sfr
