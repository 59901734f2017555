#include "sfr/base/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// medpy's RuntimeError messages, kept word for word so that users can match them.
constexpr const char* kFirstEmpty = "The first supplied array does not contain any binary object.";
constexpr const char* kSecondEmpty =
    "The second supplied array does not contain any binary object.";

// Bounding box of a set of voxels: lo inclusive, hi exclusive; empty while lo >= hi.
struct Box {
  Size3 lo{std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max(),
           std::numeric_limits<std::size_t>::max()};
  Size3 hi{0, 0, 0};

  bool empty() const { return lo[0] >= hi[0]; }
  void add(std::size_t i, std::size_t j, std::size_t k) {
    const Size3 p{i, j, k};
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], p[a]);
      hi[a] = std::max(hi[a], p[a] + 1);
    }
  }
  void merge(const Box& o) {
    if (o.empty()) return;
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], o.lo[a]);
      hi[a] = std::max(hi[a], o.hi[a]);
    }
  }
  Size3 extent() const {
    if (empty()) return {0, 0, 0};
    return {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};
  }
};

// Everything one pass over both label maps can tell: the joint label histogram (for the overlap
// metrics of every class at once) and the bounding box of each label in each map.
struct LabelStats {
  std::vector<std::uint64_t> joint = std::vector<std::uint64_t>(256 * 256, 0);  // [p * 256 + r]
  std::array<Box, 256> predictionBox;
  std::array<Box, 256> referenceBox;
};

LabelStats scanLabels(const std::uint8_t* prediction, const std::uint8_t* reference,
                      const Size3& size) {
  LabelStats s;
  const std::size_t nx = size[0];
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      const std::size_t row = nx * (j + size[1] * k);
      const std::uint8_t* p = prediction + row;
      const std::uint8_t* r = reference + row;
      std::size_t i = 0;
      // Most voxels are background in both maps: skip them eight at a time.
      for (; i + 8 <= nx; i += 8) {
        std::uint64_t wp, wr;
        std::memcpy(&wp, p + i, 8);
        std::memcpy(&wr, r + i, 8);
        if ((wp | wr) == 0) {
          s.joint[0] += 8;
          continue;
        }
        for (std::size_t b = i; b < i + 8; ++b) {
          ++s.joint[p[b] * 256u + r[b]];
          if (p[b]) s.predictionBox[p[b]].add(b, j, k);
          if (r[b]) s.referenceBox[r[b]].add(b, j, k);
        }
      }
      for (; i < nx; ++i) {
        ++s.joint[p[i] * 256u + r[i]];
        if (p[i]) s.predictionBox[p[i]].add(i, j, k);
        if (r[i]) s.referenceBox[r[i]].add(i, j, k);
      }
    }
  }
  return s;
}

// Which labels count as foreground for one evaluated class.
using Selection = std::array<std::uint8_t, 256>;

Selection selectLabel(int label) {
  Selection s{};
  s[static_cast<std::size_t>(label)] = 1;
  return s;
}

Selection selectNonzero() {
  Selection s{};
  s.fill(1);
  s[0] = 0;
  return s;
}

struct Counts {
  std::uint64_t prediction = 0, reference = 0, intersection = 0;
};

Counts countSelected(const LabelStats& stats, const Selection& sel) {
  Counts c;
  for (std::size_t p = 0; p < 256; ++p)
    for (std::size_t r = 0; r < 256; ++r) {
      const std::uint64_t n = stats.joint[p * 256 + r];
      if (sel[p]) c.prediction += n;
      if (sel[r]) c.reference += n;
      if (sel[p] && sel[r]) c.intersection += n;
    }
  return c;
}

// Bounding box of every selected label in either map: all surface voxels of both masks lie in it,
// so the distances computed on this sub-grid equal those on the whole grid.
Box unionBox(const LabelStats& stats, const Selection& sel) {
  Box box;
  for (std::size_t l = 1; l < 256; ++l)
    if (sel[l]) {
      box.merge(stats.predictionBox[l]);
      box.merge(stats.referenceBox[l]);
    }
  return box;
}

Box wholeGrid(const Size3& size) {
  Box box;
  if (size[0] && size[1] && size[2]) {
    box.lo = {0, 0, 0};
    box.hi = size;
  }
  return box;
}

