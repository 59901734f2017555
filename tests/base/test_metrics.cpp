// medpy-exact metrics against values computed here by brute force: the surface from an explicit
// erosion, distances by trying every pair of surface voxels, hd95 from a full sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/metrics.h"

namespace sfr {
namespace {

using Mask = std::vector<std::uint8_t>;

std::size_t count(const Size3& s) {
  return s[0] * s[1] * s[2];
}

// ---- Brute-force reference ----------------------------------------------------------------------

bool setAt(const Mask& m, const Size3& s, long i, long j, long k) {
  if (i < 0 || j < 0 || k < 0 || i >= long(s[0]) || j >= long(s[1]) || k >= long(s[2]))
    return false;  // scipy's binary_erosion border_value=0
  return m[std::size_t(i) + s[0] * (std::size_t(j) + s[1] * std::size_t(k))] != 0;
}

Mask bruteSurface(const Mask& m, const Size3& s) {
  Mask out(count(s), 0);
  const long offsets[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
  for (long k = 0; k < long(s[2]); ++k)
    for (long j = 0; j < long(s[1]); ++j)
      for (long i = 0; i < long(s[0]); ++i) {
        const bool in = setAt(m, s, i, j, k);
        bool eroded = in;
        for (const auto& o : offsets) eroded = eroded && setAt(m, s, i + o[0], j + o[1], k + o[2]);
        out[std::size_t(i) + s[0] * (std::size_t(j) + s[1] * std::size_t(k))] = in != eroded;
      }
  return out;
}

std::vector<double> bruteDirected(const Mask& a, const Mask& b, const Size3& s, const Vec3& sp) {
  const Mask sa = bruteSurface(a, s), sb = bruteSurface(b, s);
  std::vector<double> out;
  for (std::size_t p = 0; p < count(s); ++p) {
    if (!sa[p]) continue;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t q = 0; q < count(s); ++q) {
      if (!sb[q]) continue;
      const double dx = (double(p % s[0]) - double(q % s[0])) * sp[0];
      const double dy = (double((p / s[0]) % s[1]) - double((q / s[0]) % s[1])) * sp[1];
      const double dz = (double(p / (s[0] * s[1])) - double(q / (s[0] * s[1]))) * sp[2];
      best = std::min(best, std::sqrt(dx * dx + dy * dy + dz * dz));
    }
    out.push_back(best);
  }
  return out;
}

// numpy.percentile(..., 95) as numpy documents it: full sort, linear interpolation.
double brutePercentile95(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const double pos = 0.95 * double(v.size() - 1);
  const std::size_t lo = std::size_t(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

double bruteMean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

ClassMetrics bruteMetrics(const Mask& pred, const Mask& ref, const Size3& s, const Vec3& sp) {
  ClassMetrics m;
  std::size_t p = 0, r = 0, both = 0, either = 0;
  for (std::size_t v = 0; v < count(s); ++v) {
    p += pred[v] != 0;
    r += ref[v] != 0;
    both += pred[v] && ref[v];
    either += pred[v] || ref[v];
  }
  m.predictionVoxels = p;
  m.referenceVoxels = r;
  m.dice = 2.0 * double(both) / double(p + r);
  m.jaccard = double(both) / double(either);
  m.precision = double(both) / double(p);
  m.recall = double(both) / double(r);
  const auto d1 = bruteDirected(pred, ref, s, sp), d2 = bruteDirected(ref, pred, s, sp);
  std::vector<double> all = d1;
  all.insert(all.end(), d2.begin(), d2.end());
  m.asd = bruteMean(d1);
  m.assd = bruteMean(all);
  m.hd95 = brutePercentile95(all);
  m.hd = *std::max_element(all.begin(), all.end());
  return m;
}

void expectSame(const ClassMetrics& got, const ClassMetrics& want) {
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * (1.0 + std::abs(b)); };
  EXPECT_EQ(got.predictionVoxels, want.predictionVoxels);
  EXPECT_EQ(got.referenceVoxels, want.referenceVoxels);
  EXPECT_PRED2(near, got.dice, want.dice);
  EXPECT_PRED2(near, got.jaccard, want.jaccard);
  EXPECT_PRED2(near, got.precision, want.precision);
  EXPECT_PRED2(near, got.recall, want.recall);
  EXPECT_PRED2(near, got.asd, want.asd);
  EXPECT_PRED2(near, got.assd, want.assd);
  EXPECT_PRED2(near, got.hd95, want.hd95);
  EXPECT_PRED2(near, got.hd, want.hd);
}

// ---- Random shapes ------------------------------------------------------------------------------

// A few random ellipsoids (some cut by the grid border) plus scattered islands, painted `label`
// (or a random nonzero value when label is 0).
void paintBlobs(Mask& m, const Size3& s, std::mt19937& rng, std::uint8_t label, int blobs) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int b = 0; b < blobs; ++b) {
    double c[3], r[3];
    for (int a = 0; a < 3; ++a) {
      c[a] = unit(rng) * double(s[a]);
      r[a] = 1.0 + unit(rng) * 0.45 * double(s[a]);
    }
    for (std::size_t k = 0; k < s[2]; ++k)
      for (std::size_t j = 0; j < s[1]; ++j)
        for (std::size_t i = 0; i < s[0]; ++i) {
          const double x = (double(i) - c[0]) / r[0], y = (double(j) - c[1]) / r[1],
                       z = (double(k) - c[2]) / r[2];
          if (x * x + y * y + z * z <= 1.0)
            m[i + s[0] * (j + s[1] * k)] = label ? label : std::uint8_t(1 + rng() % 250);
        }
  }
  for (std::size_t v = 0; v < count(s); ++v)
    if (unit(rng) < 0.01) m[v] = label ? label : 7;
}

struct Grid {
  Size3 size;
  Vec3 spacing;
};

const Grid kGrids[] = {
    {{12, 10, 9}, {1.0, 1.0, 1.0}}, {{14, 11, 8}, {0.625, 0.625, 0.625}},
    {{13, 12, 7}, {0.7, 0.7, 3.0}}, {{9, 15, 10}, {1.0, 1.5, 2.5}},
    {{16, 9, 1}, {0.8, 1.2, 1.0}},  {{1, 12, 11}, {2.0, 0.5, 0.9}},
};

Mask binary(const Mask& labels, std::uint8_t c) {
  Mask out(labels.size());
  for (std::size_t v = 0; v < labels.size(); ++v) out[v] = labels[v] == c;
  return out;
}

// ---- Tests --------------------------------------------------------------------------------------

TEST(Metrics, BinaryMetricsMatchBruteForce) {
  std::mt19937 rng(1234);
  for (const Grid& g : kGrids)
    for (int trial = 0; trial < 4; ++trial) {
      Mask pred(count(g.size), 0), ref(count(g.size), 0);
      paintBlobs(pred, g.size, rng, 0, 1 + trial % 3);
      paintBlobs(ref, g.size, rng, 0, 1 + (trial + 1) % 3);
      SCOPED_TRACE(testing::Message() << "grid " << g.size[0] << "x" << g.size[1] << "x"
                                      << g.size[2] << " trial " << trial);
      for (const Vec3& sp : {Vec3{1.0, 1.0, 1.0}, g.spacing}) {
        const ClassMetrics got =
            binaryMetrics(pred.data(), ref.data(), g.size, sp, EmptyPolicy::Raise);
        EXPECT_EQ(got.label, 1);
        expectSame(got, bruteMetrics(pred, ref, g.size, sp));
      }
    }
}

TEST(Metrics, AsdIsDirectedFromPredictionToReference) {
  // A large reference and a small prediction inside it: prediction->reference distances differ
  // from the reverse ones, so asd != assd.
  const Size3 s{12, 12, 12};
  Mask ref(count(s), 0), pred(count(s), 0);
  for (std::size_t k = 1; k < 11; ++k)
    for (std::size_t j = 1; j < 11; ++j)
      for (std::size_t i = 1; i < 11; ++i) {
        ref[i + 12 * (j + 12 * k)] = 1;
        if (i >= 4 && i < 7 && j >= 4 && j < 7 && k >= 4 && k < 7) pred[i + 12 * (j + 12 * k)] = 1;
      }
  const Vec3 sp{1.0, 1.0, 1.0};
  const ClassMetrics m = binaryMetrics(pred.data(), ref.data(), s, sp, EmptyPolicy::Raise);
  EXPECT_NEAR(m.asd, bruteMean(bruteDirected(pred, ref, s, sp)), 1e-12);
  EXPECT_GT(std::abs(m.asd - bruteMean(bruteDirected(ref, pred, s, sp))), 0.1);
  expectSame(m, bruteMetrics(pred, ref, s, sp));
}

TEST(Metrics, SurfaceIsMaskXorErosion) {
  std::mt19937 rng(42);
  for (const Grid& g : kGrids) {
    Mask m(count(g.size), 0);
    paintBlobs(m, g.size, rng, 0, 3);
    EXPECT_EQ(binarySurface(m.data(), g.size), bruteSurface(m, g.size));
  }
  // A full 3x3x3 block: everything touches the array border except the centre.
  const Mask full(27, 1);
  Mask want(27, 1);
  want[13] = 0;
  EXPECT_EQ(binarySurface(full.data(), {3, 3, 3}), want);
}

TEST(Metrics, SurfaceDistancesMatchBruteForce) {
  std::mt19937 rng(77);
  for (const Grid& g : kGrids) {
    Mask a(count(g.size), 0), b(count(g.size), 0);
    paintBlobs(a, g.size, rng, 0, 2);
    paintBlobs(b, g.size, rng, 0, 1);
    auto got = surfaceDistances(a.data(), b.data(), g.size, g.spacing);
    auto want = bruteDirected(a, b, g.size, g.spacing);
    ASSERT_EQ(got.size(), want.size());
    // Both list the surface voxels of `a` in i-fastest order.
    for (std::size_t n = 0; n < got.size(); ++n)
      EXPECT_NEAR(got[n], want[n], 1e-12 * (1 + want[n]));
  }
  const Mask empty(8, 0), one{1, 0, 0, 0, 0, 0, 0, 0};
  try {
    surfaceDistances(empty.data(), one.data(), {2, 2, 2}, {1, 1, 1});
    ADD_FAILURE() << "empty result must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "The first supplied array does not contain any binary object.");
  }
  try {
    surfaceDistances(one.data(), empty.data(), {2, 2, 2}, {1, 1, 1});
    ADD_FAILURE() << "empty reference must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "The second supplied array does not contain any binary object.");
  }
}

TEST(Metrics, MultiClassMatchesPerClassBruteForce) {
  std::mt19937 rng(555);
  for (const Grid& g : kGrids) {
    Geometry geo;
    geo.size = g.size;
    geo.spacing = g.spacing;
    LabelVolume pred(geo), ref(geo);
    for (std::uint8_t c : {1, 2, 4}) {
      paintBlobs(pred.voxels(), g.size, rng, c, 1);
      paintBlobs(ref.voxels(), g.size, rng, c, 1);
    }
    for (Spacing unit : {Spacing::Voxel, Spacing::Millimetre}) {
      const CaseMetrics got = computeMetrics(
          pred, ref, MetricsSettings().setUnit(unit).setEmptyPolicy(EmptyPolicy::NotANumber));
      EXPECT_EQ(got.unit, unit);
      ASSERT_EQ(got.classes.size(), 3u);
      const Vec3 sp = unit == Spacing::Voxel ? Vec3{1, 1, 1} : g.spacing;
      for (std::uint8_t c : {1, 2, 4}) {
        SCOPED_TRACE(testing::Message() << "class " << int(c));
        const Mask p = binary(pred.voxels(), c), r = binary(ref.voxels(), c);
        expectSame(got.at(c), bruteMetrics(p, r, g.size, sp));
        EXPECT_EQ(got.at(c).label, c);
      }
    }
  }
}

TEST(Metrics, AnyForegroundMergesEveryNonzeroLabel) {
  std::mt19937 rng(8);
  const Grid g = kGrids[3];
  Mask pred(count(g.size), 0), ref(count(g.size), 0);
  paintBlobs(pred, g.size, rng, 1, 1);
  paintBlobs(pred, g.size, rng, 3, 1);
  paintBlobs(ref, g.size, rng, 2, 2);
  const CaseMetrics got =
      computeMetrics(pred.data(), ref.data(), g.size, g.spacing,
                     MetricsSettings().setAnyForeground(true).setUnit(Spacing::Millimetre));
  ASSERT_EQ(got.classes.size(), 1u);
  EXPECT_EQ(got.classes[0].label, kAnyForeground);
  Mask p(pred.size()), r(ref.size());
  for (std::size_t v = 0; v < p.size(); ++v) {
    p[v] = pred[v] != 0;
    r[v] = ref[v] != 0;
  }
  expectSame(got.classes[0], bruteMetrics(p, r, g.size, g.spacing));
}

TEST(Metrics, ExplicitClassesAndEmptyPolicies) {
  const Size3 s{6, 6, 6};
  Mask pred(count(s), 0), ref(count(s), 0);
  pred[7] = 1;
  ref[8] = 1;
  ref[100] = 2;   // class 2 only in the reference
  pred[120] = 3;  // class 3 only in the prediction
  const Vec3 sp{1, 1, 1};

  // NaN: medpy's overlap values, NaN distances where medpy would raise.
  MetricsSettings nan = MetricsSettings().setEmptyPolicy(EmptyPolicy::NotANumber);
  CaseMetrics m = computeMetrics(pred.data(), ref.data(), s, sp, nan.setClasses({5, 2, 3, 2}));
  ASSERT_EQ(m.classes.size(), 3u);
  EXPECT_EQ(m.classes[0].label, 2);
  EXPECT_EQ(m.classes[2].label, 5);
  EXPECT_DOUBLE_EQ(m.at(5).dice, 1.0);  // both empty: medpy's ZeroDivisionError branch
  EXPECT_DOUBLE_EQ(m.at(5).jaccard, 1.0);
  EXPECT_DOUBLE_EQ(m.at(5).precision, 0.0);
  EXPECT_DOUBLE_EQ(m.at(5).recall, 0.0);
  EXPECT_DOUBLE_EQ(m.at(2).dice, 0.0);
  for (int c : {2, 3, 5}) {
    EXPECT_TRUE(std::isnan(m.at(c).hd95)) << c;
    EXPECT_TRUE(std::isnan(m.at(c).asd)) << c;
    EXPECT_TRUE(std::isnan(m.at(c).assd)) << c;
    EXPECT_TRUE(std::isnan(m.at(c).hd)) << c;
  }
  EXPECT_THROW(m.at(1), Error);

  // Auto classes: every label present in either map.
  m = computeMetrics(pred.data(), ref.data(), s, sp,
                     MetricsSettings().setEmptyPolicy(EmptyPolicy::NotANumber));
  ASSERT_EQ(m.classes.size(), 3u);
  EXPECT_EQ(m.classes[0].label, 1);
  EXPECT_EQ(m.classes[1].label, 2);
  EXPECT_EQ(m.classes[2].label, 3);
  EXPECT_DOUBLE_EQ(m.at(1).hd, 1.0);

  // Raise (medpy): empty prediction -> "first", empty reference -> "second".
  MetricsSettings raise = MetricsSettings().setEmptyPolicy(EmptyPolicy::Raise);
  try {
    computeMetrics(pred.data(), ref.data(), s, sp, raise.setClasses({2}));
    ADD_FAILURE() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "class 2");
    EXPECT_EQ(e.problem(), "The first supplied array does not contain any binary object.");
  }
  try {
    computeMetrics(pred.data(), ref.data(), s, sp, raise.setClasses({3}));
    ADD_FAILURE() << "must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "The second supplied array does not contain any binary object.");
  }

