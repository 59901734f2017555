#include "sfr/io/format.h"

#include <cstdint>
#include <cstring>
#include <system_error>

#include "file_checks.h"
#include "sfr/base/error.h"

namespace sfr::io {
namespace fs = std::filesystem;
using detail::toLower;

namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::int32_t readInt32(const std::string& bytes, std::size_t offset, bool swap) {
  std::uint32_t v = 0;
  std::memcpy(&v, bytes.data() + offset, 4);
  if (swap) v = __builtin_bswap32(v);
  return static_cast<std::int32_t>(v);
}

bool looksLikeNiftiHeader(const std::string& bytes) {
  if (bytes.size() < 4) return false;
  for (bool swap : {false, true}) {
    const std::int32_t sizeofHdr = readInt32(bytes, 0, swap);
    if (sizeofHdr == 348 || sizeofHdr == 540) return true;
  }
  return false;
}

bool hasHdf5Signature(const std::string& bytes) {
  static const char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  // The superblock sits at 0 or, after a user block, at 512, 1024, 2048, ...
  for (std::size_t offset = 0; offset + 8 <= bytes.size(); offset = offset ? offset * 2 : 512)
    if (std::memcmp(bytes.data() + offset, kSignature, 8) == 0) return true;
  return false;
}

bool looksLikeMetaImageHeader(const std::string& bytes) {
  // MetaImage headers are "Key = Value" text lines; NDims is mandatory for images.
  const std::string head = bytes.substr(0, 4096);
  if (head.find('\0') != std::string::npos && head.find("ElementDataFile") == std::string::npos)
    return false;
  for (const char* key : {"ObjectType", "NDims"}) {
    const std::size_t at = head.find(key);
    if (at != std::string::npos && (at == 0 || head[at - 1] == '\n')) return true;
  }
  return false;
}

bool hasDicomPreamble(const std::string& bytes) {
  return bytes.size() >= 132 && bytes.compare(128, 4, "DICM") == 0;
}

const char* suggestedExtension(FileFormat format) {
  switch (format) {
    case FileFormat::Nifti:
      return ".nii.gz";
    case FileFormat::Nrrd:
      return ".nrrd";
    case FileFormat::MetaImage:
      return ".mha";
    case FileFormat::Hdf5:
      return ".h5";
    default:
      return "";
  }
}

}  // namespace

std::string formatName(FileFormat format) {
  switch (format) {
    case FileFormat::Nifti:
      return "NIfTI";
    case FileFormat::Nrrd:
      return "NRRD";
    case FileFormat::MetaImage:
      return "MetaImage";
    case FileFormat::Hdf5:
      return "HDF5";
    case FileFormat::DicomSeries:
      return "DICOM series";
    case FileFormat::Unknown:
      break;
  }
  return "unknown";
}

FileFormat formatFromExtension(const fs::path& path) {
  const std::string name = toLower(path.filename().string());
  if (endsWith(name, ".nii") || endsWith(name, ".nii.gz")) return FileFormat::Nifti;
  if (endsWith(name, ".nrrd") || endsWith(name, ".nhdr")) return FileFormat::Nrrd;
  if (endsWith(name, ".mha") || endsWith(name, ".mhd")) return FileFormat::MetaImage;
  if (endsWith(name, ".h5") || endsWith(name, ".hdf5") || endsWith(name, ".hdf"))
    return FileFormat::Hdf5;
  return FileFormat::Unknown;
}

FileFormat sniffFormat(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return FileFormat::DicomSeries;
  if (!fs::is_regular_file(path, ec)) return FileFormat::Unknown;
  const std::string raw = detail::readRawPrefix(path, 4096 + 8);
  if (hasHdf5Signature(raw)) return FileFormat::Hdf5;
  if (raw.compare(0, 7, "NRRD000") == 0) return FileFormat::Nrrd;
  if (detail::hasGzipMagic(raw)) {
    const std::string inflated = detail::readDecompressedPrefix(path, 4, nullptr);
    return looksLikeNiftiHeader(inflated) ? FileFormat::Nifti : FileFormat::Unknown;
  }
  if (looksLikeNiftiHeader(raw)) return FileFormat::Nifti;
  if (looksLikeMetaImageHeader(raw)) return FileFormat::MetaImage;
  return FileFormat::Unknown;
}

FileFormat detectFormat(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(path.string(), "does not exist");
  const FileFormat named = formatFromExtension(path);
  if (fs::is_directory(status)) {
    if (named != FileFormat::Unknown)
      throw Error(path.string(),
                  "is a folder, but its name says it is a " + formatName(named) + " file");
    return FileFormat::DicomSeries;
  }
  detail::requireReadableFile(path);
  const FileFormat content = sniffFormat(path);
  if (named == FileFormat::Unknown) {
    const std::string extension = path.extension().string();
    if (content != FileFormat::Unknown)
      throw Error(path.string(), "unsupported file extension '" + extension + "'; the content is " +
                                     formatName(content) + ", so rename it to end in " +
                                     suggestedExtension(content));
    if (hasDicomPreamble(detail::readRawPrefix(path, 132)))
      throw Error(path.string(),
                  "is a single DICOM file; give the folder that holds the DICOM series instead");
    throw Error(path.string(), "unsupported file extension '" + extension +
                                   "' (supported: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, .h5, "
                                   "or a DICOM folder)");
  }
  if (content != FileFormat::Unknown && content != named)
    throw Error(path.string(), "the content is " + formatName(content) +
                                   " but the extension says " + formatName(named) +
                                   "; rename the file to end in " + suggestedExtension(content));
  // Unrecognised content under a known extension: the format's own check explains what is wrong.
  return named;
}

bool isWritableExtension(const fs::path& path) {
  const FileFormat format = formatFromExtension(path);
  return format == FileFormat::Nifti || format == FileFormat::Nrrd ||
         format == FileFormat::MetaImage;
}

}  // namespace sfr::io
