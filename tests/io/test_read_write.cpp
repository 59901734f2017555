// readImage / readLabel / readCase / writeImage / writeLabel on generated files: every writable
// format with a rotated, anisotropic grid, NIfTI scaling and pixel types, the HDF5 axis order,
// DICOM series, ReadOptions, and the atomic-write contract.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/image_io.h"

namespace sfr::io {
namespace {

using test::TempDir;

/// A grid that exercises every geometry field: anisotropic spacing, non-zero origin and a
/// rotation about z (30 degrees) combined with a flip, as scanners produce.
Geometry obliqueGrid() {
  Geometry g = test::grid(7, 5, 4);
  g.spacing = {0.7, 1.3, 2.1};
  g.origin = {-12.5, 3.25, 100.125};
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, -1};
  return g;
}

void expectSameVoxels(const ImageVolume& a, const ImageVolume& b) {
  ASSERT_EQ(a.geometry().size, b.geometry().size);
  for (std::size_t n = 0; n < a.voxelCount(); ++n)
    ASSERT_EQ(a.data()[n], b.data()[n]) << "voxel " << n;
}

class EveryWritableFormat : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryWritableFormat, ImageAndLabelRoundTripWithTheirGeometry) {
  TempDir dir;
  const ImageVolume image = test::rampVolume(obliqueGrid());
  LabelVolume label(obliqueGrid());
  for (std::size_t n = 0; n < label.voxelCount(); ++n)
    label.data()[n] = static_cast<std::uint8_t>(n % 5);

  const auto imagePath = dir / ("image" + GetParam());
  const auto labelPath = dir / ("label" + GetParam());
  writeImage(image, imagePath);
  writeLabel(label, labelPath);
  const VolumePair back = readCase(imagePath, labelPath);
  expectSameVoxels(image, back.image);
  ASSERT_EQ(label.voxels(), back.label.voxels());

  // NIfTI stores geometry as float32. NRRD stores doubles, but as "space directions" (spacing
  // times direction) that ITK splits again, which may cost an ulp on an oblique grid. MetaImage
  // stores spacing, origin and direction as doubles (17 digits): exact.
  const bool nifti = GetParam().rfind(".nii", 0) == 0;
  const bool nrrd = GetParam() == ".nrrd" || GetParam() == ".nhdr";
  const double tolerance = nifti ? 2e-5 : nrrd ? 1e-12 : 0.0;
  EXPECT_LE(test::geometryDifference(image.geometry(), back.image.geometry()), tolerance)
      << back.image.geometry().describe();
  EXPECT_TRUE(back.label.geometry() == back.image.geometry());

  // A second write of what was read gives the same geometry again (no drift).
  const auto again = dir / ("again" + GetParam());
  writeImage(back.image, again);
  EXPECT_LE(test::geometryDifference(readImage(again).geometry(), back.image.geometry()),
            nrrd ? 1e-15 : 0.0);
}

INSTANTIATE_TEST_SUITE_P(Formats, EveryWritableFormat,
                         ::testing::Values(".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd"),
                         [](const auto& info) {
                           std::string name = info.param.substr(1);
                           for (char& c : name)
                             if (c == '.') c = '_';
                           return name;
                         });

TEST(ReadImage, AppliesNiftiSclSlopeAndInter) {
  TempDir dir;
  test::NiftiSpec spec;
  spec.datatype = 2;  // uint8
  spec.bitpix = 8;
  spec.sclSlope = 2.0f;
  spec.sclInter = 3.0f;
  std::vector<std::uint8_t> stored(24);
  for (std::size_t n = 0; n < stored.size(); ++n) stored[n] = static_cast<std::uint8_t>(n * 7);
  test::writeBytes(dir / "scaled.nii", test::niftiFile(spec, test::bytesOf(stored)));
  const ImageVolume image = readImage(dir / "scaled.nii");
  ASSERT_EQ(image.voxelCount(), stored.size());
  for (std::size_t n = 0; n < stored.size(); ++n)
    EXPECT_FLOAT_EQ(image.data()[n], 2.0f * stored[n] + 3.0f) << "voxel " << n;
}

