#pragma once
// The HDF5 research layout (UA-MT `mri_norm2.h5`): datasets `image` (float32) and `label` (uint8)
// of shape (X, Y, Z) in C order, no geometry stored. Read with the HDF5 C API directly: ITK's
// HDF5ImageIO expects ITK's own group layout, not a bare dataset.
#include <filesystem>
#include <string>

#include "sfr/base/volume.h"

namespace sfr::io::detail {

/// Reads dataset `name` of any integer or float type as float. Voxel (x, y, z) of the result
/// (x fastest in memory) is element [x][y][z] of the dataset (z fastest on disk). The geometry
/// is that of a NIfTI file with affine diag(spacing, 1): origin 0, LPS direction diag(-1, -1, 1).
ImageVolume readHdf5Volume(const std::filesystem::path& path, const std::string& name,
                           const Vec3& spacing);

/// True when `path` is an HDF5 file with a dataset `name` at its root; false on any error.
bool hdf5HasDataset(const std::filesystem::path& path, const std::string& name);

}  // namespace sfr::io::detail
