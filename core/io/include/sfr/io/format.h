#pragma once
// Which volume format a path holds. The extension says what the user meant, the first bytes say
// what the file is; detectFormat() insists that both agree, so a mislabelled file fails with a
// message that names both instead of a deep reader error.
#include <filesystem>
#include <string>

namespace sfr::io {

enum class FileFormat {
  Unknown,
  Nifti,        ///< .nii or .nii.gz (NIfTI-1 single file, plain or gzip-compressed)
  Nrrd,         ///< .nrrd (attached data) or .nhdr (detached header)
  MetaImage,    ///< .mha (one file) or .mhd (header + data file)
  Hdf5,         ///< .h5 / .hdf5 research layout (datasets `image` and `label`)
  DicomSeries,  ///< a folder holding one or more DICOM series
};

/// Human-readable name used in messages ("NIfTI", "NRRD", "MetaImage", "HDF5", "DICOM series").
std::string formatName(FileFormat format);

/// The format a file name asks for (case-insensitive): .nii/.nii.gz, .nrrd/.nhdr, .mha/.mhd,
/// .h5/.hdf5/.hdf. Unknown for any other name. Does not touch the file system.
FileFormat formatFromExtension(const std::filesystem::path& path);

/// The format the content of an existing file shows: NIfTI (sizeof_hdr 348 or 540, possibly inside
/// gzip), NRRD ("NRRD000" magic), MetaImage (text header with NDims/ObjectType), HDF5 (signature
/// at 0, 512, 1024, ...). A folder is DicomSeries. Unknown when nothing matches or the file cannot
/// be read; never throws.
FileFormat sniffFormat(const std::filesystem::path& path);

/// The format to read `path` with. Throws sfr::Error naming the path when it does not exist, is
/// empty, is a folder where the extension names a file (or a file where a DICOM folder is
/// needed), has an unsupported extension, or when content and extension disagree.
FileFormat detectFormat(const std::filesystem::path& path);

/// Formats writeImage()/writeLabel() can produce (.nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd).
bool isWritableExtension(const std::filesystem::path& path);

}  // namespace sfr::io