TEST(ReadImage, ConvertsEveryScalarNiftiTypeToFloat) {
  TempDir dir;
  auto check = [&](auto sample, std::int16_t datatype, const char* name) {
    using T = decltype(sample);
    test::NiftiSpec spec;
    spec.datatype = datatype;
    spec.bitpix = static_cast<std::int16_t>(8 * sizeof(T));
    std::vector<T> stored(24);
    for (std::size_t n = 0; n < stored.size(); ++n)
      stored[n] =
          static_cast<T>(std::is_signed<T>::value ? static_cast<int>(n) - 12 : static_cast<int>(n));
    const auto path = dir / (std::string(name) + ".nii.gz");
    test::writeGzip(path, test::niftiFile(spec, test::bytesOf(stored)));
    const ImageVolume image = readImage(path);
    ASSERT_EQ(image.voxelCount(), stored.size()) << name;
    for (std::size_t n = 0; n < stored.size(); ++n)
      EXPECT_EQ(image.data()[n], static_cast<float>(stored[n])) << name << " voxel " << n;
    std::cout << "  datatype " << datatype << " (" << name << ") read as float\n";
  };
  check(std::uint8_t{}, 2, "uint8");
  check(std::int16_t{}, 4, "int16");
  check(std::int32_t{}, 8, "int32");
  check(float{}, 16, "float32");
  check(double{}, 64, "float64");
  check(std::int8_t{}, 256, "int8");
  check(std::uint16_t{}, 512, "uint16");
  check(std::uint32_t{}, 768, "uint32");
  check(std::int64_t{}, 1024, "int64");
  check(std::uint64_t{}, 1280, "uint64");
}

TEST(ReadImage, NiftiVoxelOrderAndLpsGeometryMatchTheHeader) {
  TempDir dir;
  test::NiftiSpec spec;  // 4x3x2
  spec.spacing[0] = 0.5f;
  spec.spacing[1] = 2.0f;
  spec.spacing[2] = 3.0f;
  const float sform[3][4] = {{0.5f, 0, 0, 10}, {0, 2.0f, 0, -20}, {0, 0, 3.0f, 30}};
  std::memcpy(spec.srow, sform, sizeof sform);
  std::vector<float> stored(24);
  for (std::size_t n = 0; n < stored.size(); ++n) stored[n] = static_cast<float>(n);
  test::writeBytes(dir / "ordered.nii", test::niftiFile(spec, test::bytesOf(stored)));
  const ImageVolume image = readImage(dir / "ordered.nii");
  const Geometry& g = image.geometry();
  EXPECT_EQ(g.size, (Size3{4, 3, 2}));
  EXPECT_EQ(g.spacing, (Vec3{0.5, 2.0, 3.0}));
  // RAS (NIfTI) -> LPS (ITK): x and y change sign.
  EXPECT_EQ(g.origin, (Vec3{-10, 20, 30}));
  EXPECT_EQ(g.direction, (Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1}));
  // i varies fastest in the file and in the Volume.
  EXPECT_EQ(image.at(1, 0, 0), 1.0f);
  EXPECT_EQ(image.at(0, 1, 0), 4.0f);
  EXPECT_EQ(image.at(0, 0, 1), 12.0f);
}

TEST(ReadImage, NiftiGzipAndPlainHoldTheSameVolume) {
  TempDir dir;
  test::NiftiSpec spec;
  std::vector<float> stored(24);
  for (std::size_t n = 0; n < stored.size(); ++n) stored[n] = 0.5f * static_cast<float>(n);
  const std::string bytes = test::niftiFile(spec, test::bytesOf(stored));
  test::writeBytes(dir / "plain.nii", bytes);
  test::writeGzip(dir / "packed.nii.gz", bytes);
  const ImageVolume plain = readImage(dir / "plain.nii");
  const ImageVolume packed = readImage(dir / "packed.nii.gz");
  expectSameVoxels(plain, packed);
  EXPECT_TRUE(plain.geometry() == packed.geometry());
}

