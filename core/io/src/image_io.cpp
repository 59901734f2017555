// Public read/write entry points: pick the reader for the detected format, run the format's
// pre-flight check, then enforce what every caller relies on (a sane 3D grid, finite image
// voxels, label values 0..254). All failures leave as one sfr::Error naming the path.
#include "sfr/io/image_io.h"

#include <cmath>
#include <cstdio>
#include <new>

#include "atomic_write.h"
#include "hdf5_volume.h"
#include "header_checks.h"
#include "itk_volume.h"
#include "sfr/io/format.h"

namespace sfr::io {
namespace fs = std::filesystem;

namespace {

std::string formatNumber(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string formatVec(const Vec3& v) {
  return "(" + formatNumber(v[0]) + ", " + formatNumber(v[1]) + ", " + formatNumber(v[2]) + ")";
}

std::string voxelName(const Geometry& g, std::size_t n) {
  const std::size_t i = n % g.size[0], j = (n / g.size[0]) % g.size[1],
                    k = n / (g.size[0] * g.size[1]);
  return "(" + std::to_string(i) + ", " + std::to_string(j) + ", " + std::to_string(k) + ")";
}

/// Throws unless the grid has voxels, positive finite spacing and an invertible direction.
void requireSaneGeometry(const std::string& subject, const Geometry& g, const std::string& prefix) {
  for (std::size_t s : g.size)
    if (s == 0) throw Error(subject, prefix + "the grid " + g.describe() + " has no voxels");
  for (double s : g.spacing)
    if (!std::isfinite(s) || s <= 0)
      throw Error(subject,
                  prefix + "voxel spacing " + formatVec(g.spacing) + " is not finite and positive");
  for (double o : g.origin)
    if (!std::isfinite(o))
      throw Error(subject, prefix + "origin " + formatVec(g.origin) + " is not finite");
  for (double d : g.direction)
    if (!std::isfinite(d)) throw Error(subject, prefix + "direction matrix is not finite");
  const Mat3& d = g.direction;
  const double det = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) +
                     d[2] * (d[3] * d[7] - d[4] * d[6]);
  if (std::abs(det) < 1e-6)
    throw Error(subject,
                prefix + "direction matrix is singular (determinant " + formatNumber(det) + ")");
}

Vec3 hdf5Spacing(const fs::path& path, const ReadOptions& options) {
  if (!options.spacing) return {1.0, 1.0, 1.0};
  for (double s : *options.spacing)
    if (!std::isfinite(s) || s <= 0)
      throw Error(path.string(), "ReadOptions::spacing " + formatVec(*options.spacing) +
                                     " must be finite and positive");
  return *options.spacing;
}

/// Runs `body`, turning anything that is not already an sfr::Error into one naming `path`.
template <typename Body>
auto guarded(const fs::path& path, Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    if (e.subject().empty()) throw Error(path.string(), e.problem());
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(path.string(), "not enough memory for this volume");
  } catch (const std::exception& e) {
    throw Error(path.string(), e.what());
  }
}

/// Reads any supported volume as float; `hdf5Dataset` picks the dataset of an HDF5 file.
ImageVolume readAsFloat(const fs::path& path, const ReadOptions& options,
                        const std::string& hdf5Dataset) {
  const FileFormat format = detectFormat(path);
  ImageVolume volume;
  switch (format) {
    case FileFormat::Nifti:
      detail::checkNiftiFile(path, options);
      volume = detail::readItkFile(path, format, options);
      break;
    case FileFormat::Nrrd:
      detail::checkNrrdFile(path, options);
      volume = detail::readItkFile(path, format, options);
      break;
    case FileFormat::MetaImage:
      detail::checkMetaImageFile(path, options);
      volume = detail::readItkFile(path, format, options);
      break;
    case FileFormat::Hdf5:
      volume = detail::readHdf5Volume(path, hdf5Dataset, hdf5Spacing(path, options));
      break;
    case FileFormat::DicomSeries:
      volume = detail::readDicomFolder(path);
      break;
    case FileFormat::Unknown:
      throw Error(path.string(), "unsupported file format");
  }
  requireSaneGeometry(path.string(), volume.geometry(), "");
  return volume;
}

/// Why `value` cannot be a label, or "" when it can (an integer in 0..254).
std::string labelValueProblem(float value) {
  if (std::isnan(value)) return "is NaN";
  if (value != std::floor(value)) return "is not an integer";
  if (value < 0) return "is negative";
  if (value > 254) return value == 255 ? "is 255, which is reserved for 'ignore'" : "exceeds 254";
  return {};
}

void requireWritable(const Geometry& g, const fs::path& path) {
  if (!isWritableExtension(path))
    throw Error(path.string(),
                "cannot write this file type; use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd");
  requireSaneGeometry(path.string(), g, "cannot write: ");
  if (formatFromExtension(path) == FileFormat::Nifti)
    for (std::size_t s : g.size)
      if (s > 32767)
        throw Error(path.string(), "cannot write: NIfTI-1 stores sizes in 16 bits and the grid " +
                                       g.describe() + " is larger; use .nrrd or .mha");
}

}  // namespace

ImageVolume readImage(const fs::path& path, const ReadOptions& options) {
  return guarded(path, [&] {
    ImageVolume image = readAsFloat(path, options, "image");
    requireFinite(image, path.string());
    return image;
  });
}

LabelVolume readLabel(const fs::path& path, const ReadOptions& options) {
  return guarded(path, [&] {
    const ImageVolume values = readAsFloat(path, options, "label");
    LabelVolume label(values.geometry());
    const float* in = values.data();
    std::uint8_t* out = label.data();
    for (std::size_t n = 0; n < values.voxelCount(); ++n) {
      const std::string problem = labelValueProblem(in[n]);
      if (!problem.empty())
        throw Error(path.string(), "label value " + formatNumber(in[n]) + " at voxel " +
                                       voxelName(values.geometry(), n) + " " + problem +
                                       "; label values must be integers in 0..254");
      out[n] = static_cast<std::uint8_t>(in[n]);
    }
    return label;
  });
}

VolumePair readCase(const fs::path& imagePath, const fs::path& labelPath,
                    const ReadOptions& options) {
  VolumePair pair{readImage(imagePath, options), readLabel(labelPath, options)};
  requireSameGrid(pair.image.geometry(), pair.label.geometry(), labelPath.string());
  return pair;
}

void writeImage(const ImageVolume& image, const fs::path& path) {
  guarded(path, [&] {
    requireWritable(image.geometry(), path);
    requireFinite(image, path.string());
    detail::writeAtomically(path, [&](const fs::path& temporary) {
      detail::writeItkFile(image, temporary, formatFromExtension(path));
    });
  });
}

void writeLabel(const LabelVolume& label, const fs::path& path) {
  guarded(path, [&] {
    requireWritable(label.geometry(), path);
    for (std::size_t n = 0; n < label.voxelCount(); ++n)
      if (label.data()[n] == 255)
        throw Error(path.string(), "cannot write: label value 255 at voxel " +
                                       voxelName(label.geometry(), n) +
                                       " is reserved for 'ignore' and would not read back");
    detail::writeAtomically(path, [&](const fs::path& temporary) {
      detail::writeItkFile(label, temporary, formatFromExtension(path));
    });
  });
}

}  // namespace sfr::io
