#pragma once
// Segmentation metrics that reproduce medpy.metric.binary 0.5.2 (§7.2), as used by SFR and UA-MT:
// dc, jc, precision, recall, hd, hd95, asd (directed: prediction surface -> reference surface) and
// assd. Masks are cast to bool (nonzero = foreground). Surfaces are mask XOR binary_erosion(mask,
// 6-neighbour cross, border 0), so foreground on the array edge is surface. Distances come from the
// exact EDT of the other mask's surface (distance_transform.h), in voxels or millimetres.
//
// Speed: one pass over both label maps gives the overlap counts and bounding boxes of every class;
// the surfaces and distances of a class are then computed inside the bounding box of
// prediction ∪ reference only, which gives the same distances (every surface voxel lies inside it)
// and keeps the work proportional to the object, not to the grid.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/base/distance_transform.h"
#include "sfr/base/volume.h"

namespace sfr {

/// What happens when the prediction or the reference of a class has no foreground voxel.
enum class EmptyPolicy {
  /// medpy: dice/jaccard are defined (both empty gives 1), but hd, hd95, asd and assd throw
  /// sfr::Error with medpy's RuntimeError message.
  Raise,
  /// SFR / UA-MT test scripts: `if sum(prediction) == 0` every metric is 0 (dice, jaccard and also
  /// hd95 and asd, which flatters the distances). An empty reference with a non-empty prediction
  /// still throws, as medpy does.
  ZeroWhenPredictionEmpty,
  /// medpy's overlap metrics, and NaN for every distance that medpy would refuse to compute.
  NotANumber,
};

/// Label of the single entry reported when `MetricsSettings::anyForeground` is set.
constexpr int kAnyForeground = 0;

struct MetricsSettings {
  /// SFR and UA-MT pass no voxelspacing, so the paper's HD95 and ASD are in voxels.
  Spacing unit = Spacing::Voxel;
  /// The released test script's rule by default, so that numbers compare with the paper.
  EmptyPolicy emptyPolicy = EmptyPolicy::ZeroWhenPredictionEmpty;
  /// Labels to evaluate (each 1..255). Empty = every label > 0 found in the prediction or the
  /// reference, in increasing order.
  std::vector<int> classes;
  /// Binary "any organ" metrics on (label != 0), as the released script does for BTCV and MACT.
  /// The result then has one entry with label kAnyForeground; `classes` is ignored.
  bool anyForeground = false;

  MetricsSettings& setUnit(Spacing v) {
    unit = v;
    return *this;
  }
  MetricsSettings& setEmptyPolicy(EmptyPolicy v) {
    emptyPolicy = v;
    return *this;
  }
  MetricsSettings& setClasses(std::vector<int> v) {
    classes = std::move(v);
    return *this;
  }
  MetricsSettings& setAnyForeground(bool v) {
    anyForeground = v;
    return *this;
  }

  /// Throws sfr::Error naming the field when a class label is outside 1..255.
  void validate() const;
};

void to_json(nlohmann::json& j, const MetricsSettings& s);
/// Missing keys keep their defaults; unknown enum strings throw sfr::Error.
void from_json(const nlohmann::json& j, MetricsSettings& s);

/// Metrics of one class (or of the merged foreground).
struct ClassMetrics {
  int label = 0;
  std::size_t predictionVoxels = 0;
  std::size_t referenceVoxels = 0;
  double dice = 0.0;
  double jaccard = 0.0;
  double precision = 0.0;
  double recall = 0.0;
  double asd = 0.0;   ///< mean distance from the prediction surface to the reference surface
  double hd95 = 0.0;  ///< 95th percentile (linear) of both directed distance sets together
  double assd = 0.0;  ///< mean of both directed distance sets together
  double hd = 0.0;    ///< largest distance in either direction
};

struct CaseMetrics {
  Spacing unit = Spacing::Voxel;
  std::vector<ClassMetrics> classes;  ///< in increasing label order

  /// The entry of `label`; throws sfr::Error when it was not evaluated.
  const ClassMetrics& at(int label) const;
};

void to_json(nlohmann::json& j, const ClassMetrics& m);
void from_json(const nlohmann::json& j, ClassMetrics& m);
/// {"unit": "voxel"|"mm", "classes": {"<label>": {...}}}; NaN distances are written as null.
void to_json(nlohmann::json& j, const CaseMetrics& m);
void from_json(const nlohmann::json& j, CaseMetrics& m);

const char* toString(Spacing unit);        ///< "voxel" or "mm"
const char* toString(EmptyPolicy policy);  ///< "raise", "zero_when_prediction_empty" or "nan"

/// Per-class metrics of two label maps on the same grid (same size; millimetres use the
/// reference's spacing). Throws sfr::Error when the sizes differ, and as `emptyPolicy` says.
CaseMetrics computeMetrics(const LabelVolume& prediction, const LabelVolume& reference,
                           const MetricsSettings& settings = {});

/// The same on raw label buffers (i fastest) with `spacingMm` used when settings.unit is
/// Millimetre.
CaseMetrics computeMetrics(const std::uint8_t* prediction, const std::uint8_t* reference,
                           const Size3& size, const Vec3& spacingMm,
                           const MetricsSettings& settings = {});

/// All metrics of two binary masks (nonzero = foreground) with per-axis steps `spacing` (use
/// {1, 1, 1} for medpy's voxelspacing=None). The result has label 1.
ClassMetrics binaryMetrics(const std::uint8_t* result, const std::uint8_t* reference,
                           const Size3& size, const Vec3& spacing, EmptyPolicy policy);

/// medpy's surface: 1 where the mask is set and at least one of its 6 neighbours is unset or
/// outside the grid.
std::vector<std::uint8_t> binarySurface(const std::uint8_t* mask, const Size3& size);

/// medpy's __surface_distances(result, reference, spacing, connectivity=1): the distance from each
/// surface voxel of `result` to the nearest surface voxel of `reference`, in voxel order (i
/// fastest; medpy lists them in numpy's C order, which only permutes them). Throws sfr::Error with
/// medpy's message when either mask is empty.
std::vector<double> surfaceDistances(const std::uint8_t* result, const std::uint8_t* reference,
                                     const Size3& size, const Vec3& spacing);

/// numpy.percentile(values, q) with the default linear interpolation. `values` is taken by value
/// because it is partially reordered. Throws sfr::Error when empty or q is outside [0, 100].
double percentileLinear(std::vector<double> values, double q);

}  // namespace sfr
