#pragma once
// A 3D scalar volume: voxels (i fastest, then j, then k) plus the grid geometry. Images are
// Volume<float>, label maps Volume<std::uint8_t> (0 = background, 1..254 classes; 255 is reserved
// for "ignore" as in the stitching rule).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sfr/base/error.h"
#include "sfr/base/geometry.h"

namespace sfr {

template <typename T>
class Volume {
 public:
  using value_type = T;

  Volume() = default;
  explicit Volume(const Geometry& geometry, T fill = T{})
      : geometry_(geometry), voxels_(geometry.voxelCount(), fill) {}
  Volume(const Geometry& geometry, std::vector<T> voxels)
      : geometry_(geometry), voxels_(std::move(voxels)) {
    if (voxels_.size() != geometry_.voxelCount())
      throw Error("Volume", "voxel buffer holds " + std::to_string(voxels_.size()) +
                                " values but the grid " + geometry_.describe() + " needs " +
                                std::to_string(geometry_.voxelCount()));
  }

  const Geometry& geometry() const { return geometry_; }
  Geometry& geometry() { return geometry_; }
  const Size3& size() const { return geometry_.size; }
  std::size_t nx() const { return geometry_.size[0]; }
  std::size_t ny() const { return geometry_.size[1]; }
  std::size_t nz() const { return geometry_.size[2]; }
  std::size_t voxelCount() const { return voxels_.size(); }
  bool empty() const { return voxels_.empty(); }

  std::size_t linearIndex(std::size_t i, std::size_t j, std::size_t k) const {
    return i + nx() * (j + ny() * k);
  }
  T& at(std::size_t i, std::size_t j, std::size_t k) { return voxels_[linearIndex(i, j, k)]; }
  const T& at(std::size_t i, std::size_t j, std::size_t k) const {
    return voxels_[linearIndex(i, j, k)];
  }

  T* data() { return voxels_.data(); }
  const T* data() const { return voxels_.data(); }
  std::vector<T>& voxels() { return voxels_; }
  const std::vector<T>& voxels() const { return voxels_; }

 private:
  Geometry geometry_;
  std::vector<T> voxels_;
};

using ImageVolume = Volume<float>;
using LabelVolume = Volume<std::uint8_t>;

/// Throws sfr::Error naming `subject` when the label grid differs from the image grid.
void requireSameGrid(const Geometry& image, const Geometry& label, const std::string& subject);

/// Throws sfr::Error naming `subject` when any voxel is NaN or infinite.
void requireFinite(const ImageVolume& image, const std::string& subject);

/// Per-volume z-score ((v - mean) / population std), the normalisation of UA-MT/SFR (§7.1).
/// A constant volume becomes all zeros.
void zScoreInPlace(ImageVolume& image);

}  // namespace sfr
