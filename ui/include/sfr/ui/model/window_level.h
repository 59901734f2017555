#pragma once
// Window/level: the intensity interval [level - window/2, level + window/2] maps linearly onto
// grey 0..255, everything outside is clamped (the display transfer of every radiology viewer).
#include <cstdint>

#include "sfr/base/volume.h"

namespace sfr::ui {

struct WindowLevel {
  double window = 1.0;  ///< width of the displayed intensity interval (> 0)
  double level = 0.5;   ///< centre of the displayed intensity interval

  double lower() const { return level - window / 2.0; }
  double upper() const { return level + window / 2.0; }
  /// The window/level showing [lower, upper]; a degenerate interval gets window 1.
  static WindowLevel fromRange(double lower, double upper);

  bool operator==(const WindowLevel& o) const { return window == o.window && level == o.level; }
  bool operator!=(const WindowLevel& o) const { return !(*this == o); }
};

/// Grey value of intensity `value`: round(clamp((value - lower) / window, 0, 1) * 255).
std::uint8_t greyValue(float value, const WindowLevel& wl);

/// Intensity summary used to initialise and scale window/level.
struct IntensityStats {
  float minimum = 0.0f;
  float maximum = 0.0f;
  float p01 =
      0.0f;  ///< 1st percentile (nearest rank on the sorted voxels, index round(0.01 (n-1)))
  float p99 = 0.0f;  ///< 99th percentile (index round(0.99 (n-1)))
};

/// Statistics of all finite voxels; all zero for an empty volume.
IntensityStats intensityStats(const ImageVolume& image);

/// The default display: window/level spanning the 1st..99th percentile, so that a few very
/// bright voxels do not wash the picture out.
WindowLevel autoWindowLevel(const IntensityStats& stats);

/// Window/level after a right-button drag by (dx, dy) pixels that started at `start`:
/// dragging right widens the window, dragging up lowers the level (brighter picture). One pixel is
/// 1/400 of `intensityRange` (max - min of the image); the window never drops below 1/1000 of it.
WindowLevel dragWindowLevel(const WindowLevel& start, double dx, double dy, double intensityRange);

}  // namespace sfr::ui