// medpy's surface of the selected labels: set voxels of which at least one 6-neighbour is unset or
// outside the grid (binary_erosion with the cross and border value 0, XOR the mask). Scans `box`
// only and returns linear indices in the box's own grid, ascending.
std::vector<std::size_t> surfaceVoxels(const std::uint8_t* labels, const Size3& size,
                                       const Box& box, const Selection& sel) {
  const std::size_t nx = size[0], ny = size[1], nz = size[2];
  const std::size_t sy = nx, sz = nx * ny;
  std::vector<std::size_t> out;
  std::size_t local = 0;
  for (std::size_t k = box.lo[2]; k < box.hi[2]; ++k)
    for (std::size_t j = box.lo[1]; j < box.hi[1]; ++j) {
      const std::size_t row = sy * j + sz * k;
      for (std::size_t i = box.lo[0]; i < box.hi[0]; ++i, ++local) {
        const std::size_t v = row + i;
        if (!sel[labels[v]]) continue;
        const bool interior = i > 0 && i + 1 < nx && j > 0 && j + 1 < ny && k > 0 && k + 1 < nz &&
                              sel[labels[v - 1]] && sel[labels[v + 1]] && sel[labels[v - sy]] &&
                              sel[labels[v + sy]] && sel[labels[v - sz]] && sel[labels[v + sz]];
        if (!interior) out.push_back(local);
      }
    }
  return out;
}

double mean(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (double v : a) sum += v;
  for (double v : b) sum += v;
  return sum / static_cast<double>(a.size() + b.size());
}

double largest(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  return m;
}

void setOverlap(ClassMetrics& m, const Counts& c) {
  m.predictionVoxels = static_cast<std::size_t>(c.prediction);
  m.referenceVoxels = static_cast<std::size_t>(c.reference);
  const double inter = static_cast<double>(c.intersection);
  const std::uint64_t sum = c.prediction + c.reference;
  const std::uint64_t unite = sum - c.intersection;
  // medpy catches ZeroDivisionError: 1.0 for dc/jc, 0.0 for precision/recall.
  m.dice = sum == 0 ? 1.0 : 2.0 * inter / static_cast<double>(sum);
  m.jaccard = unite == 0 ? 1.0 : inter / static_cast<double>(unite);
  m.precision = c.prediction == 0 ? 0.0 : inter / static_cast<double>(c.prediction);
  m.recall = c.reference == 0 ? 0.0 : inter / static_cast<double>(c.reference);
}

ClassMetrics evaluate(const std::uint8_t* prediction, const std::uint8_t* reference,
                      const Size3& size, const Vec3& steps, const LabelStats& stats,
                      const Selection& sel, int label, EmptyPolicy policy,
                      const std::string& subject) {
  ClassMetrics m;
  m.label = label;
  const Counts counts = countSelected(stats, sel);
  setOverlap(m, counts);
  if (counts.prediction == 0 && policy == EmptyPolicy::ZeroWhenPredictionEmpty) {
    m.dice = m.jaccard = m.precision = m.recall = 0.0;
    m.asd = m.hd95 = m.assd = m.hd = 0.0;
    return m;
  }
  if (counts.prediction == 0 || counts.reference == 0) {
    if (policy == EmptyPolicy::NotANumber) {
      m.asd = m.hd95 = m.assd = m.hd = kNaN;
      return m;
    }
    throw Error(subject, counts.prediction == 0 ? kFirstEmpty : kSecondEmpty);
  }
  const Box box = unionBox(stats, sel);
  const std::vector<std::size_t> ps = surfaceVoxels(prediction, size, box, sel);
  const std::vector<std::size_t> rs = surfaceVoxels(reference, size, box, sel);
  const std::vector<double> toReference = distancesAt(rs, box.extent(), steps, ps);
  const std::vector<double> toPrediction = distancesAt(ps, box.extent(), steps, rs);
  m.hd = std::max(largest(toReference), largest(toPrediction));
  m.asd = mean(toReference, {});
  m.assd = mean(toReference, toPrediction);
  std::vector<double> both;
  both.reserve(toReference.size() + toPrediction.size());
  both.insert(both.end(), toReference.begin(), toReference.end());
  both.insert(both.end(), toPrediction.begin(), toPrediction.end());
  m.hd95 = percentileLinear(std::move(both), 95.0);
  return m;
}