  // Released SFR / UA-MT rule: empty prediction -> all zero, empty reference still raises.
  MetricsSettings released;
  EXPECT_EQ(released.emptyPolicy, EmptyPolicy::ZeroWhenPredictionEmpty);
  m = computeMetrics(pred.data(), ref.data(), s, sp, released.setClasses({2, 5}));
  for (int c : {2, 5}) {
    const ClassMetrics& z = m.at(c);
    EXPECT_EQ(z.dice, 0.0);
    EXPECT_EQ(z.jaccard, 0.0);
    EXPECT_EQ(z.hd95, 0.0);
    EXPECT_EQ(z.asd, 0.0);
    EXPECT_EQ(z.assd, 0.0);
    EXPECT_EQ(z.hd, 0.0);
  }
  EXPECT_EQ(m.at(2).referenceVoxels, 1u);
  EXPECT_THROW(computeMetrics(pred.data(), ref.data(), s, sp, released.setClasses({3})), Error);
}

TEST(Metrics, BinaryMetricsEmptyMasks) {
  const Size3 s{3, 3, 3};
  const Mask empty(27, 0);
  Mask one(27, 0);
  one[13] = 9;
  const ClassMetrics z =
      binaryMetrics(empty.data(), one.data(), s, {1, 1, 1}, EmptyPolicy::ZeroWhenPredictionEmpty);
  EXPECT_EQ(z.dice, 0.0);
  EXPECT_EQ(z.hd95, 0.0);
  EXPECT_EQ(z.referenceVoxels, 1u);
  EXPECT_THROW(binaryMetrics(empty.data(), one.data(), s, {1, 1, 1}, EmptyPolicy::Raise), Error);
  const ClassMetrics both =
      binaryMetrics(empty.data(), empty.data(), s, {1, 1, 1}, EmptyPolicy::NotANumber);
  EXPECT_EQ(both.dice, 1.0);
  EXPECT_TRUE(std::isnan(both.hd));
  const ClassMetrics same = binaryMetrics(one.data(), one.data(), s, {1, 1, 1}, EmptyPolicy::Raise);
  EXPECT_EQ(same.dice, 1.0);
  EXPECT_EQ(same.hd, 0.0);
  EXPECT_EQ(same.hd95, 0.0);
}

