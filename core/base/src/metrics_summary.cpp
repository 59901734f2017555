#include "sfr/base/metrics_summary.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr {

namespace {
// Running means that skip NaN per metric.
struct Accumulator {
  double sum[6] = {0, 0, 0, 0, 0, 0};
  int count[6] = {0, 0, 0, 0, 0, 0};
  int cases = 0;
  void add(const double (&v)[6]) {
    ++cases;
    for (int m = 0; m < 6; ++m)
      if (!std::isnan(v[m])) {
        sum[m] += v[m];
        ++count[m];
      }
  }
  MetricMeans means() const {
    double mean[6];
    for (int m = 0; m < 6; ++m) mean[m] = count[m] ? sum[m] / count[m] : std::nan("");
    MetricMeans r;
    r.dice = mean[0];
    r.jaccard = mean[1];
    r.asd = mean[2];
    r.hd95 = mean[3];
    r.assd = mean[4];
    r.hd = mean[5];
    r.cases = cases;
    return r;
  }
};

nlohmann::json number(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}
}  // namespace

MetricsSummary summarizeMetrics(const std::vector<CaseMetrics>& cases) {
  if (cases.empty()) throw Error("metrics", "no cases to summarise");
  MetricsSummary summary;
  summary.unit = cases.front().unit;
  std::map<int, Accumulator> perClass;
  for (const CaseMetrics& c : cases) {
    if (c.unit != summary.unit)
      throw Error("metrics", "cases measured in different units cannot be averaged");
    for (const ClassMetrics& m : c.classes) {
      const double v[6] = {m.dice, m.jaccard, m.asd, m.hd95, m.assd, m.hd};
      perClass[m.label].add(v);
    }
  }
  Accumulator overall;
  for (const auto& [label, acc] : perClass) {
    const MetricMeans m = acc.means();
    summary.perClass[label] = m;
    const double v[6] = {m.dice, m.jaccard, m.asd, m.hd95, m.assd, m.hd};
    overall.add(v);
  }
  summary.mean = overall.means();
  summary.mean.cases = static_cast<int>(cases.size());
  return summary;
}

void to_json(nlohmann::json& j, const MetricMeans& m) {
  j = nlohmann::json{{"dice", number(m.dice)}, {"jaccard", number(m.jaccard)},
                     {"asd", number(m.asd)},   {"hd95", number(m.hd95)},
                     {"assd", number(m.assd)}, {"hd", number(m.hd)},
                     {"cases", m.cases}};
}

void to_json(nlohmann::json& j, const MetricsSummary& s) {
  j = s.mean;
  j["unit"] = toString(s.unit);
  nlohmann::json perClass = nlohmann::json::object();
  for (const auto& [label, m] : s.perClass) perClass[std::to_string(label)] = m;
  j["per_class"] = perClass;
}

}  // namespace sfr
