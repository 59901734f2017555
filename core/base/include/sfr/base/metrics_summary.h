#pragma once
// Aggregates per-case metrics into the numbers a paper table (and `sfr eval`) reports: the mean
// over cases of every metric, per class and over all classes.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/base/metrics.h"

namespace sfr {

struct MetricMeans {
  double dice = 0, jaccard = 0, asd = 0, hd95 = 0, assd = 0, hd = 0;
  int cases = 0;  ///< cases that contributed (undefined/NaN values are skipped per metric)
};

struct MetricsSummary {
  Spacing unit = Spacing::Voxel;
  std::map<int, MetricMeans> perClass;  ///< label -> mean over cases
  MetricMeans mean;                     ///< mean over classes of perClass
};

/// Means over cases; a NaN value (undefined distance under EmptyPolicy::NotANumber) is left out of
/// that metric's mean. Throws sfr::Error when `cases` is empty or mixes units.
MetricsSummary summarizeMetrics(const std::vector<CaseMetrics>& cases);

/// {"unit": .., "dice": .., "jaccard": .., "asd": .., "hd95": .., "assd": .., "hd": ..,
///  "per_class": {"1": {...}, ...}}
void to_json(nlohmann::json& j, const MetricsSummary& s);
void to_json(nlohmann::json& j, const MetricMeans& m);

}  // namespace sfr
