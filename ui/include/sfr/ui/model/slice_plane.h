#pragma once
// How a 2D slice of a 3D volume maps onto a picture. Slices follow the anatomy, not the storage
// order (ITK-SNAP's convention): the direction matrix decides which voxel index axis runs along
// each patient axis (ITK/LPS: +x left, +y posterior, +z superior), and pictures are shown the
// radiological way:
//   axial    picture x -> patient left,      picture y -> posterior (anterior at the top)
//   coronal  picture x -> patient left,      picture y -> inferior  (superior at the top)
//   sagittal picture x -> posterior,         picture y -> inferior  (anterior on the left)
// One picture pixel is one voxel; the view stretches pixels to their physical size.
#include <QRectF>
#include <QSizeF>
#include <array>
#include <optional>

#include "sfr/base/geometry.h"

namespace sfr::ui {

enum class SliceAxis { Axial, Coronal, Sagittal };

/// Voxel index (i, j, k).
using VoxelIndex = std::array<int, 3>;

/// The voxel index axis that runs closest to one patient axis, and in which sense.
struct IndexAxis {
  int dim = 0;            ///< 0 = i, 1 = j, 2 = k
  bool reversed = false;  ///< true when the index grows against the patient axis
};

/// For patient axes x, y, z (LPS): the index axis closest to each, from the direction matrix
/// (largest absolute cosine, each index axis used once). Identity direction gives i, j, k.
std::array<IndexAxis, 3> anatomicalAxes(const Geometry& geometry);

/// How the picture of a slice along `axis` maps onto voxel indices.
struct SliceMapping {
  int fixedDim = 2;      ///< index axis held constant (the slice number runs along it)
  IndexAxis horizontal;  ///< index axis along picture x; reversed: x = n - 1 - index
  IndexAxis vertical;    ///< index axis along picture y; reversed: y = n - 1 - index
};

SliceMapping sliceMapping(const Geometry& geometry, SliceAxis axis);

/// The index axis a slice along `axis` holds fixed (identity direction: axial k, coronal j,
/// sagittal i).
int fixedDimension(const Geometry& geometry, SliceAxis axis);

/// Size of a slice picture and the physical size (mm) of one of its pixels.
struct SlicePlane {
  SliceAxis axis = SliceAxis::Axial;
  int width = 0;               ///< pixels = voxels along the horizontal index axis
  int height = 0;              ///< pixels = voxels along the vertical index axis
  double pixelWidthMm = 1.0;   ///< spacing of the horizontal index axis
  double pixelHeightMm = 1.0;  ///< spacing of the vertical index axis

  /// Physical extent of the whole slice (mm).
  QSizeF physicalSize() const { return {width * pixelWidthMm, height * pixelHeightMm}; }
};

SlicePlane slicePlane(const Geometry& geometry, SliceAxis axis);

/// The voxel shown at picture pixel (x, y) of slice `slice`; nullopt outside the picture or the
/// volume.
std::optional<VoxelIndex> voxelAtPixel(const Geometry& geometry, SliceAxis axis, int slice, int x,
                                       int y);

/// The picture pixel (x, y) that shows `voxel` in a slice along `axis` (the fixed index is
/// ignored).
std::array<int, 2> pixelOfVoxel(const Geometry& geometry, SliceAxis axis, const VoxelIndex& voxel);

/// The largest rectangle inside `area` with the aspect ratio of `physical`, centred (letterbox).
/// Empty when either size is empty.
QRectF fitRect(const QSizeF& physical, const QRectF& area);

}  // namespace sfr::ui
