#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/metrics_summary.h"

using namespace sfr;

namespace {
ClassMetrics cls(int label, double dice, double hd95) {
  ClassMetrics m;
  m.label = label;
  m.dice = dice;
  m.jaccard = dice / (2 - dice);
  m.hd95 = hd95;
  m.asd = hd95 / 4;
  m.assd = hd95 / 3;
  m.hd = hd95 * 2;
  return m;
}
}  // namespace

TEST(MetricsSummary, MeansPerClassThenOverClasses) {
  CaseMetrics a, b;
  a.classes = {cls(1, 0.8, 2.0), cls(2, 0.6, 4.0)};
  b.classes = {cls(1, 0.9, 6.0), cls(2, 0.4, 8.0)};
  const MetricsSummary s = summarizeMetrics({a, b});
  EXPECT_DOUBLE_EQ(s.perClass.at(1).dice, 0.85);
  EXPECT_DOUBLE_EQ(s.perClass.at(2).dice, 0.5);
  EXPECT_DOUBLE_EQ(s.perClass.at(1).hd95, 4.0);
  EXPECT_DOUBLE_EQ(s.mean.dice, 0.675);
  EXPECT_DOUBLE_EQ(s.mean.hd95, 5.0);
  EXPECT_DOUBLE_EQ(s.mean.hd, 10.0);
  EXPECT_EQ(s.mean.cases, 2);
  const nlohmann::json j = s;
  EXPECT_EQ(j["unit"], "voxel");
  EXPECT_DOUBLE_EQ(j["dice"].get<double>(), 0.675);
  EXPECT_DOUBLE_EQ(j["per_class"]["2"]["dice"].get<double>(), 0.5);
}

TEST(MetricsSummary, SkipsUndefinedDistancesAndRejectsBadInput) {
  CaseMetrics a, b;
  a.classes = {cls(1, 0.0, std::nan(""))};
  b.classes = {cls(1, 1.0, 3.0)};
  const MetricsSummary s = summarizeMetrics({a, b});
  EXPECT_DOUBLE_EQ(s.mean.dice, 0.5);
  EXPECT_DOUBLE_EQ(s.mean.hd95, 3.0);
  a.classes = {cls(1, 0.0, std::nan(""))};
  const MetricsSummary allNan = summarizeMetrics({a});
  EXPECT_TRUE(std::isnan(allNan.mean.hd95));
  EXPECT_TRUE(nlohmann::json(allNan)["hd95"].is_null());
  EXPECT_THROW(summarizeMetrics({}), Error);
  b.unit = Spacing::Millimetre;
  EXPECT_THROW(summarizeMetrics({a, b}), Error);
}
