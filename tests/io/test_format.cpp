// Format detection: by name, by content, and the rule that both must agree.
#include <gtest/gtest.h>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/format.h"

namespace sfr::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

TEST(FormatFromExtension, KnowsEveryVolumeExtensionInAnyCase) {
  EXPECT_EQ(formatFromExtension("a/b.nii"), FileFormat::Nifti);
  EXPECT_EQ(formatFromExtension("case.NII.GZ"), FileFormat::Nifti);
  EXPECT_EQ(formatFromExtension("x.nrrd"), FileFormat::Nrrd);
  EXPECT_EQ(formatFromExtension("x.nhdr"), FileFormat::Nrrd);
  EXPECT_EQ(formatFromExtension("x.mha"), FileFormat::MetaImage);
  EXPECT_EQ(formatFromExtension("x.MHD"), FileFormat::MetaImage);
  EXPECT_EQ(formatFromExtension("la/1/mri_norm2.h5"), FileFormat::Hdf5);
  EXPECT_EQ(formatFromExtension("x.hdf5"), FileFormat::Hdf5);
  EXPECT_EQ(formatFromExtension("x.gz"), FileFormat::Unknown);
  EXPECT_EQ(formatFromExtension("x.nii.bak"), FileFormat::Unknown);
  EXPECT_EQ(formatFromExtension("nii"), FileFormat::Unknown);
  EXPECT_EQ(formatFromExtension("dicom_folder"), FileFormat::Unknown);
}

TEST(FormatName, NamesEachFormat) {
  EXPECT_EQ(formatName(FileFormat::Nifti), "NIfTI");
  EXPECT_EQ(formatName(FileFormat::Nrrd), "NRRD");
  EXPECT_EQ(formatName(FileFormat::MetaImage), "MetaImage");
  EXPECT_EQ(formatName(FileFormat::Hdf5), "HDF5");
  EXPECT_EQ(formatName(FileFormat::DicomSeries), "DICOM series");
  EXPECT_EQ(formatName(FileFormat::Unknown), "unknown");
}

TEST(IsWritableExtension, AcceptsOnlyWhatTheWritersProduce) {
  for (const char* name : {"a.nii", "a.nii.gz", "a.nrrd", "a.nhdr", "a.mha", "a.mhd"})
    EXPECT_TRUE(isWritableExtension(name)) << name;
  for (const char* name : {"a.h5", "a.png", "a", "a.dcm"})
    EXPECT_FALSE(isWritableExtension(name)) << name;
}

TEST(SniffFormat, RecognisesContentWhateverTheName) {
  TempDir dir;
  const std::string nifti = test::niftiFile(test::NiftiSpec{}, std::string(96, '\0'));
  test::writeBytes(dir / "plain.bin", nifti);
  test::writeGzip(dir / "packed.bin", nifti);
  test::writeBytes(dir / "nrrd.bin", "NRRD0004\ntype: float\n");
  test::writeBytes(dir / "meta.bin", "ObjectType = Image\nNDims = 3\n");
  test::writeBytes(dir / "meta2.bin", "NDims = 3\nDimSize = 1 1 1\n");
  const float v = 1;
  test::writeH5Dataset(dir / "data.bin", "image", {1, 1, 1}, H5T_NATIVE_FLOAT, &v);
  test::writeBytes(dir / "random.bin", std::string(1000, 'q'));
  test::writeGzip(dir / "text.gz", "hello, this is not a volume");
  fs::create_directory(dir / "folder");

  EXPECT_EQ(sniffFormat(dir / "plain.bin"), FileFormat::Nifti);
  EXPECT_EQ(sniffFormat(dir / "packed.bin"), FileFormat::Nifti);
  EXPECT_EQ(sniffFormat(dir / "nrrd.bin"), FileFormat::Nrrd);
  EXPECT_EQ(sniffFormat(dir / "meta.bin"), FileFormat::MetaImage);
  EXPECT_EQ(sniffFormat(dir / "meta2.bin"), FileFormat::MetaImage);
  EXPECT_EQ(sniffFormat(dir / "data.bin"), FileFormat::Hdf5);
  EXPECT_EQ(sniffFormat(dir / "random.bin"), FileFormat::Unknown);
  EXPECT_EQ(sniffFormat(dir / "text.gz"), FileFormat::Unknown);
  EXPECT_EQ(sniffFormat(dir / "folder"), FileFormat::DicomSeries);
  EXPECT_EQ(sniffFormat(dir / "missing"), FileFormat::Unknown);
}

TEST(SniffFormat, FindsAnHdf5SuperblockAfterAUserBlock) {
  TempDir dir;
  const hid_t creation = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_userblock(creation, 1024);
  const hid_t file = H5Fcreate((dir / "ub.h5").c_str(), H5F_ACC_TRUNC, creation, H5P_DEFAULT);
  H5Fclose(file);
  H5Pclose(creation);
  const std::string bytes = test::readBytes(dir / "ub.h5");
  ASSERT_EQ(bytes.compare(1024, 4, "\x89HDF"), 0)
      << "the HDF5 library did not honour the user block";
  EXPECT_EQ(sniffFormat(dir / "ub.h5"), FileFormat::Hdf5);
}

TEST(DetectFormat, TrustsTheNameOnlyWhenTheContentAgrees) {
  TempDir dir;
  const std::string nifti = test::niftiFile(test::NiftiSpec{}, std::string(96, '\0'));
  test::writeGzip(dir / "a.nii.gz", nifti);
  test::writeBytes(dir / "b.nii", nifti);
  test::writeBytes(dir / "c.nrrd", nifti);
  test::writeBytes(dir / "d.nii.gz",
                   std::string(400, 'z'));  // unknown content: the NIfTI check explains
  fs::create_directory(dir / "series");

  EXPECT_EQ(detectFormat(dir / "a.nii.gz"), FileFormat::Nifti);
  EXPECT_EQ(detectFormat(dir / "b.nii"), FileFormat::Nifti);
  EXPECT_EQ(detectFormat(dir / "d.nii.gz"), FileFormat::Nifti);
  EXPECT_EQ(detectFormat(dir / "series"), FileFormat::DicomSeries);
  try {
    detectFormat(dir / "c.nrrd");
    ADD_FAILURE() << "NIfTI content named .nrrd accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), (dir / "c.nrrd").string());
    EXPECT_NE(e.problem().find("content is NIfTI"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("extension says NRRD"), std::string::npos) << e.what();
  }
  test::writeBytes(dir / "e.dat", nifti);
  try {
    detectFormat(dir / "e.dat");
    ADD_FAILURE() << "unknown extension accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.problem().find(".nii.gz"), std::string::npos) << e.what();  // suggests a name
  }
  EXPECT_THROW(detectFormat(dir / "missing.nii"), Error);
}

}  // namespace
}  // namespace sfr::io
