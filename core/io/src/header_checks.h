#pragma once
// Pre-flight checks of NIfTI, NRRD and MetaImage files before ITK reads them. Each parses the
// header itself, then verifies that the voxel data the header promises is really there (in size,
// and intact when compressed). ITK's readers would otherwise report such files with a generic
// "could not read" (or read past the data), and allocate whatever a corrupt header asks for.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sfr/io/image_io.h"

namespace sfr::io::detail {

/// Throws sfr::Error(path, ...) unless `sizes` describe a 3D volume: at least 3 axes, and any axis
/// beyond the third of size 1 (then only with options.allow4DSingleVolume).
void requireVolumeDimensions(const std::filesystem::path& path,
                             const std::vector<std::uint64_t>& sizes, const ReadOptions& options);

/// Throws unless the header-promised voxel bytes (`needed`) equal what the file holds
/// (`available`). `what` names the data in the message, e.g. "gzip stream".
void requireDataSize(const std::filesystem::path& path, const std::vector<std::uint64_t>& sizes,
                     const std::string& typeName, std::uint64_t needed, std::uint64_t available,
                     const std::string& where);

/// "148x132x88" for messages.
std::string joinSizes(const std::vector<std::uint64_t>& sizes);

void checkNiftiFile(const std::filesystem::path& path, const ReadOptions& options);
void checkNrrdFile(const std::filesystem::path& path, const ReadOptions& options);
void checkMetaImageFile(const std::filesystem::path& path, const ReadOptions& options);

}  // namespace sfr::io::detail
