#pragma once
// The ITK side of the box: NIfTI/NRRD/MetaImage files, DICOM series, and writing. ITK types stay
// in itk_volume.cpp; every itk::ExceptionObject becomes an sfr::Error naming the path.
#include <filesystem>

#include "sfr/base/volume.h"
#include "sfr/io/format.h"
#include "sfr/io/image_io.h"

namespace sfr::io::detail {

/// Reads a NIfTI, NRRD or MetaImage file (already checked by its header check) as float with
/// the ImageIO of `format`; rejects multi-component pixels and non-3D images.
ImageVolume readItkFile(const std::filesystem::path& path, FileFormat format,
                        const ReadOptions& options);

/// Reads the DICOM series with the most files in `folder` (slices sorted by position by GDCM).
ImageVolume readDicomFolder(const std::filesystem::path& folder);

/// Writes with the ImageIO of `format` (NIfTI, NRRD or MetaImage) to exactly `path`, compressed
/// where the format allows. Not atomic by itself: see atomic_write.h.
void writeItkFile(const ImageVolume& volume, const std::filesystem::path& path, FileFormat format);
void writeItkFile(const LabelVolume& volume, const std::filesystem::path& path, FileFormat format);

}  // namespace sfr::io::detail
