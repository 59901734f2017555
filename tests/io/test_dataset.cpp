// openDataset on the shipped data (LA lists, MSD hippocampus, a plain folder of NIfTI twins) and
// on generated folders for the variants the shipped data lacks (nnU-Net v1 channel files,
// nnU-Net v2, the UA-MT training-set subfolder, mixed formats, DICOM subfolders).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"

namespace sfr::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<std::string> readLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

const DatasetCase& findCase(const Dataset& dataset, const std::string& id) {
  for (const DatasetCase& c : dataset.cases)
    if (c.id == id) return c;
  throw std::runtime_error("no case " + id);
}

void writeSmallNifti(const fs::path& path) {
  writeImage(test::rampVolume(test::grid(4, 3, 2)), path);
}

TEST(OpenDataset, SharedLaListsTwentyCasesWithTheirSplit) {
  const fs::path root = test::dataDir() / "la";
  const Dataset dataset = openDataset(root);
  EXPECT_EQ(dataset.layout, "la");
  EXPECT_EQ(dataset.root, root);
  EXPECT_EQ(dataset.labelNames, (std::vector<std::string>{"background", "left atrium"}));
  const auto train = readLines(root / "train.list");
  const auto test = readLines(root / "test.list");
  ASSERT_EQ(dataset.cases.size(), train.size() + test.size());
  for (const std::string& id : train) EXPECT_EQ(findCase(dataset, id).split, "train");
  for (const std::string& id : test) EXPECT_EQ(findCase(dataset, id).split, "test");
  for (const DatasetCase& c : dataset.cases) {
    EXPECT_EQ(c.image, root / c.id / "mri_norm2.h5");
    ASSERT_TRUE(c.label.has_value());
    EXPECT_EQ(*c.label, c.image);
  }
}

TEST(OpenDataset, SharedHippocampusIsMsdWithSeventyTwoLabelledCases) {
  const fs::path root = test::dataDir() / "hippocampus";
  const Dataset dataset = openDataset(root);
  EXPECT_EQ(dataset.layout, "msd");
  EXPECT_EQ(dataset.labelNames, (std::vector<std::string>{"background", "Anterior", "Posterior"}));
  ASSERT_EQ(dataset.cases.size(), 72u);
  std::set<std::string> ids;
  for (const DatasetCase& c : dataset.cases) {
    ids.insert(c.id);
    EXPECT_EQ(c.split, "train");
    EXPECT_EQ(c.image, root / "imagesTr" / (c.id + ".nii.gz"));
    ASSERT_TRUE(c.label.has_value());
    EXPECT_EQ(*c.label, root / "labelsTr" / (c.id + ".nii.gz"));
  }
  EXPECT_EQ(ids.size(), 72u);
  EXPECT_TRUE(ids.count("hippocampus_001"));
  EXPECT_TRUE(ids.count("hippocampus_331"));
}

TEST(OpenDataset, SharedLaNiftiTwinsFormAPlainFolder) {
  const fs::path root = test::dataDir() / "la-nifti";
  const Dataset dataset = openDataset(root);
  EXPECT_EQ(dataset.layout, "folder");
  ASSERT_EQ(dataset.cases.size(), 2u);
  for (const DatasetCase& c : dataset.cases) {
    EXPECT_EQ(c.image, root / (c.id + "_image.nii.gz"));
    ASSERT_TRUE(c.label.has_value());
    EXPECT_EQ(*c.label, root / (c.id + "_label.nii.gz"));
    EXPECT_EQ(c.split, "");
    EXPECT_TRUE(fs::exists(test::dataDir() / "la" / c.id / "mri_norm2.h5")) << c.id;
  }
}

