// A corpus of broken inputs, generated here byte by byte: every reader must answer each with ONE
// sfr::Error that names the file and says what is wrong (a keyword per case), never with another
// exception type, a crash or a silently wrong volume. One line per case is printed.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"

namespace sfr::io {
namespace {

namespace fs = std::filesystem;
using test::NiftiSpec;

/// What a case builds: the path handed to the reader and the file the message must name.
struct Target {
  fs::path input;
  fs::path blamed;
};

enum class Reader { Image, Label, Case, Dataset };

struct CorpusCase {
  std::string name;
  Reader reader;
  std::function<Target(const fs::path& dir)> make;
  std::string keyword;
};

// ---- building blocks ---------------------------------------------------------------------------

std::vector<float> ramp(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.5f * static_cast<float>(i);
  return v;
}

/// A valid float32 4x3x2 NIfTI with `edit` applied to its spec and voxels.
std::string nifti(const std::function<void(NiftiSpec&, std::vector<float>&)>& edit = {}) {
  NiftiSpec spec;
  std::vector<float> voxels = ramp(24);
  if (edit) edit(spec, voxels);
  return test::niftiFile(spec, test::bytesOf(voxels));
}

Target file(const fs::path& dir, const std::string& name, const std::string& bytes) {
  test::writeBytes(dir / name, bytes);
  return {dir / name, dir / name};
}

Target gzipFile(const fs::path& dir, const std::string& name, const std::string& bytes) {
  test::writeGzip(dir / name, bytes);
  return {dir / name, dir / name};
}

/// A gzip-compressed valid NIfTI of 16x16x16 random-ish floats (so the deflate stream is long),
/// then `damage` applied to the compressed bytes.
Target damagedGzip(const fs::path& dir, const std::string& name,
                   const std::function<void(std::string&)>& damage) {
  NiftiSpec spec;
  spec.dims = {16, 16, 16};
  std::vector<float> voxels(4096);
  std::uint32_t state = 12345;
  for (float& v : voxels) v = static_cast<float>((state = state * 1664525u + 1013904223u) >> 8);
  test::writeGzip(dir / name, test::niftiFile(spec, test::bytesOf(voxels)));
  std::string bytes = test::readBytes(dir / name);
  damage(bytes);
  test::writeBytes(dir / name, bytes);
  return {dir / name, dir / name};
}

const std::string kNrrdFloat =
    "NRRD0004\ntype: float\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n"
    "endian: little\n";

const std::string kMetaFloat =
    "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\n"
    "ElementType = MET_FLOAT\n";

Target h5(const fs::path& dir, const std::string& name,
          const std::function<void(const fs::path&)> build) {
  build(dir / name);
  return {dir / name, dir / name};
}

Target datasetFolder(const fs::path& dir, const std::string& blamedName,
                     const std::function<void(const fs::path&)> build) {
  const fs::path root = dir / "dataset";
  fs::create_directories(root);
  build(root);
  return {root, blamedName.empty() ? root : root / blamedName};
}

void writeValidNifti(const fs::path& path) {
  test::writeGzip(path, nifti());
}

// ---- the corpus --------------------------------------------------------------------------------

std::vector<CorpusCase> corpus() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<CorpusCase> c;
  auto add = [&](std::string name, Reader reader, std::function<Target(const fs::path&)> make,
                 std::string keyword) {
    c.push_back({std::move(name), reader, std::move(make), std::move(keyword)});
  };

