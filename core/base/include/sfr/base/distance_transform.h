#pragma once
// Exact Euclidean distance transform (EDT) of 3D grids with anisotropic spacing.
//
// Algorithm: Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions" (Theory of
// Computing 8, 2012). The squared EDT is separable: a first pass along k finds, for every voxel,
// the nearest feature in its (i, j) column, and one lower-envelope-of-parabolas pass along i and
// then j finishes it in linear time. Each pass weighs its axis by spacing², which keeps the result
// exact for anisotropic grids. The distances are the ones of
// scipy.ndimage.distance_transform_edt(~features, sampling=spacing), which medpy's surface
// distances use (§7.2): between voxel centres, 0 on features.
//
// The k pass works from the list of feature voxels and the i and j passes one k-slice at a time, so
// the working memory is one slice, not the grid; distancesAt() only visits the slices and the
// j-lines that hold a query.
//
// Layout: voxels i fastest, then j, then k (as in Volume<T>); a voxel's linear index is
// i + size[0] * (j + size[1] * k). In mask buffers any nonzero byte is a feature.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sfr/base/geometry.h"
#include "sfr/base/volume.h"

namespace sfr {

/// Which unit distances are measured in: voxel steps (unit spacing, medpy's voxelspacing=None) or
/// millimetres (the grid's spacing).
enum class Spacing { Voxel, Millimetre };

/// Per-axis step lengths for `unit`: {1, 1, 1} for voxels, `geometry.spacing` for millimetres.
Vec3 stepLengths(const Geometry& geometry, Spacing unit);

/// Euclidean distance from every voxel to the nearest nonzero voxel of `features`
/// (size[0]*size[1]*size[2] bytes), with per-axis steps `spacing`. It is 0 on feature voxels and
/// +infinity everywhere when there is no feature. Throws sfr::Error when a spacing is not positive.
std::vector<double> distanceTransform(const std::uint8_t* features, const Size3& size,
                                      const Vec3& spacing);

/// The same for a label map (any nonzero label is a feature), in voxels or millimetres. The result
/// has the geometry of `features`.
Volume<double> distanceTransform(const LabelVolume& features, Spacing unit);

/// The distance to the nearest feature voxel, evaluated only at the voxels with linear indices
/// `queries` (result[n] belongs to queries[n]); features are given by linear index, in any order,
/// repeats allowed. Gives exactly the values of distanceTransform() at those voxels. Throws
/// sfr::Error when an index is outside the grid.
std::vector<double> distancesAt(const std::vector<std::size_t>& featureVoxels, const Size3& size,
                                const Vec3& spacing, const std::vector<std::size_t>& queries);

/// The same with the features given as a mask buffer.
std::vector<double> distancesAt(const std::uint8_t* features, const Size3& size,
                                const Vec3& spacing, const std::vector<std::size_t>& queries);

}  // namespace sfr
