#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sfr/base/geometry.h"
#include "sfr/base/volume.h"

using namespace sfr;

namespace {
Geometry obliqueGeometry() {
  Geometry g;
  g.size = {4, 5, 6};
  g.spacing = {0.5, 2.0, 3.0};
  g.origin = {10.0, -5.0, 2.5};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  return g;
}
}  // namespace

TEST(Geometry, IndexToPhysicalAppliesSpacingDirectionAndOrigin) {
  const Geometry g = obliqueGeometry();
  const Vec3 p = g.indexToPhysical({2, 1, 1});
  // Hand-computed: origin + R * (1.0, 2.0, 3.0).
  const double c = std::cos(0.3), s = std::sin(0.3);
  EXPECT_NEAR(p[0], 10.0 + c * 1.0 - s * 2.0, 1e-12);
  EXPECT_NEAR(p[1], -5.0 + s * 1.0 + c * 2.0, 1e-12);
  EXPECT_NEAR(p[2], 2.5 + 3.0, 1e-12);
}

TEST(Geometry, PhysicalToIndexInvertsIndexToPhysical) {
  const Geometry g = obliqueGeometry();
  const Vec3 index{1.25, 3.5, 4.75};
  const Vec3 back = g.physicalToIndex(g.indexToPhysical(index));
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(back[a], index[a], 1e-12);
}

TEST(Geometry, SameGridToleratesRoundingButNotRealDifferences) {
  Geometry a = obliqueGeometry(), b = a;
  b.spacing[0] += 1e-9;
  EXPECT_TRUE(a.sameGrid(b));
  b.spacing[0] += 1e-3;
  EXPECT_FALSE(a.sameGrid(b));
  b = a;
  b.size[2] = 7;
  EXPECT_FALSE(a.sameGrid(b));
  b = a;
  b.origin[1] += 0.5;
  EXPECT_FALSE(a.sameGrid(b));
  b = a;
  b.direction[1] = 0.0;
  EXPECT_FALSE(a.sameGrid(b));
}

TEST(Geometry, DescribeAndEquality) {
  Geometry g;
  g.size = {148, 132, 88};
  g.spacing = {0.625, 0.625, 0.625};
  EXPECT_EQ(g.describe(), "148x132x88 @ 0.625x0.625x0.625 mm");
  EXPECT_EQ(g.voxelCount(), 148u * 132u * 88u);
  Geometry h = g;
  EXPECT_TRUE(g == h);
  h.origin[0] = 1;
  EXPECT_TRUE(g != h);
}

TEST(Volume, IndexingIsIFastest) {
  Geometry g;
  g.size = {3, 4, 5};
  LabelVolume v(g, 0);
  v.at(2, 1, 3) = 7;
  EXPECT_EQ(v.data()[2 + 3 * (1 + 4 * 3)], 7);
  EXPECT_EQ(v.linearIndex(2, 1, 3), 2u + 3u * (1u + 4u * 3u));
  EXPECT_EQ(v.nx(), 3u);
  EXPECT_EQ(v.ny(), 4u);
  EXPECT_EQ(v.nz(), 5u);
  EXPECT_FALSE(v.empty());
}

TEST(Volume, RejectsBufferOfWrongSize) {
  Geometry g;
  g.size = {2, 2, 2};
  EXPECT_THROW(ImageVolume(g, std::vector<float>(7)), Error);
  EXPECT_NO_THROW(ImageVolume(g, std::vector<float>(8)));
}

TEST(Volume, RequireSameGridNamesSubject) {
  Geometry a;
  a.size = {2, 2, 2};
  Geometry b = a;
  b.size = {2, 2, 3};
  try {
    requireSameGrid(a, b, "case_1/label.nii.gz");
    FAIL() << "expected sfr::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "case_1/label.nii.gz");
    EXPECT_NE(std::string(e.what()).find("grid"), std::string::npos);
  }
  EXPECT_NO_THROW(requireSameGrid(a, a, "x"));
}

TEST(Volume, RequireFiniteReportsFirstBadVoxel) {
  Geometry g;
  g.size = {2, 3, 2};
  ImageVolume v(g, 1.0f);
  EXPECT_NO_THROW(requireFinite(v, "img"));
  v.at(1, 2, 1) = std::numeric_limits<float>::quiet_NaN();
  try {
    requireFinite(v, "img.nii");
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("NaN"), std::string::npos);
    EXPECT_NE(m.find("(1, 2, 1)"), std::string::npos);
  }
  v.at(1, 2, 1) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(requireFinite(v, "img"), Error);
}

TEST(Volume, ZScoreUsesPopulationStd) {
  Geometry g;
  g.size = {4, 1, 1};
  ImageVolume v(g, std::vector<float>{1, 2, 3, 4});
  zScoreInPlace(v);
  const double sd = std::sqrt(1.25);  // population std of 1..4
  EXPECT_NEAR(v.at(0, 0, 0), (1 - 2.5) / sd, 1e-6);
  EXPECT_NEAR(v.at(3, 0, 0), (4 - 2.5) / sd, 1e-6);
  ImageVolume c(g, 5.0f);
  zScoreInPlace(c);
  for (float x : c.voxels()) EXPECT_EQ(x, 0.0f);
}