  // NIfTI: gzip damage
  add(
      "nii_gz_truncated_in_header", Reader::Image,
      [](const fs::path& d) {
        return damagedGzip(d, "a.nii.gz", [](std::string& b) { b.resize(30); });
      },
      "gzip");
  add(
      "nii_gz_truncated_mid_data", Reader::Image,
      [](const fs::path& d) {
        return damagedGzip(d, "a.nii.gz", [](std::string& b) { b.resize(b.size() / 2); });
      },
      "gzip");
  add(
      "nii_gz_without_trailer", Reader::Image,
      [](const fs::path& d) {
        return damagedGzip(d, "a.nii.gz", [](std::string& b) { b.resize(b.size() - 6); });
      },
      "gzip");
  add(
      "nii_gz_bad_crc", Reader::Image,
      [](const fs::path& d) {
        return damagedGzip(d, "a.nii.gz", [](std::string& b) { b[b.size() - 6] ^= 0x5a; });
      },
      "gzip");
  add(
      "nii_gz_only_magic", Reader::Image,
      [](const fs::path& d) { return file(d, "a.nii.gz", std::string("\x1f\x8b", 2)); }, "gzip");
  // NIfTI: header fields
  add(
      "nii_flipped_magic", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii",
                    nifti([](NiftiSpec& s, auto&) { s.magic = std::string("1+n\0", 4); }));
      },
      "magic");
  add(
      "nii_pair_magic_in_single_file", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii",
                    nifti([](NiftiSpec& s, auto&) { s.magic = std::string("ni1\0", 4); }));
      },
      ".hdr/.img");
  add(
      "nii_sizeof_hdr_wrong", Reader::Image,
      [](const fs::path& d) {
        return gzipFile(d, "a.nii.gz", nifti([](NiftiSpec& s, auto&) { s.sizeofHdr = 349; }));
      },
      "sizeof_hdr");
  add(
      "nii_version_2", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.sizeofHdr = 540; }));
      },
      "NIfTI-2");
  add(
      "nii_header_cut_short", Reader::Image,
      [](const fs::path& d) { return file(d, "a.nii", nifti().substr(0, 200)); }, "too short");
  add(
      "nii_dim0_4_with_3_volumes", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, std::vector<float>& v) {
                      s.dims = {4, 3, 2, 3};
                      v = ramp(72);
                    }));
      },
      "4D");
  add(
      "nii_dim0_5_vector", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, std::vector<float>& v) {
                      s.dims = {4, 3, 2, 1, 3};
                      v = ramp(72);
                    }));
      },
      "5D");
  add(
      "nii_2d", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, std::vector<float>& v) {
                      s.dims = {4, 3};
                      v = ramp(12);
                    }));
      },
      "2D");
  add(
      "nii_dim0_zero", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.rank = 0; }));
      },
      "dim[0]");
  add(
      "nii_dim0_nine", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.rank = 9; }));
      },
      "dim[0]");
  add(
      "nii_negative_dim", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.dims = {4, -3, 2}; }));
      },
      "positive");
  add(
      "nii_zero_dim", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.dims = {4, 3, 0}; }));
      },
      "positive");
  add(
      "nii_vox_offset_beyond_eof", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.voxOffset = 100000; }));
      },
      "vox_offset");
  add(
      "nii_vox_offset_inside_header", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.voxOffset = 100; }));
      },
      "vox_offset");
  add(
      "nii_data_shorter_than_header_says", Reader::Image,
      [](const fs::path& d) { return gzipFile(d, "a.nii.gz", nifti().substr(0, 352 + 50)); },
      "truncated");
  add(
      "nii_dims_smaller_than_data", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.dims = {4, 3, 1}; }));
      },
      "mismatch");
  add(
      "nii_complex_datatype", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, std::vector<float>& v) {
                      s.datatype = 32;
                      s.bitpix = 64;
                      v = ramp(48);
                    }));
      },
      "complex64");
  add(
      "nii_rgb_datatype", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, std::vector<float>& v) {
                      s.datatype = 128;
                      s.bitpix = 24;
                      v = ramp(18);
                    }));
      },
      "RGB24");
  add(
      "nii_unknown_datatype", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) { s.datatype = 999; }));
      },
      "datatype 999");
  add(
      "nii_pixdim_nan", Reader::Image,
      [nan](const fs::path& d) {
        return file(d, "a.nii", nifti([nan](NiftiSpec& s, auto&) { s.spacing[1] = nan; }));
      },
      "pixdim");
  add(
      "nii_nan_voxels", Reader::Image,
      [nan](const fs::path& d) {
        return gzipFile(d, "a.nii.gz", nifti([nan](auto&, std::vector<float>& v) { v[13] = nan; }));
      },
      "NaN");
  add(
      "nii_infinite_voxels", Reader::Image,
      [inf](const fs::path& d) {
        return file(d, "a.nii", nifti([inf](auto&, std::vector<float>& v) { v[2] = -inf; }));
      },
      "infinite");
  add(
      "nii_float64_infinity", Reader::Image,
      [inf](const fs::path& d) {
        NiftiSpec spec;
        spec.datatype = 64;
        spec.bitpix = 64;
        std::vector<double> v(24, 2.0);
        v[20] = inf;
        return file(d, "a.nii", test::niftiFile(spec, test::bytesOf(v)));
      },
      "infinite");
  add(
      "nii_zero_spacing", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nii", nifti([](NiftiSpec& s, auto&) {
                      s.affine = false;
                      s.spacing[0] = 0;
                    }));
      },
      "spacing");
  add(
      "zero_size_file", Reader::Image, [](const fs::path& d) { return file(d, "a.nii.gz", ""); },
      "empty");
  add(
      "missing_file", Reader::Image,
      [](const fs::path& d) {
        return Target{d / "nothing.nii.gz", d / "nothing.nii.gz"};
      },
      "does not exist");
  add(
      "folder_named_like_a_file", Reader::Image,
      [](const fs::path& d) {
        fs::create_directory(d / "a.nii.gz");
        return Target{d / "a.nii.gz", d / "a.nii.gz"};
      },
      "folder");
  add(
      "hdf5_content_named_nii_gz", Reader::Image,
      [](const fs::path& d) {
        const float v = 1;
        test::writeH5Dataset(d / "a.nii.gz", "image", {1, 1, 1}, H5T_NATIVE_FLOAT, &v);
        return Target{d / "a.nii.gz", d / "a.nii.gz"};
      },
      "extension says NIfTI");
  add(
      "unknown_extension", Reader::Image,
      [](const fs::path& d) { return file(d, "a.img", std::string(500, 'x')); }, "extension");
  add(
      "single_dicom_file", Reader::Image,
      [](const fs::path& d) {
        return file(d, "slice.dcm", std::string(128, '\0') + "DICM" + std::string(64, '\0'));
      },
      "single DICOM file");
  // labels
  add(
      "label_non_integer", Reader::Label,
      [](const fs::path& d) {
        return file(d, "l.nii", nifti([](auto&, std::vector<float>& v) {
                      for (float& x : v) x = 1;
                      v[5] = 0.5f;
                    }));
      },
      "not an integer");
  add(
      "label_negative", Reader::Label,
      [](const fs::path& d) {
        return file(d, "l.nii", nifti([](auto&, std::vector<float>& v) {
                      for (float& x : v) x = 0;
                      v[23] = -2;
                    }));
      },
      "negative");
  add(
      "label_above_254", Reader::Label,
      [](const fs::path& d) {
        NiftiSpec spec;
        spec.datatype = 4;
        spec.bitpix = 16;
        std::vector<std::int16_t> v(24, 1);
        v[7] = 300;
        return file(d, "l.nii", test::niftiFile(spec, test::bytesOf(v)));
      },
      "exceeds 254");
  add(
      "label_nan", Reader::Label,
      [nan](const fs::path& d) {
        return file(d, "l.nii", nifti([nan](auto&, std::vector<float>& v) {
                      for (float& x : v) x = 0;
                      v[1] = nan;
                    }));
      },
      "NaN");
  add(
      "label_grid_mismatch", Reader::Case,
      [](const fs::path& d) {
        writeValidNifti(d / "image.nii.gz");
        test::writeGzip(d / "label.nii.gz", nifti([](NiftiSpec& s, std::vector<float>& v) {
                          s.spacing[2] = 2.0f;
                          s.srow[2][2] = 2.0f;
                          for (float& x : v) x = 1;
                        }));
        return Target{d / "image.nii.gz", d / "label.nii.gz"};
      },
      "grid");
  add(
      "label_size_mismatch", Reader::Case,
      [](const fs::path& d) {
        writeValidNifti(d / "image.nii.gz");
        test::writeGzip(d / "label.nii.gz", nifti([](NiftiSpec& s, std::vector<float>& v) {
                          s.dims = {4, 3, 1};
                          v.assign(12, 1.0f);
                        }));
        return Target{d / "image.nii.gz", d / "label.nii.gz"};
      },
      "grid");
  // NRRD
  add(
      "nrrd_truncated_raw", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nrrd", kNrrdFloat + "\n" + test::bytesOf(ramp(20)));
      },
      "truncated");
  add(
      "nrrd_wrong_sizes", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nrrd", kNrrdFloat + "\n" + test::bytesOf(ramp(48)));
      },
      "mismatch");
  add(
      "nrrd_gzip_truncated", Reader::Image,
      [](const fs::path& d) {
        test::writeGzip(d / "data.gz", test::bytesOf(ramp(24)));
        std::string packed = test::readBytes(d / "data.gz");
        packed.resize(packed.size() - 10);
        std::string header = kNrrdFloat;
        header.replace(header.find("encoding: raw"), 13, "encoding: gzip");
        return file(d, "a.nrrd", header + "\n" + packed);
      },
      "gzip");
  add(
      "nrrd_bad_magic", Reader::Image,
      [](const fs::path& d) {
        std::string bytes = kNrrdFloat + "\n" + test::bytesOf(ramp(24));
        bytes[2] = 'X';
        return file(d, "a.nrrd", bytes);
      },
      "magic");
  add(
      "nrrd_without_sizes", Reader::Image,
      [](const fs::path& d) {
        std::string header = kNrrdFloat;
        header.erase(header.find("sizes: 4 3 2\n"), 13);
        return file(d, "a.nrrd", header + "\n" + test::bytesOf(ramp(24)));
      },
      "sizes");
  add(
      "nrrd_negative_size", Reader::Image,
      [](const fs::path& d) {
        std::string header = kNrrdFloat;
        header.replace(header.find("sizes: 4 3 2"), 12, "sizes: 4 -3 2");
        return file(d, "a.nrrd", header + "\n" + test::bytesOf(ramp(24)));
      },
      "sizes");
  add(
      "nrrd_block_type", Reader::Image,
      [](const fs::path& d) {
        std::string header = kNrrdFloat;
        header.replace(header.find("type: float"), 11, "type: block");
        return file(d, "a.nrrd", header + "\n" + test::bytesOf(ramp(24)));
      },
      "type");
  add(
      "nrrd_vector_pixels", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nrrd",
                    "NRRD0004\ntype: float\ndimension: 4\nsizes: 3 4 3 2\n"
                    "kinds: vector domain domain domain\nencoding: raw\n"
                    "endian: little\n\n" +
                        test::bytesOf(ramp(72)));
      },
      "components");
  add(
      "nrrd_4d_series", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.nrrd",
                    "NRRD0004\ntype: float\ndimension: 4\nsizes: 4 3 2 2\n"
                    "encoding: raw\nendian: little\n\n" +
                        test::bytesOf(ramp(48)));
      },
      "4D");
  add(
      "nhdr_data_file_missing", Reader::Image,
      [](const fs::path& d) { return file(d, "a.nhdr", kNrrdFloat + "data file: a.raw\n"); },
      "data file");
  // MetaImage
  add(
      "mha_without_element_data_file", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.mha", kMetaFloat + "\x01\x02\x03\x04" + std::string(92, '\x7f'));
      },
      "ElementDataFile");
  add(
      "mhd_pointing_nowhere", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.mhd", kMetaFloat + "ElementDataFile = nowhere.raw\n");
      },
      "does not exist");
  add(
      "mha_truncated_data", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.mha", kMetaFloat + "ElementDataFile = LOCAL\n" + test::bytesOf(ramp(10)));
      },
      "truncated");
  add(
      "mha_compressed_garbage", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.mha",
                    kMetaFloat + "CompressedData = True\nElementDataFile = LOCAL\n" +
                        std::string(64, '\x33'));
      },
      "compressed");
  add(
      "mha_bad_dim_size", Reader::Image,
      [](const fs::path& d) {
        std::string header = kMetaFloat;
        header.replace(header.find("DimSize = 4 3 2"), 15, "DimSize = 4 x 2");
        return file(d, "a.mha", header + "ElementDataFile = LOCAL\n" + test::bytesOf(ramp(24)));
      },
      "DimSize");
  add(
      "mha_three_channels", Reader::Image,
      [](const fs::path& d) {
        return file(d, "a.mha",
                    kMetaFloat + "ElementNumberOfChannels = 3\nElementDataFile = LOCAL\n" +
                        test::bytesOf(ramp(72)));
      },
      "channels");
  add(
      "mha_unsupported_element_type", Reader::Image,
      [](const fs::path& d) {
        std::string header = kMetaFloat;
        header.replace(header.find("MET_FLOAT"), 9, "MET_STRING");
        return file(d, "a.mha", header + "ElementDataFile = LOCAL\n" + test::bytesOf(ramp(24)));
      },
      "ElementType");
  // HDF5
  add(
      "h5_random_bytes", Reader::Image,
      [](const fs::path& d) { return file(d, "mri_norm2.h5", std::string(4096, '\x42')); },
      "HDF5 signature");
  add(
      "h5_truncated", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const std::vector<float> v = ramp(40 * 40 * 40);
          test::writeH5Dataset(p, "image", {40, 40, 40}, H5T_NATIVE_FLOAT, v.data());
          fs::resize_file(p, fs::file_size(p) / 2);
        });
      },
      "truncated");
  add(
      "h5_corrupt_chunks", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          std::vector<float> v(64 * 64 * 64);
          std::uint32_t state = 7;
          for (float& x : v) x = static_cast<float>((state = state * 1664525u + 1013904223u) >> 16);
          test::writeH5Dataset(p, "image", {64, 64, 64}, H5T_NATIVE_FLOAT, v.data(), true);
          std::string bytes = test::readBytes(p);
          for (std::size_t i = bytes.size() / 2; i < bytes.size() - 64; i += 97) bytes[i] ^= 0x6b;
          test::writeBytes(p, bytes);
        });
      },
      "cannot be read");
  add(
      "h5_without_image", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const std::uint8_t v[8] = {};
          test::writeH5Dataset(p, "label", {2, 2, 2}, H5T_NATIVE_UINT8, v);
        });
      },
      "no dataset 'image'");
  add(
      "h5_without_label", Reader::Label,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const std::vector<float> v = ramp(8);
          test::writeH5Dataset(p, "image", {2, 2, 2}, H5T_NATIVE_FLOAT, v.data());
        });
      },
      "no dataset 'label'");
  add(
      "h5_rank_2", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const std::vector<float> v = ramp(12);
          test::writeH5Dataset(p, "image", {4, 3}, H5T_NATIVE_FLOAT, v.data());
        });
      },
      "rank 2");
  add(
      "h5_rank_4", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const std::vector<float> v = ramp(48);
          test::writeH5Dataset(p, "image", {2, 4, 3, 2}, H5T_NATIVE_FLOAT, v.data());
        });
      },
      "rank 4");
  add(
      "h5_string_dataset", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const hid_t type = H5Tcopy(H5T_C_S1);
          H5Tset_size(type, 4);
          const char text[8 * 4] = "abc";
          test::writeH5Dataset(p, "image", {2, 2, 2}, type, text);
          H5Tclose(type);
        });
      },
      "datatype");
  add(
      "h5_image_is_a_group", Reader::Image,
      [](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [](const fs::path& p) {
          const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
          H5Gclose(H5Gcreate2(f, "image", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
          H5Fclose(f);
        });
      },
      "not a dataset");
  add(
      "h5_nan_voxels", Reader::Image,
      [nan](const fs::path& d) {
        return h5(d, "mri_norm2.h5", [nan](const fs::path& p) {
          std::vector<float> v = ramp(8);
          v[6] = nan;
          test::writeH5Dataset(p, "image", {2, 2, 2}, H5T_NATIVE_FLOAT, v.data());
        });
      },
      "NaN");
  // DICOM folders
  add(
      "dicom_empty_folder", Reader::Image,
      [](const fs::path& d) {
        fs::create_directory(d / "series");
        return Target{d / "series", d / "series"};
      },
      "no DICOM series");
  add(
      "dicom_folder_of_junk", Reader::Image,
      [](const fs::path& d) {
        fs::create_directory(d / "series");
        test::writeBytes(d / "series" / "notes.txt", "not an image");
        test::writeBytes(d / "series" / "x.dcm", std::string(300, '\x01'));
        return Target{d / "series", d / "series"};
      },
      "no DICOM series");
  // Datasets
  add(
      "dataset_missing_root", Reader::Dataset,
      [](const fs::path& d) {
        return Target{d / "none", d / "none"};
      },
      "does not exist");
  add(
      "dataset_root_is_a_file", Reader::Dataset,
      [](const fs::path& d) { return file(d, "dataset.json", "{}"); }, "is a file");
  add(
      "dataset_empty_folder", Reader::Dataset,
      [](const fs::path& d) { return datasetFolder(d, "", [](const fs::path&) {}); },
      "holds no dataset");
  add(
      "dataset_folder_of_unrelated_files", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "",
                             [](const fs::path& r) { test::writeBytes(r / "notes.txt", "x"); });
      },
      "holds no dataset");
  add(
      "dataset_json_invalid", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json", "{\"training\": [ {\"image\": \"./a.nii.gz\", }");
        });
      },
      "invalid JSON");
  add(
      "dataset_json_not_an_object", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json", "[1, 2]");
        });
      },
      "object");
  add(
      "dataset_json_training_not_a_list", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json", "{\"training\": \"./imagesTr\"}");
        });
      },
      "must be a list");
  add(
      "dataset_json_entry_without_image", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json",
                           "{\"training\": [{\"label\": \"./labelsTr/a.nii.gz\"}]}");
        });
      },
      "\"image\"");
  add(
      "dataset_json_missing_image_file", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json",
                           "{\"training\": [{\"image\": \"./imagesTr/a.nii.gz\", "
                           "\"label\": \"./labelsTr/a.nii.gz\"}]}");
        });
      },
      "does not exist");
  add(
      "dataset_json_missing_label_file", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          fs::create_directory(r / "imagesTr");
          writeValidNifti(r / "imagesTr" / "a.nii.gz");
          test::writeBytes(r / "dataset.json",
                           "{\"training\": [{\"image\": \"./imagesTr/a.nii.gz\", "
                           "\"label\": \"./labelsTr/a.nii.gz\"}]}");
        });
      },
      "labelsTr/a.nii.gz");
  add(
      "dataset_json_without_lists", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json", "{\"name\": \"x\"}");
        });
      },
      "'training'");
  add(
      "dataset_json_bad_labels", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "dataset.json", [](const fs::path& r) {
          test::writeBytes(r / "dataset.json", "{\"labels\": {\"one\": \"x\"}, \"training\": []}");
        });
      },
      "label number");
  add(
      "la_list_names_missing_case", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "train.list", [](const fs::path& r) {
          test::writeBytes(r / "train.list", "CASE_A\n");
        });
      },
      "CASE_A");
  add(
      "la_case_in_both_lists", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "test.list", [](const fs::path& r) {
          fs::create_directory(r / "A");
          const std::vector<float> v = ramp(8);
          test::writeH5Dataset(r / "A" / "mri_norm2.h5", "image", {2, 2, 2}, H5T_NATIVE_FLOAT,
                               v.data());
          test::writeBytes(r / "train.list", "A\n");
          test::writeBytes(r / "test.list", "A\n");
        });
      },
      "twice");
  add(
      "la_empty_lists", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "", [](const fs::path& r) {
          test::writeBytes(r / "train.list", "\n\n");
          test::writeBytes(r / "test.list", "");
        });
      },
      "name no cases");
  add(
      "folder_label_without_image", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "b_label.nii.gz", [](const fs::path& r) {
          writeValidNifti(r / "a.nii.gz");
          writeValidNifti(r / "b_label.nii.gz");
        });
      },
      "no matching image");
  add(
      "folder_two_images_for_one_case", Reader::Dataset,
      [](const fs::path& d) {
        return datasetFolder(d, "", [](const fs::path& r) {
          writeValidNifti(r / "a.nii.gz");
          writeValidNifti(r / "a_image.nii.gz");
        });
      },
      "two images");
  return c;
}

