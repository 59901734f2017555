#include "sfr/ui/editing/edit_options.h"

#include <cmath>
#include <string>

#include "sfr/base/error.h"

namespace sfr::ui {

namespace {

const char* const kSubject = "edit options";

const char* modeName(FloodFillMode mode) {
  return mode == FloodFillMode::Intensity ? "intensity" : "same_label";
}

template <typename T>
void readIfPresent(const nlohmann::json& json, const char* key, T& out) {
  if (!json.contains(key)) return;
  try {
    out = json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(kSubject, std::string("\"") + key + "\" has the wrong type");
  }
}

}  // namespace

void EditOptions::validate() const {
  if (!(brushRadiusMm > 0.0) || !std::isfinite(brushRadiusMm))
    throw Error(kSubject, "the brush radius must be a positive number of millimetres");
  if (!std::isfinite(thresholdLower) || !std::isfinite(thresholdUpper))
    throw Error(kSubject, "the threshold range must be finite");
  if (thresholdLower > thresholdUpper)
    throw Error(kSubject, "the threshold range has its lower end above its upper end");
  if (!(floodTolerance >= 0.0) || !std::isfinite(floodTolerance))
    throw Error(kSubject, "the flood fill tolerance must be zero or positive");
}

bool EditOptions::operator==(const EditOptions& o) const {
  return brushRadiusMm == o.brushRadiusMm && threeD == o.threeD &&
         thresholdLower == o.thresholdLower && thresholdUpper == o.thresholdUpper &&
         floodMode == o.floodMode && floodTolerance == o.floodTolerance;
}

nlohmann::json EditOptions::toJson() const {
  return {{"brush_radius_mm", brushRadiusMm},  {"three_d", threeD},
          {"threshold_lower", thresholdLower}, {"threshold_upper", thresholdUpper},
          {"flood_mode", modeName(floodMode)}, {"flood_tolerance", floodTolerance}};
}

EditOptions EditOptions::fromJson(const nlohmann::json& json) {
  if (!json.is_object()) throw Error(kSubject, "expected a JSON object");
  EditOptions o;
  readIfPresent(json, "brush_radius_mm", o.brushRadiusMm);
  readIfPresent(json, "three_d", o.threeD);
  readIfPresent(json, "threshold_lower", o.thresholdLower);
  readIfPresent(json, "threshold_upper", o.thresholdUpper);
  readIfPresent(json, "flood_tolerance", o.floodTolerance);
  std::string mode = modeName(o.floodMode);
  readIfPresent(json, "flood_mode", mode);
  if (mode == "same_label")
    o.floodMode = FloodFillMode::SameLabel;
  else if (mode == "intensity")
    o.floodMode = FloodFillMode::Intensity;
  else
    throw Error(kSubject,
                "\"flood_mode\" must be \"same_label\" or \"intensity\", not \"" + mode + "\"");
  o.validate();
  return o;
}

}  // namespace sfr::ui