std::string describeSize(const Size3& s) {
  return std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]);
}

double jsonNumber(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) throw Error("ClassMetrics", std::string("missing key '") + key + "'");
  return it->is_null() ? kNaN : it->get<double>();
}

Spacing parseUnit(const std::string& s) {
  if (s == "voxel") return Spacing::Voxel;
  if (s == "mm") return Spacing::Millimetre;
  throw Error("MetricsSettings.unit", "unknown value '" + s + "' (expected voxel or mm)");
}

EmptyPolicy parsePolicy(const std::string& s) {
  if (s == "raise") return EmptyPolicy::Raise;
  if (s == "zero_when_prediction_empty") return EmptyPolicy::ZeroWhenPredictionEmpty;
  if (s == "nan") return EmptyPolicy::NotANumber;
  throw Error("MetricsSettings.empty_policy",
              "unknown value '" + s + "' (expected raise, zero_when_prediction_empty or nan)");
}

}  // namespace

const char* toString(Spacing unit) {
  return unit == Spacing::Millimetre ? "mm" : "voxel";
}

const char* toString(EmptyPolicy policy) {
  switch (policy) {
    case EmptyPolicy::Raise:
      return "raise";
    case EmptyPolicy::ZeroWhenPredictionEmpty:
      return "zero_when_prediction_empty";
    case EmptyPolicy::NotANumber:
      return "nan";
  }
  return "raise";
}

void MetricsSettings::validate() const {
  for (int c : classes)
    if (c < 1 || c > 255)
      throw Error("MetricsSettings.classes",
                  "label " + std::to_string(c) + " is outside 1..255 (0 is background)");
}

void to_json(nlohmann::json& j, const MetricsSettings& s) {
  j = nlohmann::json{{"unit", toString(s.unit)},
                     {"empty_policy", toString(s.emptyPolicy)},
                     {"classes", s.classes},
                     {"any_foreground", s.anyForeground}};
}

void from_json(const nlohmann::json& j, MetricsSettings& s) {
  const MetricsSettings d;
  s.unit = j.contains("unit") ? parseUnit(j.at("unit").get<std::string>()) : d.unit;
  s.emptyPolicy = j.contains("empty_policy") ? parsePolicy(j.at("empty_policy").get<std::string>())
                                             : d.emptyPolicy;
  s.classes = j.value("classes", d.classes);
  s.anyForeground = j.value("any_foreground", d.anyForeground);
  s.validate();
}

const ClassMetrics& CaseMetrics::at(int label) const {
  for (const ClassMetrics& m : classes)
    if (m.label == label) return m;
  throw Error("CaseMetrics", "class " + std::to_string(label) + " was not evaluated");
}

void to_json(nlohmann::json& j, const ClassMetrics& m) {
  // NaN (an undefined distance) is written as null explicitly: JSON has no NaN.
  auto number = [](double v) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  j = nlohmann::json{{"label", m.label},
                     {"prediction_voxels", m.predictionVoxels},
                     {"reference_voxels", m.referenceVoxels},
                     {"dice", number(m.dice)},
                     {"jaccard", number(m.jaccard)},
                     {"precision", number(m.precision)},
                     {"recall", number(m.recall)},
                     {"asd", number(m.asd)},
                     {"hd95", number(m.hd95)},
                     {"assd", number(m.assd)},
                     {"hd", number(m.hd)}};
}

void from_json(const nlohmann::json& j, ClassMetrics& m) {
  m.label = j.at("label").get<int>();
  m.predictionVoxels = j.at("prediction_voxels").get<std::size_t>();
  m.referenceVoxels = j.at("reference_voxels").get<std::size_t>();
  m.dice = jsonNumber(j, "dice");
  m.jaccard = jsonNumber(j, "jaccard");
  m.precision = jsonNumber(j, "precision");
  m.recall = jsonNumber(j, "recall");
  m.asd = jsonNumber(j, "asd");
  m.hd95 = jsonNumber(j, "hd95");
  m.assd = jsonNumber(j, "assd");
  m.hd = jsonNumber(j, "hd");
}