// Test names and failure output show the case name instead of the struct's bytes.
void PrintTo(const CorpusCase& entry, std::ostream* out) {
  *out << entry.name;
}

class MalformedInput : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(MalformedInput, GivesOneClearErrorNamingTheFile) {
  const CorpusCase& entry = GetParam();
  test::TempDir dir;
  const Target target = entry.make(dir.path());
  try {
    switch (entry.reader) {
      case Reader::Image:
        readImage(target.input);
        break;
      case Reader::Label:
        readLabel(target.input);
        break;
      case Reader::Case:
        readCase(target.input, target.blamed);
        break;
      case Reader::Dataset:
        openDataset(target.input);
        break;
    }
    ADD_FAILURE() << entry.name << ": no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    std::cout << "  " << entry.name << ": " << message << std::endl;
    EXPECT_NE(message.find(target.blamed.string()), std::string::npos)
        << entry.name << ": the message does not name " << target.blamed;
    EXPECT_NE(message.find(entry.keyword), std::string::npos)
        << entry.name << ": the message lacks \"" << entry.keyword << "\"";
    EXPECT_EQ(message.find('\n'), std::string::npos) << entry.name << ": multi-line message";
  } catch (const std::exception& e) {
    ADD_FAILURE() << entry.name << ": not an sfr::Error: " << e.what();
  } catch (...) {
    ADD_FAILURE() << entry.name << ": a non-standard exception";
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, MalformedInput, ::testing::ValuesIn(corpus()),
                         [](const auto& info) { return info.param.name; });

TEST(MalformedInputCorpus, CoversAtLeastThirtyCases) {
  EXPECT_GE(corpus().size(), 30u);
}

}  // namespace
}  // namespace sfr::io
