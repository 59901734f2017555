// Parity with medpy.metric.binary 0.5.2: every case of $SFR_REFERENCE_DIR/metrics/expected.json
// (default: $SFR_REFERENCE_DIR_DEFAULT), whatever their number, plus the recorded empty-mask
// behaviour and UA-MT's calculate_metric_percase. The .nii.gz inputs are read with sfr::io, which
// is why this is a separate executable (core/base does not link ITK). Every file compared is
// printed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/metrics.h"
#include "sfr/io/image_io.h"

namespace sfr {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kRelativeTolerance = 1e-6;

fs::path referenceDir() {
  for (const char* name : {"SFR_REFERENCE_DIR", "SFR_REFERENCE_DIR_DEFAULT"})
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return fs::path(v);
  return {};
}

json readExpected(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(file.string(), "cannot open");
  json j = json::parse(in);
  std::cout << "compared reference file " << file.string() << "\n";
  return j;
}

LabelVolume readReferenceLabel(const fs::path& file) {
  LabelVolume v = io::readLabel(file);
  std::cout << "compared reference file " << file.string() << "\n";
  return v;
}

bool close(double got, double want) {
  return std::abs(got - want) <= kRelativeTolerance * std::max(1.0, std::abs(want));
}

// medpy's key -> our value. Every key in the reference must be known, so that a new field in a
// regenerated expected.json cannot be skipped silently.
double valueOf(const ClassMetrics& m, const std::string& key) {
  static const std::map<std::string, double ClassMetrics::*> fields = {
      {"dc", &ClassMetrics::dice},
      {"jc", &ClassMetrics::jaccard},
      {"precision", &ClassMetrics::precision},
      {"recall", &ClassMetrics::recall},
      {"hd", &ClassMetrics::hd},
      {"hd95", &ClassMetrics::hd95},
      {"asd", &ClassMetrics::asd},
      {"assd", &ClassMetrics::assd}};
  const auto it = fields.find(key);
  if (it == fields.end()) throw Error("expected.json", "unknown metric '" + key + "'");
  return m.*(it->second);
}

// Compares every metric of `expected` ({"voxel": {...}, "mm": {...}}) for one class selection.
void compareUnits(const std::string& what, const LabelVolume& pred, const LabelVolume& gt,
                  const Vec3& spacing, const json& expected, const MetricsSettings& base, int label,
                  std::size_t expectedPred, std::size_t expectedGt) {
  int compared = 0;
  for (const auto& [unitName, values] : expected.items()) {
    ASSERT_TRUE(unitName == "voxel" || unitName == "mm") << what << ": unit " << unitName;
    MetricsSettings settings = base;
    settings.setUnit(unitName == "mm" ? Spacing::Millimetre : Spacing::Voxel)
        .setEmptyPolicy(EmptyPolicy::Raise);
    const CaseMetrics got = computeMetrics(pred.data(), gt.data(), gt.size(), spacing, settings);
    const ClassMetrics& m = got.at(label);
    EXPECT_EQ(m.predictionVoxels, expectedPred) << what;
    EXPECT_EQ(m.referenceVoxels, expectedGt) << what;
    for (const auto& [key, want] : values.items()) {
      const double value = valueOf(m, key);
      EXPECT_PRED2(close, value, want.get<double>()) << what << " " << unitName << " " << key;
      ++compared;
    }
  }
  EXPECT_GE(compared, 12) << what << ": too few metrics in expected.json";
}

TEST(MetricsParity, EveryReferenceCaseMatchesMedpy) {
  const fs::path root = referenceDir();
  ASSERT_FALSE(root.empty()) << "set SFR_REFERENCE_DIR or SFR_REFERENCE_DIR_DEFAULT";
  const json expected = readExpected(root / "metrics" / "expected.json");
  ASSERT_TRUE(expected.contains("cases"));
  int cases = 0;
  for (const auto& [name, c] : expected.at("cases").items()) {
    SCOPED_TRACE("case " + name);
    const LabelVolume pred = readReferenceLabel(root / c.at("pred").get<std::string>());
    const LabelVolume gt = readReferenceLabel(root / c.at("gt").get<std::string>());
    const auto shape = c.at("shape").get<std::vector<std::size_t>>();
    const auto spacing = c.at("spacing").get<std::vector<double>>();
    ASSERT_EQ(shape.size(), 3u);
    ASSERT_EQ(spacing.size(), 3u);
    for (int a = 0; a < 3; ++a) {
      EXPECT_EQ(gt.size()[a], shape[a]) << "axis " << a;
      EXPECT_EQ(pred.size()[a], shape[a]) << "axis " << a;
      // The header stores float32; medpy got the exact spacing from the script.
      EXPECT_NEAR(gt.geometry().spacing[a], spacing[a], 1e-6 * spacing[a]) << "axis " << a;
    }
    const Vec3 sp{spacing[0], spacing[1], spacing[2]};
    if (c.contains("per_class")) {
      for (const auto& [labelText, entry] : c.at("per_class").items()) {
        const int label = std::stoi(labelText);
        compareUnits(name + " class " + labelText, pred, gt, sp, entry.at("metrics"),
                     MetricsSettings().setClasses({label}), label,
                     entry.at("pred_voxels").get<std::size_t>(),
                     entry.at("gt_voxels").get<std::size_t>());
      }
    } else {
      // medpy casts to bool: every nonzero voxel is foreground.
      compareUnits(name, pred, gt, sp, c.at("metrics"), MetricsSettings().setAnyForeground(true),
                   kAnyForeground, c.at("pred_voxels").get<std::size_t>(),
                   c.at("gt_voxels").get<std::size_t>());
    }
    ++cases;
  }
  std::cout << "metrics parity: " << cases << " cases compared\n";
  EXPECT_GT(cases, 0);
}

// The recorded empty-mask behaviour: a 20³ grid with a radius-5 ball and an all-zero mask.
TEST(MetricsParity, EmptyMasksBehaveAsRecorded) {
  const fs::path root = referenceDir();
  ASSERT_FALSE(root.empty()) << "set SFR_REFERENCE_DIR or SFR_REFERENCE_DIR_DEFAULT";
  const json e = readExpected(root / "metrics" / "expected.json").at("empty_pred");
  const auto shape = e.at("shape").get<std::vector<std::size_t>>();
  ASSERT_EQ(shape.size(), 3u);
  const Size3 size{shape[0], shape[1], shape[2]};
  std::vector<std::uint8_t> ball(size[0] * size[1] * size[2], 0), empty(ball.size(), 0);
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double x = (double(i) - 10) / 5, y = (double(j) - 10) / 5, z = (double(k) - 10) / 5;
        ball[i + size[0] * (j + size[1] * k)] = x * x + y * y + z * z <= 1.0;
      }
  const Vec3 unit{1, 1, 1};

