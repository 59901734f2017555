#pragma once
// The settings the label-editing effects share (ITK-SNAP keeps one brush for paint, erase and
// threshold paint, so switching tools keeps the size): brush radius in millimetres, 2D or 3D,
// the threshold-brush intensity range and how flood fill decides what is connected.
#include <nlohmann/json.hpp>

namespace sfr::ui {

enum class FloodFillMode {
  SameLabel,  ///< the connected voxels carrying the seed's label
  Intensity,  ///< the connected voxels with |intensity - seed intensity| <= tolerance
};

struct EditOptions {
  double brushRadiusMm = 3.0;  ///< voxels whose centre is within this distance are painted (> 0)
  /// Brushes paint spheres instead of discs in the slice plane, flood fill grows through the
  /// volume instead of the slice.
  bool threeD = false;
  double thresholdLower = 0.0;  ///< threshold brush paints only voxels with lower <= I <= upper
  double thresholdUpper = 1.0;
  FloodFillMode floodMode = FloodFillMode::SameLabel;
  double floodTolerance = 0.0;  ///< intensity mode only (>= 0)

  EditOptions& setBrushRadiusMm(double v) {
    brushRadiusMm = v;
    return *this;
  }
  EditOptions& setThreeD(bool v) {
    threeD = v;
    return *this;
  }
  EditOptions& setThresholdRange(double lower, double upper) {
    thresholdLower = lower;
    thresholdUpper = upper;
    return *this;
  }
  EditOptions& setFloodMode(FloodFillMode v) {
    floodMode = v;
    return *this;
  }
  EditOptions& setFloodTolerance(double v) {
    floodTolerance = v;
    return *this;
  }

  /// Throws sfr::Error("edit options", problem) when a value is out of range (radius not positive
  /// and finite, lower > upper, negative or non-finite tolerance).
  void validate() const;

  bool operator==(const EditOptions& o) const;
  bool operator!=(const EditOptions& o) const { return !(*this == o); }

  /// {"brush_radius_mm", "three_d", "threshold_lower", "threshold_upper", "flood_mode"
  /// ("same_label" | "intensity"), "flood_tolerance"}.
  nlohmann::json toJson() const;
  /// Missing keys keep their defaults; wrong types or values throw sfr::Error("edit options", ...).
  static EditOptions fromJson(const nlohmann::json& json);
};

}  // namespace sfr::ui
