#pragma once
// What every bench/ program says about the machine it measured on, and the deterministic test
// shape the studio benches paint (so their numbers describe the same volumes).
#include <cmath>
#include <fstream>
#include <string>

/// The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere).
inline std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  return "unknown CPU";
}

/// Inside a rippled unit ellipsoid at normalised coordinates (u, v, w): irregular like an organ,
/// but deterministic.
inline bool inRippledBlob(double u, double v, double w, double ripple, double phase) {
  return u * u + v * v + w * w +
             ripple * std::sin(5 * u + phase) * std::sin(4 * v - phase) *
                 std::sin(3 * w + phase / 2) <=
         1.0;
}