TEST(ReadImage, Hdf5ElementXyzIsVoxelXyzWithNiftiTwinGeometry) {
  TempDir dir;
  const hsize_t X = 5, Y = 4, Z = 3;
  std::vector<float> stored(X * Y * Z);
  std::vector<std::uint8_t> labels(X * Y * Z);
  for (hsize_t x = 0; x < X; ++x)
    for (hsize_t y = 0; y < Y; ++y)
      for (hsize_t z = 0; z < Z; ++z) {
        stored[(x * Y + y) * Z + z] = static_cast<float>(100 * x + 10 * y + z);
        labels[(x * Y + y) * Z + z] = static_cast<std::uint8_t>((x + y + z) % 3);
      }
  const auto path = dir / "mri_norm2.h5";
  test::writeH5Dataset(path, "image", {X, Y, Z}, H5T_NATIVE_FLOAT, stored.data(), true);
  test::writeH5Dataset(path, "label", {X, Y, Z}, H5T_NATIVE_UINT8, labels.data(), true);

  const VolumePair pair = readCase(path, path);
  const Geometry& g = pair.image.geometry();
  EXPECT_EQ(g.size, (Size3{5, 4, 3}));
  EXPECT_EQ(g.spacing, (Vec3{1, 1, 1}));
  EXPECT_EQ(g.origin, (Vec3{0, 0, 0}));
  EXPECT_EQ(g.direction, (Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1}));
  for (std::size_t x = 0; x < X; ++x)
    for (std::size_t y = 0; y < Y; ++y)
      for (std::size_t z = 0; z < Z; ++z) {
        ASSERT_EQ(pair.image.at(x, y, z), static_cast<float>(100 * x + 10 * y + z));
        ASSERT_EQ(pair.label.at(x, y, z), (x + y + z) % 3);
      }
  const ImageVolume spaced = readImage(path, ReadOptions{}.setSpacing({0.625, 0.625, 2.5}));
  EXPECT_EQ(spaced.geometry().spacing, (Vec3{0.625, 0.625, 2.5}));
}

TEST(ReadImage, Hdf5IntegerAndDoubleDatasetsConvertToFloat) {
  TempDir dir;
  std::vector<std::int16_t> shorts(8);
  std::vector<double> doubles(8);
  for (int n = 0; n < 8; ++n) {
    shorts[n] = static_cast<std::int16_t>(n * 1000 - 4000);
    doubles[n] = n * 0.5;
  }
  test::writeH5Dataset(dir / "a.h5", "image", {2, 2, 2}, H5T_NATIVE_INT16, shorts.data());
  test::writeH5Dataset(dir / "b.h5", "image", {2, 2, 2}, H5T_NATIVE_DOUBLE, doubles.data());
  const ImageVolume a = readImage(dir / "a.h5");
  const ImageVolume b = readImage(dir / "b.h5");
  // Element [x][y][z] of a 2x2x2 dataset is n = 4x + 2y + z.
  EXPECT_EQ(a.at(1, 0, 0), 0.0f);
  EXPECT_EQ(a.at(0, 1, 1), -1000.0f);
  EXPECT_EQ(b.at(1, 1, 1), 3.5f);
  EXPECT_EQ(b.at(0, 0, 1), 0.5f);
}

TEST(ReadImage, SpacingOptionIsCheckedAndLeavesStoredSpacingAlone) {
  TempDir dir;
  const float one = 1.0f;
  test::writeH5Dataset(dir / "one.h5", "image", {1, 1, 1}, H5T_NATIVE_FLOAT, &one);
  EXPECT_THROW(readImage(dir / "one.h5", ReadOptions{}.setSpacing({1, 0, 1})), Error);
  EXPECT_THROW(readImage(dir / "one.h5", ReadOptions{}.setSpacing({1, NAN, 1})), Error);

  const ImageVolume image = test::rampVolume(obliqueGrid());
  writeImage(image, dir / "stored.nrrd");
  const ImageVolume back = readImage(dir / "stored.nrrd", ReadOptions{}.setSpacing({9, 9, 9}));
  EXPECT_EQ(back.geometry().spacing, image.geometry().spacing);
}

