#pragma once
// Image-grid geometry in ITK's convention: index (i, j, k) with i fastest in memory, physical point
// = origin + direction * (spacing .* index). The same convention NIfTI (after the RAS->LPS flip),
// NRRD, MHA and DICOM readers deliver through ITK.
#include <array>
#include <cstddef>
#include <string>

namespace sfr {

using Size3 = std::array<std::size_t, 3>;
using Vec3 = std::array<double, 3>;
using Mat3 = std::array<double, 9>;  // row-major 3x3

constexpr Mat3 kIdentity3 = {1, 0, 0, 0, 1, 0, 0, 0, 1};

struct Geometry {
  Size3 size{0, 0, 0};
  Vec3 spacing{1.0, 1.0, 1.0};
  Vec3 origin{0.0, 0.0, 0.0};
  Mat3 direction = kIdentity3;

  std::size_t voxelCount() const { return size[0] * size[1] * size[2]; }
  /// Physical position (mm) of the centre of voxel (i, j, k).
  Vec3 indexToPhysical(const Vec3& index) const;
  /// Continuous index of a physical point (inverse of indexToPhysical).
  Vec3 physicalToIndex(const Vec3& point) const;
  /// True when size matches exactly and spacing/origin/direction agree within `tolerance`
  /// (relative to spacing for positions, absolute for direction cosines).
  bool sameGrid(const Geometry& other, double tolerance = 1e-5) const;
  /// "148x132x88 @ 0.625x0.625x0.625 mm" — used in messages and the studio's status bar.
  std::string describe() const;

  bool operator==(const Geometry& o) const {
    return size == o.size && spacing == o.spacing && origin == o.origin && direction == o.direction;
  }
  bool operator!=(const Geometry& o) const { return !(*this == o); }
};

}  // namespace sfr