void to_json(nlohmann::json& j, const CaseMetrics& m) {
  nlohmann::json classes = nlohmann::json::object();
  for (const ClassMetrics& c : m.classes) classes[std::to_string(c.label)] = c;
  j = nlohmann::json{{"unit", toString(m.unit)}, {"classes", classes}};
}

void from_json(const nlohmann::json& j, CaseMetrics& m) {
  m.unit = parseUnit(j.at("unit").get<std::string>());
  m.classes.clear();
  for (const auto& item : j.at("classes").items()) m.classes.push_back(item.value());
  std::sort(m.classes.begin(), m.classes.end(),
            [](const ClassMetrics& a, const ClassMetrics& b) { return a.label < b.label; });
}

CaseMetrics computeMetrics(const LabelVolume& prediction, const LabelVolume& reference,
                           const MetricsSettings& settings) {
  if (prediction.size() != reference.size())
    throw Error("metrics", "prediction grid " + describeSize(prediction.size()) +
                               " differs from reference grid " + describeSize(reference.size()));
  return computeMetrics(prediction.data(), reference.data(), reference.size(),
                        reference.geometry().spacing, settings);
}

CaseMetrics computeMetrics(const std::uint8_t* prediction, const std::uint8_t* reference,
                           const Size3& size, const Vec3& spacingMm,
                           const MetricsSettings& settings) {
  settings.validate();
  const Vec3 steps = settings.unit == Spacing::Millimetre ? spacingMm : Vec3{1.0, 1.0, 1.0};
  const LabelStats stats = scanLabels(prediction, reference, size);
  CaseMetrics out;
  out.unit = settings.unit;
  if (settings.anyForeground) {
    out.classes.push_back(evaluate(prediction, reference, size, steps, stats, selectNonzero(),
                                   kAnyForeground, settings.emptyPolicy, "foreground"));
    return out;
  }
  std::vector<int> labels = settings.classes;
  if (labels.empty()) {
    for (int l = 1; l < 256; ++l)
      if (!stats.predictionBox[l].empty() || !stats.referenceBox[l].empty()) labels.push_back(l);
  } else {
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  }
  for (int l : labels)
    out.classes.push_back(evaluate(prediction, reference, size, steps, stats, selectLabel(l), l,
                                   settings.emptyPolicy, "class " + std::to_string(l)));
  return out;
}

ClassMetrics binaryMetrics(const std::uint8_t* result, const std::uint8_t* reference,
                           const Size3& size, const Vec3& spacing, EmptyPolicy policy) {
  const LabelStats stats = scanLabels(result, reference, size);
  return evaluate(result, reference, size, spacing, stats, selectNonzero(), 1, policy, "mask");
}

std::vector<std::uint8_t> binarySurface(const std::uint8_t* mask, const Size3& size) {
  std::vector<std::uint8_t> out(size[0] * size[1] * size[2], 0);
  for (std::size_t v : surfaceVoxels(mask, size, wholeGrid(size), selectNonzero())) out[v] = 1;
  return out;
}

std::vector<double> surfaceDistances(const std::uint8_t* result, const std::uint8_t* reference,
                                     const Size3& size, const Vec3& spacing) {
  const LabelStats stats = scanLabels(result, reference, size);
  const Selection sel = selectNonzero();
  const Counts counts = countSelected(stats, sel);
  if (counts.prediction == 0) throw Error("surface distances", kFirstEmpty);
  if (counts.reference == 0) throw Error("surface distances", kSecondEmpty);
  const Box box = unionBox(stats, sel);
  return distancesAt(surfaceVoxels(reference, size, box, sel), box.extent(), spacing,
                     surfaceVoxels(result, size, box, sel));
}

double percentileLinear(std::vector<double> values, double q) {
  if (values.empty()) throw Error("percentile", "no values");
  if (!(q >= 0.0 && q <= 100.0)) throw Error("percentile", "q must be in [0, 100]");
  const std::size_t n = values.size();
  // numpy: virtual index = (q / 100) * (n - 1), then _lerp between its two neighbours.
  const double position = (q / 100.0) * static_cast<double>(n - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, n - 1);
  const double gamma = position - static_cast<double>(below);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(below),
                   values.end());
  const double a = values[below];
  const double b = above == below
                       ? a
                       : *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1,
                                           values.end());
  const double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
}

}  // namespace sfr