TEST(Metrics, PercentileIsNumpyLinear) {
  // Values from numpy 1.24: np.percentile([...], q).
  EXPECT_DOUBLE_EQ(percentileLinear({4, 1, 3, 2}, 95), 3.85);
  EXPECT_DOUBLE_EQ(percentileLinear({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentileLinear({4, 1, 3, 2}, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentileLinear({4, 1, 3, 2}, 100), 4.0);
  EXPECT_DOUBLE_EQ(percentileLinear({5}, 95), 5.0);
  EXPECT_DOUBLE_EQ(
      percentileLinear(
          {0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 30}, 95),
      10.0);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 50);
  for (int n : {2, 3, 20, 21, 101, 1000}) {
    std::vector<double> v(n);
    for (double& x : v) x = u(rng);
    EXPECT_NEAR(percentileLinear(v, 95), brutePercentile95(v), 1e-12);
  }
  EXPECT_THROW(percentileLinear({}, 95), Error);
  EXPECT_THROW(percentileLinear({1, 2}, 101), Error);
}

TEST(Metrics, SettingsJsonRoundTrip) {
  const MetricsSettings d;
  EXPECT_EQ(d.unit, Spacing::Voxel);
  EXPECT_FALSE(d.anyForeground);
  EXPECT_TRUE(d.classes.empty());

  MetricsSettings s = MetricsSettings()
                          .setUnit(Spacing::Millimetre)
                          .setEmptyPolicy(EmptyPolicy::NotANumber)
                          .setClasses({1, 3})
                          .setAnyForeground(true);
  const nlohmann::json j = s;
  EXPECT_EQ(j.at("unit"), "mm");
  EXPECT_EQ(j.at("empty_policy"), "nan");
  const auto back = j.get<MetricsSettings>();
  EXPECT_EQ(back.unit, s.unit);
  EXPECT_EQ(back.emptyPolicy, s.emptyPolicy);
  EXPECT_EQ(back.classes, s.classes);
  EXPECT_EQ(back.anyForeground, s.anyForeground);

  for (EmptyPolicy p :
       {EmptyPolicy::Raise, EmptyPolicy::ZeroWhenPredictionEmpty, EmptyPolicy::NotANumber}) {
    const nlohmann::json pj = MetricsSettings().setEmptyPolicy(p);
    EXPECT_EQ(pj.get<MetricsSettings>().emptyPolicy, p);
    EXPECT_EQ(pj.at("empty_policy"), toString(p));
  }
  const auto defaults = nlohmann::json::object().get<MetricsSettings>();
  EXPECT_EQ(defaults.emptyPolicy, d.emptyPolicy);
  EXPECT_EQ(defaults.unit, d.unit);
  EXPECT_THROW((nlohmann::json{{"unit", "inch"}}.get<MetricsSettings>()), Error);
  EXPECT_THROW((nlohmann::json{{"empty_policy", "ignore"}}.get<MetricsSettings>()), Error);
  EXPECT_THROW((nlohmann::json{{"classes", nlohmann::json::array({0})}}.get<MetricsSettings>()),
               Error);
  EXPECT_THROW(MetricsSettings().setClasses({256}).validate(), Error);
  EXPECT_STREQ(toString(Spacing::Voxel), "voxel");
  EXPECT_STREQ(toString(Spacing::Millimetre), "mm");
}

TEST(Metrics, CaseMetricsJsonRoundTrip) {
  CaseMetrics m;
  m.unit = Spacing::Millimetre;
  ClassMetrics a;
  a.label = 2;
  a.predictionVoxels = 10;
  a.referenceVoxels = 12;
  a.dice = 0.5;
  a.jaccard = 1.0 / 3.0;
  a.precision = 0.6;
  a.recall = 0.5;
  a.asd = 1.25;
  a.hd95 = 2.5;
  a.assd = 1.5;
  a.hd = 4.0;
  ClassMetrics b;
  b.label = 1;
  b.hd = b.hd95 = b.asd = b.assd = std::numeric_limits<double>::quiet_NaN();
  m.classes = {b, a};
  const nlohmann::json j = m;
  EXPECT_EQ(j.at("unit"), "mm");
  EXPECT_TRUE(j.at("classes").at("1").at("hd").is_null());
  EXPECT_DOUBLE_EQ(j.at("classes").at("2").at("hd95").get<double>(), 2.5);
  const auto back = nlohmann::json::parse(j.dump()).get<CaseMetrics>();
  EXPECT_EQ(back.unit, Spacing::Millimetre);
  ASSERT_EQ(back.classes.size(), 2u);
  EXPECT_EQ(back.classes[0].label, 1);
  EXPECT_TRUE(std::isnan(back.at(1).assd));
  expectSame(back.at(2), a);
  EXPECT_THROW((nlohmann::json{{"label", 1}}.get<ClassMetrics>()), std::exception);
}

TEST(Metrics, RejectsDifferentGrids) {
  Geometry a, b;
  a.size = {4, 4, 4};
  b.size = {4, 4, 5};
  EXPECT_THROW(computeMetrics(LabelVolume(a, 1), LabelVolume(b, 1)), Error);
  EXPECT_THROW(
      computeMetrics(LabelVolume(a, 1), LabelVolume(a, 1), MetricsSettings().setClasses({0})),
      Error);
}

}  // namespace
}  // namespace sfr
