// The exact EDT against brute force (minimum over every feature voxel) on small random grids,
// isotropic and anisotropic, plus its error handling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "sfr/base/distance_transform.h"
#include "sfr/base/error.h"

namespace sfr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t count(const Size3& s) {
  return s[0] * s[1] * s[2];
}

Size3 coordinates(std::size_t v, const Size3& s) {
  return {v % s[0], (v / s[0]) % s[1], v / (s[0] * s[1])};
}

double squaredPhysical(std::size_t a, std::size_t b, const Size3& s, const Vec3& spacing) {
  const Size3 p = coordinates(a, s), q = coordinates(b, s);
  double sum = 0.0;
  for (int axis = 0; axis < 3; ++axis) {
    const double d = (static_cast<double>(p[axis]) - static_cast<double>(q[axis])) * spacing[axis];
    sum += d * d;
  }
  return sum;
}

// Distance from every voxel to the nearest nonzero voxel, by trying every feature.
std::vector<double> bruteDistances(const std::vector<std::uint8_t>& features, const Size3& s,
                                   const Vec3& spacing) {
  std::vector<double> out(count(s), kInf);
  for (std::size_t v = 0; v < count(s); ++v)
    for (std::size_t f = 0; f < count(s); ++f)
      if (features[f]) out[v] = std::min(out[v], std::sqrt(squaredPhysical(v, f, s, spacing)));
  return out;
}

std::vector<std::uint8_t> randomMask(const Size3& s, double density, std::mt19937& rng) {
  std::bernoulli_distribution on(density);
  std::vector<std::uint8_t> m(count(s));
  for (auto& v : m) v = on(rng) ? static_cast<std::uint8_t>(1 + rng() % 200) : 0;
  return m;
}

void expectClose(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t n = 0; n < got.size(); ++n) {
    if (std::isinf(want[n])) {
      EXPECT_TRUE(std::isinf(got[n])) << "voxel " << n;
    } else {
      EXPECT_NEAR(got[n], want[n], 1e-12 * (1.0 + want[n])) << "voxel " << n;
    }
  }
}

struct Grid {
  Size3 size;
  Vec3 spacing;
};

const Grid kGrids[] = {
    {{7, 6, 5}, {1.0, 1.0, 1.0}},   {{9, 5, 8}, {0.625, 0.625, 0.625}},
    {{6, 8, 7}, {0.7, 1.3, 3.0}},   {{11, 4, 6}, {2.5, 1.0, 0.4}},
    {{1, 9, 7}, {1.0, 0.5, 2.0}},   {{8, 1, 1}, {0.3, 1.0, 1.0}},
    {{5, 7, 1}, {1.0, 1.7, 1.0}},   {{17, 3, 19}, {1.0, 1.5, 2.5}},
    {{20, 18, 3}, {0.8, 0.8, 1.2}},
};

TEST(DistanceTransform, MatchesBruteForceOnRandomGrids) {
  std::mt19937 rng(20241127);
  for (const Grid& g : kGrids)
    for (double density : {0.01, 0.05, 0.3, 0.9}) {
      const auto features = randomMask(g.size, density, rng);
      SCOPED_TRACE(testing::Message()
                   << g.size[0] << "x" << g.size[1] << "x" << g.size[2] << " density " << density);
      expectClose(distanceTransform(features.data(), g.size, g.spacing),
                  bruteDistances(features, g.size, g.spacing));
    }
}

TEST(DistanceTransform, SingleFeatureGivesAnalyticDistances) {
  const Size3 s{4, 3, 5};
  const Vec3 spacing{0.5, 2.0, 3.0};
  std::vector<std::uint8_t> features(count(s), 0);
  features[0] = 1;  // voxel (0, 0, 0)
  const auto d = distanceTransform(features.data(), s, spacing);
  // Far corner (3, 2, 4): sqrt(1.5² + 4² + 12²).
  EXPECT_DOUBLE_EQ(d.back(), std::sqrt(1.5 * 1.5 + 16.0 + 144.0));
  EXPECT_DOUBLE_EQ(d[0], 0.0);
  EXPECT_DOUBLE_EQ(d[1], 0.5);
  EXPECT_DOUBLE_EQ(d[s[0]], 2.0);
}