TEST(OpenDataset, MsdAcceptsChannelFilesTestStringsAndUnlabelledEntries) {
  TempDir dir;
  for (const char* sub : {"imagesTr", "labelsTr", "imagesTs"}) fs::create_directory(dir / sub);
  writeSmallNifti(dir / "imagesTr" / "a_0000.nii.gz");  // nnU-Net v1 names the first channel
  writeSmallNifti(dir / "labelsTr" / "a.nii.gz");
  writeSmallNifti(dir / "imagesTr" / "u.nii.gz");
  writeSmallNifti(dir / "imagesTs" / "c.nii.gz");
  test::writeBytes(dir / "dataset.json", R"({
    "labels": {"0": "background", "2": "tumour"},
    "training": [{"image": "./imagesTr/a.nii.gz", "label": "./labelsTr/a.nii.gz"},
                 {"image": "./imagesTr/u.nii.gz"}],
    "test": ["./imagesTs/c.nii.gz"]})");
  const Dataset dataset = openDataset(dir.path());
  EXPECT_EQ(dataset.layout, "msd");
  EXPECT_EQ(dataset.labelNames, (std::vector<std::string>{"background", "", "tumour"}));
  ASSERT_EQ(dataset.cases.size(), 3u);
  EXPECT_EQ(findCase(dataset, "a").image, dir / "imagesTr" / "a_0000.nii.gz");
  EXPECT_EQ(findCase(dataset, "a").label, std::optional<fs::path>(dir / "labelsTr" / "a.nii.gz"));
  EXPECT_FALSE(findCase(dataset, "u").label.has_value());
  EXPECT_EQ(findCase(dataset, "u").split, "train");
  EXPECT_EQ(findCase(dataset, "c").split, "test");
  EXPECT_EQ(findCase(dataset, "c").image, dir / "imagesTs" / "c.nii.gz");
}

TEST(OpenDataset, NnunetV2ListsCasesFromTheFolders) {
  TempDir dir;
  for (const char* sub : {"imagesTr", "labelsTr", "imagesTs"}) fs::create_directory(dir / sub);
  writeSmallNifti(dir / "imagesTr" / "liver_1_0000.nii.gz");
  writeSmallNifti(dir / "labelsTr" / "liver_1.nii.gz");
  writeSmallNifti(dir / "imagesTr" / "liver_2_0000.nii.gz");
  writeSmallNifti(dir / "labelsTr" / "liver_2.nii.gz");
  writeSmallNifti(dir / "imagesTs" / "liver_9_0000.nii.gz");
  test::writeBytes(dir / "dataset.json", R"({"channel_names": {"0": "CT"},
    "labels": {"background": 0, "liver": 1}, "numTraining": 2, "file_ending": ".nii.gz"})");
  const Dataset dataset = openDataset(dir.path());
  EXPECT_EQ(dataset.layout, "msd");
  EXPECT_EQ(dataset.labelNames, (std::vector<std::string>{"background", "liver"}));
  ASSERT_EQ(dataset.cases.size(), 3u);
  EXPECT_EQ(findCase(dataset, "liver_2").label,
            std::optional<fs::path>(dir / "labelsTr" / "liver_2.nii.gz"));
  EXPECT_EQ(findCase(dataset, "liver_9").split, "test");
  EXPECT_FALSE(findCase(dataset, "liver_9").label.has_value());

  fs::remove(dir / "labelsTr" / "liver_1.nii.gz");
  EXPECT_THROW(openDataset(dir.path()), Error);
}

