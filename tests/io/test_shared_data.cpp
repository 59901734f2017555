// Every shipped volume (LA HDF5, hippocampus NIfTI) reads with the shape and label counts that
// the data's own cases.tsv records, writes, and reads back with identical voxels and geometry.
// The LA NIfTI twins equal their HDF5 source read at 0.625 mm.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/image_io.h"

namespace sfr::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

/// Rows of a cases.tsv keyed by case id, each a column-name -> text map.
std::map<std::string, std::map<std::string, std::string>> readCasesTsv(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> columns;
  std::istringstream header(line);
  for (std::string c; std::getline(header, c, '\t');) columns.push_back(c);
  std::map<std::string, std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::map<std::string, std::string> row;
    std::string value;
    for (std::size_t c = 0; c < columns.size() && std::getline(fields, value, '\t'); ++c)
      row[columns[c]] = value;
    rows[row["case_id"]] = row;
  }
  return rows;
}

std::string shapeText(const Geometry& g) {
  return std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) + "x" +
         std::to_string(g.size[2]);
}

std::size_t countValue(const LabelVolume& label, std::uint8_t value) {
  std::size_t n = 0;
  for (std::uint8_t v : label.voxels()) n += v == value;
  return n;
}

template <typename T>
void expectIdentical(const Volume<T>& a, const Volume<T>& b, const std::string& what) {
  EXPECT_TRUE(a.geometry() == b.geometry())
      << what << ": " << a.geometry().describe() << " vs " << b.geometry().describe()
      << " (max difference " << test::geometryDifference(a.geometry(), b.geometry()) << ")";
  ASSERT_EQ(a.voxelCount(), b.voxelCount()) << what;
  std::size_t differing = 0;
  for (std::size_t n = 0; n < a.voxelCount(); ++n) differing += a.data()[n] != b.data()[n];
  EXPECT_EQ(differing, 0u) << what;
}

/// Writes `pair` as `extension` files in `dir`, reads them back and compares.
void roundTrip(const VolumePair& pair, const fs::path& dir, const std::string& id,
               const std::string& extension) {
  const fs::path image = dir / (id + "_image" + extension);
  const fs::path label = dir / (id + "_label" + extension);
  writeImage(pair.image, image);
  writeLabel(pair.label, label);
  const VolumePair back = readCase(image, label);
  expectIdentical(pair.image, back.image, image.string());
  expectIdentical(pair.label, back.label, label.string());
}

std::vector<std::string> laCaseIds() {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(test::dataDir() / "la"))
    if (fs::exists(entry.path() / "mri_norm2.h5")) ids.push_back(entry.path().filename().string());
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(SharedData, EveryLaCaseReadsAndRoundTrips) {
  const auto table = readCasesTsv(test::dataDir() / "la" / "cases.tsv");
  const std::vector<std::string> ids = laCaseIds();
  ASSERT_EQ(ids.size(), 20u) << "expected the 20 shipped LA cases in " << test::dataDir() / "la";
  TempDir dir;
  const ReadOptions options = ReadOptions{}.setSpacing({0.625, 0.625, 0.625});
  for (std::size_t n = 0; n < ids.size(); ++n) {
    const fs::path file = test::dataDir() / "la" / ids[n] / "mri_norm2.h5";
    std::cout << "  checking " << file << std::endl;
    const VolumePair pair = readCase(file, file, options);
    const auto& row = table.at(ids[n]);
    EXPECT_EQ(shapeText(pair.image.geometry()), row.at("shape_xyz")) << file;
    EXPECT_EQ(std::to_string(countValue(pair.label, 1)), row.at("label_fg_voxels")) << file;
    EXPECT_EQ(countValue(pair.label, 0) + countValue(pair.label, 1), pair.label.voxelCount());
    roundTrip(pair, dir.path(), ids[n], ".nii.gz");
    if (n == 0) {
      roundTrip(pair, dir.path(), ids[n], ".nrrd");
      roundTrip(pair, dir.path(), ids[n], ".mha");
    }
    for (const auto& entry : fs::directory_iterator(dir.path())) fs::remove(entry.path());
  }
}

TEST(SharedData, EveryHippocampusCaseReadsAndRoundTrips) {
  const fs::path root = test::dataDir() / "hippocampus";
  const auto table = readCasesTsv(root / "cases.tsv");
  ASSERT_EQ(table.size(), 72u);
  TempDir dir;
  bool otherFormats = true;
  for (const auto& [id, row] : table) {
    const fs::path image = root / "imagesTr" / (id + ".nii.gz");
    const fs::path label = root / "labelsTr" / (id + ".nii.gz");
    std::cout << "  checking " << image << " and " << label << std::endl;
    const VolumePair pair = readCase(image, label);
    const Geometry& g = pair.image.geometry();
    EXPECT_EQ(shapeText(g), row.at("shape_ijk")) << image;
    EXPECT_EQ(g.spacing, (Vec3{1, 1, 1})) << image;
    // Identity affine in RAS = diag(-1, -1, 1) in ITK's LPS.
    EXPECT_EQ(g.direction, (Mat3{-1, 0, 0, 0, -1, 0, 0, 0, 1})) << image;
    EXPECT_EQ(std::to_string(countValue(pair.label, 1)), row.at("voxels_label1_anterior")) << label;
    EXPECT_EQ(std::to_string(countValue(pair.label, 2)), row.at("voxels_label2_posterior"))
        << label;
    float low = pair.image.data()[0], high = low;
    for (float v : pair.image.voxels()) low = std::min(low, v), high = std::max(high, v);
    EXPECT_NEAR(low, std::stod(row.at("image_min")), 1e-3 * std::max(1.0f, std::abs(low))) << image;
    EXPECT_NEAR(high, std::stod(row.at("image_max")), 1e-4 * std::abs(high) + 0.01) << image;
    roundTrip(pair, dir.path(), id, ".nii.gz");
    if (otherFormats) {
      roundTrip(pair, dir.path(), id, ".nrrd");
      roundTrip(pair, dir.path(), id, ".mha");
      otherFormats = false;
    }
  }
}

TEST(SharedData, LaNiftiTwinsEqualTheirHdf5SourceAt0625mm) {
  const fs::path twins = test::dataDir() / "la-nifti";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(twins)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = "_image.nii.gz";
    if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
      continue;
    const std::string id = name.substr(0, name.size() - suffix.size());
    const fs::path h5 = test::dataDir() / "la" / id / "mri_norm2.h5";
    std::cout << "  checking " << entry.path() << " against " << h5 << std::endl;
    const VolumePair fromH5 = readCase(h5, h5, ReadOptions{}.setSpacing({0.625, 0.625, 0.625}));
    const VolumePair twin = readCase(entry.path(), twins / (id + "_label.nii.gz"));
    expectIdentical(fromH5.image, twin.image, entry.path().string());
    expectIdentical(fromH5.label, twin.label, id + "_label.nii.gz");
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace sfr::io