TEST(DistanceTransform, NoFeatureIsInfiniteEverywhere) {
  const Size3 s{5, 4, 3};
  const std::vector<std::uint8_t> none(count(s), 0);
  for (double v : distanceTransform(none.data(), s, {1, 1, 1})) EXPECT_TRUE(std::isinf(v));
}

TEST(DistanceTransform, DistancesAtMatchBruteForce) {
  std::mt19937 rng(99);
  for (const Grid& g : kGrids) {
    const auto features = randomMask(g.size, 0.08, rng);
    const auto full = bruteDistances(features, g.size, g.spacing);
    std::vector<std::size_t> queries;
    for (std::size_t v = 0; v < count(g.size); ++v)
      if (rng() % 5 == 0) queries.push_back(v);
    queries.push_back(count(g.size) - 1);
    queries.push_back(0);
    std::shuffle(queries.begin(), queries.end(), rng);
    queries.push_back(queries.front());  // a repeated query
    std::vector<double> want;
    for (std::size_t q : queries) want.push_back(full[q]);
    expectClose(distancesAt(features.data(), g.size, g.spacing, queries), want);

    // Features as a list: shuffled and with a repeat, which must not change anything.
    std::vector<std::size_t> list;
    for (std::size_t v = 0; v < count(g.size); ++v)
      if (features[v]) list.push_back(v);
    if (!list.empty()) list.push_back(list.front());
    std::shuffle(list.begin(), list.end(), rng);
    expectClose(distancesAt(list, g.size, g.spacing, queries), want);

    // Every voxel a query: each j-line then takes the whole-line envelope instead of the
    // short outward scans that sparse queries use.
    std::vector<std::size_t> all(count(g.size));
    for (std::size_t v = 0; v < all.size(); ++v) all[v] = v;
    expectClose(distancesAt(list, g.size, g.spacing, all), full);
  }
}

TEST(DistanceTransform, DistancesAtRejectsVoxelsOutsideTheGrid) {
  const Size3 s{3, 3, 3};
  const std::vector<std::uint8_t> features(count(s), 1);
  EXPECT_THROW(distancesAt(features.data(), s, {1, 1, 1}, {27}), Error);
  EXPECT_THROW(distancesAt(std::vector<std::size_t>{27}, s, {1, 1, 1}, {0}), Error);
  EXPECT_TRUE(distancesAt(features.data(), s, {1, 1, 1}, {}).empty());
  const auto none = distancesAt(std::vector<std::size_t>{}, s, {1, 1, 1}, {4, 26});
  EXPECT_TRUE(std::isinf(none[0]) && std::isinf(none[1]));
}

TEST(DistanceTransform, VolumeFormUsesVoxelOrMillimetreSteps) {
  Geometry g;
  g.size = {6, 5, 4};
  g.spacing = {0.8, 1.1, 2.6};
  g.origin = {3.0, -2.0, 7.5};
  std::mt19937 rng(5);
  LabelVolume features(g, randomMask(g.size, 0.1, rng));
  const auto mm = distanceTransform(features, Spacing::Millimetre);
  const auto vox = distanceTransform(features, Spacing::Voxel);
  EXPECT_EQ(mm.geometry(), g);
  EXPECT_EQ(vox.geometry(), g);
  expectClose(mm.voxels(), bruteDistances(features.voxels(), g.size, g.spacing));
  expectClose(vox.voxels(), bruteDistances(features.voxels(), g.size, {1, 1, 1}));
}

TEST(DistanceTransform, StepLengthsFollowTheUnit) {
  Geometry g;
  g.spacing = {0.625, 0.7, 3.0};
  EXPECT_EQ(stepLengths(g, Spacing::Millimetre), g.spacing);
  EXPECT_EQ(stepLengths(g, Spacing::Voxel), (Vec3{1.0, 1.0, 1.0}));
}

TEST(DistanceTransform, RejectsBadSpacing) {
  const Size3 s{3, 3, 3};
  const std::vector<std::uint8_t> m(27, 1);
  EXPECT_THROW(distanceTransform(m.data(), s, {1, 0, 1}), Error);
  EXPECT_THROW(distanceTransform(m.data(), s, {1, 1, -2}), Error);
  EXPECT_THROW(distanceTransform(m.data(), s, {1, 1, std::nan("")}), Error);
  EXPECT_THROW(distancesAt(m.data(), s, {-1, 1, 1}, {0}), Error);
}

}  // namespace
}  // namespace sfr
