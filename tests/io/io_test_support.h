#pragma once
// Helpers for the io tests: temporary folders, byte-level file builders (NIfTI headers, gzip,
// HDF5 datasets, DICOM series) and volume comparisons. The builders write files by hand (not
// through sfr_io) so that the readers are checked against independent bytes.
#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sfr/base/volume.h"

namespace sfr::io::test {

namespace fs = std::filesystem;

/// $SFR_DATA_DIR (the shared test data), or /work/shared/data when unset.
fs::path dataDir();

/// A fresh folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

void writeBytes(const fs::path& path, const std::string& bytes);
std::string readBytes(const fs::path& path);
/// gzip-compresses `bytes` into `path` (a real .gz stream with CRC).
void writeGzip(const fs::path& path, const std::string& bytes);
/// The decompressed content of a gzip file.
std::string gunzip(const fs::path& path);

/// Fields of a NIfTI-1 header that the tests vary; the rest are zero.
struct NiftiSpec {
  std::vector<std::int16_t> dims{4, 3, 2};  ///< dim[1..]; dim[0] = dims.size() unless rank set
  int rank = -1;                            ///< dim[0] override
  std::int16_t datatype = 16;               ///< float32
  std::int16_t bitpix = 32;
  float spacing[3] = {1.0f, 1.0f, 1.0f};
  float voxOffset = 352.0f;
  float sclSlope = 0.0f;
  float sclInter = 0.0f;
  std::int32_t sizeofHdr = 348;
  std::string magic = std::string("n+1\0", 4);
  /// sform rows (RAS); qform/sform codes 1 when `affine` is set.
  bool affine = true;
  float srow[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
};

/// 352 header bytes (348 + empty extension flag) for `spec`.
std::string niftiHeader(const NiftiSpec& spec);
/// Header + voxel bytes.
std::string niftiFile(const NiftiSpec& spec, const std::string& voxels);

/// Raw bytes of a vector of trivially copyable values.
template <typename T>
std::string bytesOf(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

/// Creates (or extends) an HDF5 file with dataset `name` of `memType`/`fileType` and `dims`.
void writeH5Dataset(const fs::path& path, const std::string& name, const std::vector<hsize_t>& dims,
                    hid_t type, const void* data, bool gzipChunks = false);

/// Writes `volume` (rounded to int16) as one DICOM file per slice into `folder`, series UID
/// `seriesUid`, file names in the order of `fileOrder` (a permutation of slice indices) so that
/// name order differs from position order.
void writeDicomSeries(const ImageVolume& volume, const fs::path& folder,
                      const std::string& seriesUid, const std::vector<std::size_t>& fileOrder,
                      const std::string& prefix);

/// A volume with distinct, non-symmetric values (so axis swaps and flips show up).
ImageVolume rampVolume(const Geometry& geometry);

/// A grid with the given size and (default) 1 mm identity geometry.
Geometry grid(std::size_t nx, std::size_t ny, std::size_t nz);

/// Largest absolute difference of two geometries' spacing, origin and direction entries.
double geometryDifference(const Geometry& a, const Geometry& b);

}  // namespace sfr::io::test