  auto check = [&](const json& recorded, const std::uint8_t* pred, const std::uint8_t* gt,
                   const std::string& what) {
    const ClassMetrics m = binaryMetrics(pred, gt, size, unit, EmptyPolicy::NotANumber);
    for (const auto& [key, value] : recorded.items()) {
      if (value.is_number()) {
        EXPECT_PRED2(close, valueOf(m, key), value.get<double>()) << what << " " << key;
        continue;
      }
      // medpy raised: we raise the same message under EmptyPolicy::Raise and give NaN otherwise.
      EXPECT_TRUE(std::isnan(valueOf(m, key))) << what << " " << key;
      ASSERT_EQ(value.at("exception"), "RuntimeError");
      try {
        binaryMetrics(pred, gt, size, unit, EmptyPolicy::Raise);
        ADD_FAILURE() << what << " " << key << ": expected an sfr::Error";
      } catch (const Error& err) {
        EXPECT_EQ(err.problem(), value.at("message").get<std::string>()) << what << " " << key;
      }
    }
  };
  check(e.at("metrics"), empty.data(), ball.data(), "empty prediction");
  check(e.at("empty_gt_metrics"), ball.data(), empty.data(), "empty reference");
  check(e.at("both_empty_metrics"), empty.data(), empty.data(), "both empty");

  // UA-MT / SFR: `if np.sum(prediction) == 0: (0, 0, 0, 0)` for (dice, jc, hd95, asd).
  const ClassMetrics released =
      binaryMetrics(empty.data(), ball.data(), size, unit, EmptyPolicy::ZeroWhenPredictionEmpty);
  EXPECT_EQ(released.dice, 0.0);
  EXPECT_EQ(released.jaccard, 0.0);
  EXPECT_EQ(released.hd95, 0.0);
  EXPECT_EQ(released.asd, 0.0);
}

TEST(MetricsParity, UamtCalculateMetricPercase) {
  const fs::path root = referenceDir();
  ASSERT_FALSE(root.empty()) << "set SFR_REFERENCE_DIR or SFR_REFERENCE_DIR_DEFAULT";
  const json expected = readExpected(root / "metrics" / "expected.json");
  const json& u = expected.at("uamt_calculate_metric_percase");
  const json& c = expected.at("cases").at(u.at("case").get<std::string>());
  const LabelVolume pred = readReferenceLabel(root / c.at("pred").get<std::string>());
  const LabelVolume gt = readReferenceLabel(root / c.at("gt").get<std::string>());
  // UA-MT passes no voxelspacing: voxel units, the released empty-prediction rule.
  const CaseMetrics got = computeMetrics(pred, gt, MetricsSettings().setAnyForeground(true));
  const ClassMetrics& m = got.at(kAnyForeground);
  const auto order = u.at("returns_order").get<std::vector<std::string>>();
  const auto values = u.at("values").get<std::vector<double>>();
  ASSERT_EQ(order.size(), values.size());
  const std::map<std::string, double> ours = {
      {"dice", m.dice}, {"jc", m.jaccard}, {"hd95", m.hd95}, {"asd", m.asd}};
  for (std::size_t n = 0; n < order.size(); ++n) {
    ASSERT_TRUE(ours.count(order[n])) << "unknown UA-MT metric " << order[n];
    EXPECT_PRED2(close, ours.at(order[n]), values[n]) << order[n];
  }
}

}  // namespace
}  // namespace sfr
