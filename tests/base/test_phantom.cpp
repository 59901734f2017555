#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "sfr/base/phantom.h"

using namespace sfr;

namespace {
PhantomSettings small() {
  PhantomSettings s;
  s.setSize({48, 40, 32}).setCases(4);
  return s;
}
}  // namespace

TEST(Phantom, DeterministicForSameSeedAndIndex) {
  const PhantomCase a = generatePhantomCase(small(), 2);
  const PhantomCase b = generatePhantomCase(small(), 2);
  EXPECT_EQ(a.id, "phantom_002");
  EXPECT_EQ(a.image.voxels(), b.image.voxels());
  EXPECT_EQ(a.label.voxels(), b.label.voxels());
}

TEST(Phantom, CasesAndSeedsDiffer) {
  const PhantomCase a = generatePhantomCase(small(), 0);
  const PhantomCase b = generatePhantomCase(small(), 1);
  PhantomSettings other = small();
  other.setSeed(7);
  const PhantomCase c = generatePhantomCase(other, 0);
  EXPECT_NE(a.label.voxels(), b.label.voxels());
  EXPECT_NE(a.image.voxels(), c.image.voxels());
}

TEST(Phantom, LooksLikeALeftAtriumScan) {
  const PhantomSettings s = small();
  const PhantomCase p = generatePhantomCase(s, 1);
  EXPECT_EQ(p.image.geometry().size, s.size);
  EXPECT_EQ(p.image.geometry().spacing, s.spacing);
  EXPECT_EQ(p.label.geometry(), p.image.geometry());
  // Foreground fraction in the range of the real LA crops (3.6-10.3 %) give or take.
  std::size_t fg = 0;
  double inMean = 0, outMean = 0, sum = 0, sq = 0;
  for (std::size_t n = 0; n < p.label.voxelCount(); ++n) {
    const float v = p.image.data()[n];
    sum += v;
    sq += v * v;
    if (p.label.data()[n]) {
      ++fg;
      inMean += v;
    } else {
      outMean += v;
    }
  }
  const double fraction = double(fg) / p.label.voxelCount();
  EXPECT_GT(fraction, 0.02);
  EXPECT_LT(fraction, 0.25);
  inMean /= fg;
  outMean /= (p.label.voxelCount() - fg);
  EXPECT_GT(inMean - outMean, 1.0) << "cavity must be brighter than its surroundings";
  // z-scored.
  const double n = double(p.image.voxelCount());
  EXPECT_NEAR(sum / n, 0.0, 1e-3);
  EXPECT_NEAR(std::sqrt(sq / n - (sum / n) * (sum / n)), 1.0, 1e-3);
  // Only labels 0 and 1.
  for (auto v : p.label.voxels()) ASSERT_LE(v, 1);
}

TEST(Phantom, DatasetHasRequestedCases) {
  const auto cases = generatePhantomDataset(small());
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[3].id, "phantom_003");
  EXPECT_EQ(cases[3].label.voxels(), generatePhantomCase(small(), 3).label.voxels());
}

TEST(Phantom, ValidatesSettings) {
  PhantomSettings s = small();
  EXPECT_THROW(generatePhantomCase(s, 4), Error);
  EXPECT_THROW(generatePhantomCase(s, -1), Error);
  s.size = {8, 40, 32};
  EXPECT_THROW(s.validate(), Error);
  s = small();
  s.biasStrength = 1.5;
  EXPECT_THROW(s.validate(), Error);
  s = small();
  s.cases = 0;
  EXPECT_THROW(generatePhantomDataset(s), Error);
}

TEST(Phantom, SettingsJsonRoundTrip) {
  PhantomSettings s = small();
  s.setSeed(99).setNoiseSigma(0.2);
  s.veins = 3;
  nlohmann::json j = s;
  const PhantomSettings back = j.get<PhantomSettings>();
  EXPECT_EQ(back.size, s.size);
  EXPECT_EQ(back.seed, 99u);
  EXPECT_EQ(back.veins, 3);
  EXPECT_DOUBLE_EQ(back.noiseSigma, 0.2);
  EXPECT_EQ(nlohmann::json(back), j);
  // Missing keys take the released defaults.
  const PhantomSettings defaults = nlohmann::json::object().get<PhantomSettings>();
  EXPECT_EQ(defaults.cases, PhantomSettings{}.cases);
}
