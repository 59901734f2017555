#pragma once
// Reading and writing 3D volumes: NIfTI-1 (.nii, .nii.gz), NRRD (.nrrd, .nhdr), MetaImage (.mha,
// .mhd), DICOM series folders and the HDF5 research layout (`mri_norm2.h5`). Every failure is ONE
// sfr::Error whose subject is the file and whose problem says what is wrong (ITK's "one reader,
// one clear exception"); ITK and HDF5 exceptions never leave this box.
#include <filesystem>
#include <optional>

#include "sfr/base/geometry.h"
#include "sfr/base/volume.h"

namespace sfr::io {

struct ReadOptions {
  /// Voxel spacing (mm) for files that store none (HDF5). Files that store a spacing keep their
  /// own. Unset: 1 mm. Must be finite and positive.
  std::optional<Vec3> spacing;
  /// Accept a 4D file whose 4th dimension is 1 as a 3D volume (rejected by default so that a
  /// time series never silently turns into its first frame).
  bool allow4DSingleVolume = false;

  ReadOptions& setSpacing(const Vec3& s) {
    spacing = s;
    return *this;
  }
  ReadOptions& setAllow4DSingleVolume(bool allow) {
    allow4DSingleVolume = allow;
    return *this;
  }
};

/// An image and its label map on the same grid.
struct VolumePair {
  ImageVolume image;
  LabelVolume label;
};

/// Reads a scalar volume of any pixel type as float. NIfTI scl_slope/scl_inter are applied. HDF5
/// files are read from the dataset `image` (shape (X, Y, Z), C order) so that voxel (x, y, z) is
/// element [x][y][z]; their geometry is the one a NIfTI twin with affine diag(spacing, 1) has
/// (origin 0, LPS direction diag(-1, -1, 1)). A folder is read as a DICOM series (the series with
/// the most files, sorted by slice position). Rejects NaN/Inf voxels.
ImageVolume readImage(const std::filesystem::path& path, const ReadOptions& options = {});

/// Reads a label map (HDF5: dataset `label`). Every value must be an integer in 0..254.
LabelVolume readLabel(const std::filesystem::path& path, const ReadOptions& options = {});

/// Reads an image and its label and checks that both lie on the same grid.
VolumePair readCase(const std::filesystem::path& imagePath, const std::filesystem::path& labelPath,
                    const ReadOptions& options = {});

/// Writes float32 voxels; the format comes from the extension (.nii, .nii.gz, .nrrd, .nhdr, .mha,
/// .mhd). Atomic: the file appears complete or not at all (temp file in the same folder, fsync,
/// rename). Geometry is stored exactly as far as the format allows (NIfTI: float32 header fields).
void writeImage(const ImageVolume& image, const std::filesystem::path& path);

/// Writes uint8 labels, otherwise as writeImage().
void writeLabel(const LabelVolume& label, const std::filesystem::path& path);

}  // namespace sfr::io
