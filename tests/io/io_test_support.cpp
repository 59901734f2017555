#include "io_test_support.h"

#include <itkGDCMImageIO.h>
#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkMetaDataObject.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace sfr::io::test {

fs::path dataDir() {
  const char* dir = std::getenv("SFR_DATA_DIR");
  return dir && *dir ? fs::path(dir) : fs::path("/work/shared/data");
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device device;
  path_ = fs::temp_directory_path() /
          ("sfr-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(device() % 1000000));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeGzip(const fs::path& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb6");
  if (!file) throw std::runtime_error("cannot gzopen " + path.string());
  if (!bytes.empty() && gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) !=
                            static_cast<int>(bytes.size()))
    throw std::runtime_error("gzwrite failed for " + path.string());
  gzclose(file);
}

std::string gunzip(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("cannot gzopen " + path.string());
  std::string out;
  char buffer[65536];
  int got;
  while ((got = gzread(file, buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(got));
  gzclose(file);
  return out;
}

namespace {
template <typename T>
void put(std::string& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}
}  // namespace

std::string niftiHeader(const NiftiSpec& spec) {
  std::string h(352, '\0');
  put<std::int32_t>(h, 0, spec.sizeofHdr);
  put<std::int16_t>(h, 40,
                    static_cast<std::int16_t>(spec.rank >= 0 ? spec.rank : spec.dims.size()));
  for (std::size_t a = 0; a < spec.dims.size() && a < 7; ++a)
    put<std::int16_t>(h, 42 + 2 * a, spec.dims[a]);
  for (std::size_t a = spec.dims.size(); a < 7; ++a) put<std::int16_t>(h, 42 + 2 * a, 1);
  put<std::int16_t>(h, 70, spec.datatype);
  put<std::int16_t>(h, 72, spec.bitpix);
  put<float>(h, 76, 1.0f);  // qfac
  for (int a = 0; a < 3; ++a) put<float>(h, 80 + 4 * a, spec.spacing[a]);
  put<float>(h, 108, spec.voxOffset);
  put<float>(h, 112, spec.sclSlope);
  put<float>(h, 116, spec.sclInter);
  h[123] = 10;  // mm, s
  if (spec.affine) {
    put<std::int16_t>(h, 252, 1);
    put<std::int16_t>(h, 254, 1);
    // qform: identity rotation with the sform's translation and the header spacing.
    put<float>(h, 268, spec.srow[0][3]);
    put<float>(h, 272, spec.srow[1][3]);
    put<float>(h, 276, spec.srow[2][3]);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) put<float>(h, 280 + 16 * r + 4 * c, spec.srow[r][c]);
  }
  std::memcpy(h.data() + 344, spec.magic.data(), std::min<std::size_t>(4, spec.magic.size()));
  return h;
}

std::string niftiFile(const NiftiSpec& spec, const std::string& voxels) {
  return niftiHeader(spec) + voxels;
}

void writeH5Dataset(const fs::path& path, const std::string& name, const std::vector<hsize_t>& dims,
                    hid_t type, const void* data, bool gzipChunks) {
  const hid_t file = fs::exists(path)
                         ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                         : H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("cannot create " + path.string());
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t properties = H5Pcreate(H5P_DATASET_CREATE);
  if (gzipChunks && !dims.empty()) {
    std::vector<hsize_t> chunk(dims.size());
    for (std::size_t a = 0; a < dims.size(); ++a) chunk[a] = std::max<hsize_t>(1, dims[a] / 2);
    H5Pset_chunk(properties, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(properties, 4);
  }
  const hid_t dataset =
      H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, properties, H5P_DEFAULT);
  if (dataset < 0) throw std::runtime_error("cannot create dataset " + name);
  if (data) H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dataset);
  H5Pclose(properties);
  H5Sclose(space);
  H5Fclose(file);
}

void writeDicomSeries(const ImageVolume& volume, const fs::path& folder,
                      const std::string& seriesUid, const std::vector<std::size_t>& fileOrder,
                      const std::string& prefix) {
  using Slice = itk::Image<std::int16_t, 3>;
  const Geometry& g = volume.geometry();
  fs::create_directories(folder);
  for (std::size_t n = 0; n < fileOrder.size(); ++n) {
    const std::size_t k = fileOrder[n];
    auto slice = Slice::New();
    Slice::RegionType region;
    region.SetSize({{g.size[0], g.size[1], 1}});
    slice->SetRegions(region);
    Slice::SpacingType spacing;
    Slice::PointType origin;
    Slice::DirectionType direction;
    const Vec3 corner = g.indexToPhysical({0, 0, static_cast<double>(k)});
    for (unsigned a = 0; a < 3; ++a) {
      spacing[a] = g.spacing[a];
      origin[a] = corner[a];
      for (unsigned c = 0; c < 3; ++c) direction(a, c) = g.direction[a * 3 + c];
    }
    slice->SetSpacing(spacing);
    slice->SetOrigin(origin);
    slice->SetDirection(direction);
    slice->Allocate();
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        slice->GetBufferPointer()[i + g.size[0] * j] =
            static_cast<std::int16_t>(std::lround(volume.at(i, j, k)));

    itk::MetaDataDictionary& dict = slice->GetMetaDataDictionary();
    itk::EncapsulateMetaData<std::string>(dict, "0008|0060", "MR");
    itk::EncapsulateMetaData<std::string>(dict, "0028|0004", "MONOCHROME2");
    itk::EncapsulateMetaData<std::string>(dict, "0008|0016", "1.2.840.10008.5.1.4.1.1.4");
    itk::EncapsulateMetaData<std::string>(dict, "0020|000d", "1.2.826.0.1.3680043.2.1125.1");
    itk::EncapsulateMetaData<std::string>(dict, "0020|000e", seriesUid);
    itk::EncapsulateMetaData<std::string>(dict, "0008|0018",
                                          seriesUid + "." + std::to_string(k + 1));
    itk::EncapsulateMetaData<std::string>(dict, "0020|0013", std::to_string(k + 1));
    auto io = itk::GDCMImageIO::New();
    io->KeepOriginalUIDOn();
    auto writer = itk::ImageFileWriter<Slice>::New();
    writer->SetImageIO(io);
    writer->SetInput(slice);
    char name[64];
    std::snprintf(name, sizeof name, "%s%03zu.dcm", prefix.c_str(), n);
    writer->SetFileName((folder / name).string());
    writer->Update();
  }
}

ImageVolume rampVolume(const Geometry& geometry) {
  ImageVolume volume(geometry);
  for (std::size_t k = 0; k < geometry.size[2]; ++k)
    for (std::size_t j = 0; j < geometry.size[1]; ++j)
      for (std::size_t i = 0; i < geometry.size[0]; ++i)
        volume.at(i, j, k) = static_cast<float>(i + 10 * j + 100 * k) + 0.25f;
  return volume;
}

Geometry grid(std::size_t nx, std::size_t ny, std::size_t nz) {
  Geometry g;
  g.size = {nx, ny, nz};
  return g;
}

double geometryDifference(const Geometry& a, const Geometry& b) {
  double worst = 0;
  for (int i = 0; i < 3; ++i) {
    worst = std::max(worst, std::abs(a.spacing[i] - b.spacing[i]));
    worst = std::max(worst, std::abs(a.origin[i] - b.origin[i]));
  }
  for (int i = 0; i < 9; ++i) worst = std::max(worst, std::abs(a.direction[i] - b.direction[i]));
  return worst;
}

}  // namespace sfr::io::test