TEST(ReadImage, FourDWithOneVolumeNeedsTheOption) {
  TempDir dir;
  test::NiftiSpec spec;
  spec.dims = {4, 3, 2, 1};
  std::vector<float> stored(24, 1.5f);
  test::writeBytes(dir / "single.nii", test::niftiFile(spec, test::bytesOf(stored)));
  try {
    readImage(dir / "single.nii");
    ADD_FAILURE() << "4D file accepted without allow4DSingleVolume";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("4D"), std::string::npos) << e.what();
  }
  const ImageVolume image =
      readImage(dir / "single.nii", ReadOptions{}.setAllow4DSingleVolume(true));
  EXPECT_EQ(image.geometry().size, (Size3{4, 3, 2}));
  EXPECT_EQ(image.at(3, 2, 1), 1.5f);

  test::writeBytes(dir / "single.nrrd",
                   "NRRD0004\ntype: float\ndimension: 4\nsizes: 4 3 2 1\nencoding: raw\n"
                   "endian: little\n\n" +
                       test::bytesOf(stored));
  EXPECT_THROW(readImage(dir / "single.nrrd"), Error);
  EXPECT_EQ(
      readImage(dir / "single.nrrd", ReadOptions{}.setAllow4DSingleVolume(true)).geometry().size,
      (Size3{4, 3, 2}));
}

TEST(ReadLabel, AcceptsIntegralValuesStoredInAnyType) {
  TempDir dir;
  test::NiftiSpec spec;  // float32 voxels holding integers, as some MSD labels do
  std::vector<float> stored(24);
  for (std::size_t n = 0; n < stored.size(); ++n)
    stored[n] = static_cast<float>(n % 3 == 0 ? 254 : n % 3);
  test::writeGzip(dir / "float_label.nii.gz", test::niftiFile(spec, test::bytesOf(stored)));
  const LabelVolume label = readLabel(dir / "float_label.nii.gz");
  for (std::size_t n = 0; n < stored.size(); ++n) EXPECT_EQ(label.data()[n], stored[n]);

  spec.datatype = 4;  // int16
  spec.bitpix = 16;
  std::vector<std::int16_t> shorts(24, 7);
  test::writeBytes(dir / "short_label.nii", test::niftiFile(spec, test::bytesOf(shorts)));
  EXPECT_EQ(readLabel(dir / "short_label.nii").data()[5], 7);
}

TEST(ReadLabel, RejectsValuesOutsideTheLabelRange) {
  TempDir dir;
  const std::vector<std::pair<float, std::string>> bad = {
      {1.5f, "not an integer"}, {-1.0f, "negative"}, {255.0f, "reserved"}, {300.0f, "exceeds 254"}};
  for (const auto& [value, keyword] : bad) {
    test::NiftiSpec spec;
    std::vector<float> stored(24, 1.0f);
    stored[17] = value;
    const auto path = dir / ("bad_" + std::to_string(static_cast<int>(value * 10)) + ".nii");
    test::writeBytes(path, test::niftiFile(spec, test::bytesOf(stored)));
    try {
      readLabel(path);
      ADD_FAILURE() << "label value " << value << " accepted";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(keyword), std::string::npos) << message;
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find("(1, 1, 1)"), std::string::npos) << message;  // voxel 17 of 4x3x2
    }
  }
}

TEST(ReadCase, RejectsALabelOnAnotherGrid) {
  TempDir dir;
  Geometry g = obliqueGrid();
  writeImage(test::rampVolume(g), dir / "image.nii.gz");
  g.spacing[2] = 2.5;
  writeLabel(LabelVolume(g), dir / "label.nii.gz");
  try {
    readCase(dir / "image.nii.gz", dir / "label.nii.gz");
    ADD_FAILURE() << "grid mismatch accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("grid"), std::string::npos) << e.what();
    EXPECT_EQ(e.subject(), (dir / "label.nii.gz").string());
  }
}

