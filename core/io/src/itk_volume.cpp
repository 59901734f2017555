#include "itk_volume.h"

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageSeriesReader.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>
#include <itkNrrdImageIO.h>

#include <algorithm>

#include "header_checks.h"
#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

using FloatImage = itk::Image<float, 3>;

/// ITK descriptions span several lines with file/line prefixes; keep one readable line.
std::string condense(const itk::ExceptionObject& e) {
  std::string text = e.GetDescription() ? e.GetDescription() : "";
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > 400) out = out.substr(0, 400) + "...";
  return out.empty() ? "unknown ITK error" : out;
}

itk::ImageIOBase::Pointer makeImageIO(FileFormat format) {
  switch (format) {
    case FileFormat::Nifti:
      return itk::NiftiImageIO::New().GetPointer();
    case FileFormat::Nrrd:
      return itk::NrrdImageIO::New().GetPointer();
    case FileFormat::MetaImage: {
      auto meta = itk::MetaImageIO::New();
      meta->SetDoublePrecision(17);  // geometry must survive a write/read round trip exactly
      return meta.GetPointer();
    }
    default:
      break;
  }
  throw Error("", formatName(format) + " is not read or written through ITK");
}

template <typename Image>
Geometry geometryOf(const Image& image) {
  Geometry g;
  const auto size = image.GetLargestPossibleRegion().GetSize();
  for (unsigned a = 0; a < 3; ++a) {
    g.size[a] = size[a];
    g.spacing[a] = image.GetSpacing()[a];
    g.origin[a] = image.GetOrigin()[a];
    for (unsigned c = 0; c < 3; ++c) g.direction[a * 3 + c] = image.GetDirection()(a, c);
  }
  return g;
}

ImageVolume toVolume(const FloatImage& image) {
  const Geometry geometry = geometryOf(image);
  const float* begin = image.GetBufferPointer();
  return ImageVolume(geometry, std::vector<float>(begin, begin + geometry.voxelCount()));
}

template <typename T>
void writeWithItk(const Volume<T>& volume, const fs::path& path, FileFormat format) {
  using Image = itk::Image<T, 3>;
  const Geometry& g = volume.geometry();
  auto image = Image::New();
  typename Image::RegionType region;
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  for (unsigned a = 0; a < 3; ++a) {
    region.SetSize(a, g.size[a]);
    spacing[a] = g.spacing[a];
    origin[a] = g.origin[a];
    for (unsigned c = 0; c < 3; ++c) direction(a, c) = g.direction[a * 3 + c];
  }
  image->SetRegions(region);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  std::copy(volume.data(), volume.data() + volume.voxelCount(), image->GetBufferPointer());

  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetImageIO(makeImageIO(format));
  writer->SetFileName(path.string());
  writer->SetInput(image);
  writer->SetUseCompression(true);
  writer->Update();
}

}  // namespace

ImageVolume readItkFile(const fs::path& path, FileFormat format, const ReadOptions& options) {
  const std::string subject = path.string();
  try {
    itk::ImageIOBase::Pointer io = makeImageIO(format);
    io->SetFileName(subject);
    io->ReadImageInformation();
    if (io->GetNumberOfComponents() != 1)
      throw Error(subject, "image has " + std::to_string(io->GetNumberOfComponents()) +
                               " components per voxel; a scalar volume is expected");
    std::vector<std::uint64_t> sizes;
    for (unsigned a = 0; a < io->GetNumberOfDimensions(); ++a)
      sizes.push_back(io->GetDimensions(a));
    requireVolumeDimensions(path, sizes, options);

    auto reader = itk::ImageFileReader<FloatImage>::New();
    reader->SetImageIO(io);
    reader->SetFileName(subject);
    reader->Update();
    return toVolume(*reader->GetOutput());
  } catch (const itk::ExceptionObject& e) {
    throw Error(subject, "ITK's " + formatName(format) + " reader failed: " + condense(e));
  }
}

ImageVolume readDicomFolder(const fs::path& folder) {
  const std::string subject = folder.string();
  try {
    auto names = itk::GDCMSeriesFileNames::New();
    names->SetUseSeriesDetails(true);
    names->SetDirectory(subject);
    const std::vector<std::string>& series = names->GetSeriesUIDs();
    std::vector<std::string> files;
    for (const std::string& uid : series) {
      std::vector<std::string> candidate = names->GetFileNames(uid);
      if (candidate.size() > files.size()) files = std::move(candidate);
    }
    if (files.empty())
      throw Error(subject, "folder holds no DICOM series (no readable DICOM image files)");

    auto reader = itk::ImageSeriesReader<FloatImage>::New();
    reader->SetImageIO(itk::GDCMImageIO::New());
    reader->SetFileNames(files);
    reader->Update();
    return toVolume(*reader->GetOutput());
  } catch (const itk::ExceptionObject& e) {
    throw Error(subject, "ITK's DICOM series reader failed: " + condense(e));
  }
}

void writeItkFile(const ImageVolume& volume, const fs::path& path, FileFormat format) {
  try {
    writeWithItk(volume, path, format);
  } catch (const itk::ExceptionObject& e) {
    throw Error(path.string(), "ITK's " + formatName(format) + " writer failed: " + condense(e));
  }
}

void writeItkFile(const LabelVolume& volume, const fs::path& path, FileFormat format) {
  try {
    writeWithItk(volume, path, format);
  } catch (const itk::ExceptionObject& e) {
    throw Error(path.string(), "ITK's " + formatName(format) + " writer failed: " + condense(e));
  }
}

}  // namespace sfr::io::detail
