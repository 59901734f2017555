#pragma once
// Shared by the project tests: small volumes on an oblique, anisotropic grid written through
// sfr_io into a plain folder, and the hippocampus MSD data set of ../shared/data.
#include <QDir>
#include <QString>
#include <cmath>
#include <filesystem>

#include "sfr/base/volume.h"
#include "sfr/io/image_io.h"

namespace sfr::test {

inline QString dataDir() {
  return qEnvironmentVariable("SFR_DATA_DIR");
}

inline QString hippocampusDir() {
  return dataDir() + QStringLiteral("/hippocampus");
}

/// 20x16x12 voxels, spacing (0.7, 0.9, 1.3) mm, an origin off zero and a direction rotated 30
/// degrees about z: every geometry field differs from the defaults.
inline Geometry obliqueGeometry() {
  Geometry g;
  g.size = {20, 16, 12};
  g.spacing = {0.7, 0.9, 1.3};
  g.origin = {-12.5, 30.25, 7.0};
  const double c = std::cos(M_PI / 6.0), s = std::sin(M_PI / 6.0);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  return g;
}

/// Intensity ramp i + 2j + 3k.
inline ImageVolume rampImage(const Geometry& g) {
  ImageVolume image(g);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        image.at(i, j, k) = static_cast<float>(i + 2 * j + 3 * k);
  return image;
}

/// Label 1 in the box [4, 10) x [3, 9) x [2, 8), label 2 at one voxel (12, 12, 6).
inline LabelVolume boxLabel(const Geometry& g) {
  LabelVolume label(g, 0);
  for (std::size_t k = 2; k < 8; ++k)
    for (std::size_t j = 3; j < 9; ++j)
      for (std::size_t i = 4; i < 10; ++i) label.at(i, j, k) = 1;
  label.at(12, 12, 6) = 2;
  return label;
}

/// A plain folder: case_a.nrrd + case_a_label.nrrd, case_b.mha (unlabelled).
inline void writePlainFolder(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  const Geometry g = obliqueGeometry();
  io::writeImage(rampImage(g), folder / "case_a.nrrd");
  io::writeLabel(boxLabel(g), folder / "case_a_label.nrrd");
  io::writeImage(rampImage(g), folder / "case_b.mha");
}

inline std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdU16String());
}

}  // namespace sfr::test