TEST(ReadImage, DicomFolderReadsTheLargestSeriesSortedByPosition) {
  TempDir dir;
  Geometry g = test::grid(6, 5, 4);
  g.spacing = {0.8, 0.9, 2.5};
  g.origin = {-20, 10, 5};
  ImageVolume volume = test::rampVolume(g);
  for (float& v : volume.voxels()) v = std::round(v);
  // File names in the order 2, 0, 3, 1: sorting by name would scramble the slices.
  test::writeDicomSeries(volume, dir / "dicom", "1.2.826.0.1.3680043.2.1125.7", {2, 0, 3, 1}, "a");
  // A second, smaller series in the same folder must not be picked.
  test::writeDicomSeries(test::rampVolume(test::grid(6, 5, 2)), dir / "dicom",
                         "1.2.826.0.1.3680043.2.1125.8", {0, 1}, "b");
  const ImageVolume read = readImage(dir / "dicom");
  ASSERT_EQ(read.geometry().size, g.size);
  EXPECT_LE(test::geometryDifference(read.geometry(), g), 1e-4) << read.geometry().describe();
  expectSameVoxels(volume, read);
}

TEST(WriteImage, IsAtomicAndLeavesNoTemporaryFiles) {
  TempDir dir;
  const ImageVolume first = test::rampVolume(obliqueGrid());
  ImageVolume second = first;
  for (float& v : second.voxels()) v += 1000;
  for (const std::string name : {"v.nii.gz", "v.mhd", "v.nhdr", "v.mha"}) {
    writeImage(first, dir / name);
    writeImage(second, dir / name);  // replaces the file
    expectSameVoxels(second, readImage(dir / name));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".sfr-tmp"), std::string::npos) << entry.path();

  // A refused write keeps the old file as it was.
  ImageVolume broken = first;
  broken.voxels()[3] = std::numeric_limits<float>::quiet_NaN();
  const std::string before = test::readBytes(dir / "v.nii.gz");
  EXPECT_THROW(writeImage(broken, dir / "v.nii.gz"), Error);
  EXPECT_EQ(test::readBytes(dir / "v.nii.gz"), before);
}

TEST(WriteImage, RefusesWhatCannotBeWrittenOrReadBack) {
  TempDir dir;
  const ImageVolume image = test::rampVolume(obliqueGrid());
  auto expectError = [&](auto write, const std::filesystem::path& path,
                         const std::string& keyword) {
    try {
      write();
      ADD_FAILURE() << path << " was written";
    } catch (const Error& e) {
      EXPECT_EQ(e.subject(), path.string());
      EXPECT_NE(std::string(e.what()).find(keyword), std::string::npos) << e.what();
      std::cout << "  " << e.what() << "\n";
    }
    EXPECT_FALSE(std::filesystem::exists(path));
  };
  expectError([&] { writeImage(image, dir / "x.png"); }, dir / "x.png", "file type");
  expectError([&] { writeImage(image, dir / "missing" / "x.nii"); }, dir / "missing" / "x.nii",
              "does not exist");
  expectError([&] { writeImage(ImageVolume(), dir / "empty.nii"); }, dir / "empty.nii",
              "no voxels");
  Geometry flat = obliqueGrid();
  flat.direction = {1, 0, 0, 1, 0, 0, 0, 0, 1};
  expectError([&] { writeImage(test::rampVolume(flat), dir / "flat.nrrd"); }, dir / "flat.nrrd",
              "singular");
  LabelVolume label(obliqueGrid(), 255);
  expectError([&] { writeLabel(label, dir / "ignore.nii.gz"); }, dir / "ignore.nii.gz", "255");
  expectError([&] { writeLabel(LabelVolume(test::grid(40000, 1, 1)), dir / "long.nii"); },
              dir / "long.nii", "16 bits");
  std::filesystem::create_directory(dir / "taken.nii");
  try {
    writeImage(image, dir / "taken.nii");
    ADD_FAILURE() << "wrote over a folder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sfr::io