TEST(OpenDataset, LaLayoutFindsCasesUnderTheTrainingSetFolder) {
  TempDir dir;
  const fs::path sub = dir / "2018LA_Seg_Training Set";
  const std::vector<float> voxels(8, 1.0f);
  const std::vector<std::uint8_t> labels(8, 1);
  for (const char* id : {"A1", "B2"}) {
    fs::create_directories(sub / id);
    test::writeH5Dataset(sub / id / "mri_norm2.h5", "image", {2, 2, 2}, H5T_NATIVE_FLOAT,
                         voxels.data());
    test::writeH5Dataset(sub / id / "mri_norm2.h5", "label", {2, 2, 2}, H5T_NATIVE_UINT8,
                         labels.data());
  }
  test::writeBytes(dir / "train.list", "A1\r\n\n# a comment\n");
  test::writeBytes(dir / "test.list", "  B2  \n");
  const Dataset dataset = openDataset(dir.path());
  EXPECT_EQ(dataset.layout, "la");
  ASSERT_EQ(dataset.cases.size(), 2u);
  EXPECT_EQ(findCase(dataset, "A1").split, "train");
  EXPECT_EQ(findCase(dataset, "B2").image, sub / "B2" / "mri_norm2.h5");
  const VolumePair pair = readCase(findCase(dataset, "B2").image, *findCase(dataset, "B2").label);
  EXPECT_EQ(pair.label.at(1, 1, 1), 1);
}

TEST(OpenDataset, PlainFolderPairsImagesAndLabelsAcrossFormats) {
  TempDir dir;
  const Geometry g = test::grid(4, 3, 2);
  const ImageVolume image = test::rampVolume(g);
  const LabelVolume label(g, 1);
  writeImage(image, dir / "a.nii.gz");
  writeLabel(label, dir / "a_seg.nii.gz");
  writeImage(image, dir / "b_image.nrrd");
  writeLabel(label, dir / "b_label.nrrd");
  writeImage(image, dir / "c.mha");
  writeImage(image, dir / "e.mhd");  // with its e.zraw data file beside it
  const std::vector<float> voxels(24, 2.0f);
  const std::vector<std::uint8_t> labels(24, 1);
  test::writeH5Dataset(dir / "d.h5", "image", {4, 3, 2}, H5T_NATIVE_FLOAT, voxels.data());
  test::writeH5Dataset(dir / "d.h5", "label", {4, 3, 2}, H5T_NATIVE_UINT8, labels.data());
  test::writeH5Dataset(dir / "f.h5", "image", {4, 3, 2}, H5T_NATIVE_FLOAT, voxels.data());
  ImageVolume rounded = image;
  for (float& v : rounded.voxels()) v = std::round(v);
  test::writeDicomSeries(rounded, dir / "patient7", "1.2.826.0.1.3680043.2.1125.9", {0, 1}, "s");
  fs::create_directory(dir / "notes");
  test::writeBytes(dir / "notes" / "readme.txt", "not a dataset");
  test::writeBytes(dir / "readme.txt", "ignored");
  test::writeBytes(dir / ".sfr-tmp-1-x.nii.gz", "hidden and ignored");

  const Dataset dataset = openDataset(dir.path());
  EXPECT_EQ(dataset.layout, "folder");
  std::vector<std::string> ids;
  for (const DatasetCase& c : dataset.cases) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "patient7"}));
  EXPECT_EQ(findCase(dataset, "a").label, std::optional<fs::path>(dir / "a_seg.nii.gz"));
  EXPECT_EQ(findCase(dataset, "b").image, dir / "b_image.nrrd");
  EXPECT_EQ(findCase(dataset, "b").label, std::optional<fs::path>(dir / "b_label.nrrd"));
  EXPECT_FALSE(findCase(dataset, "c").label.has_value());
  EXPECT_EQ(findCase(dataset, "d").label, std::optional<fs::path>(dir / "d.h5"));
  EXPECT_FALSE(findCase(dataset, "f").label.has_value());
  EXPECT_EQ(findCase(dataset, "patient7").image, dir / "patient7");

  // Every listed case reads; labelled ones as a pair on one grid.
  for (const DatasetCase& c : dataset.cases) {
    if (c.label) {
      const VolumePair pair = readCase(c.image, *c.label);
      EXPECT_EQ(pair.image.geometry().size, g.size) << c.id;
    } else {
      EXPECT_EQ(readImage(c.image).geometry().size, g.size) << c.id;
    }
  }
}

}  // namespace
}  // namespace sfr::io
