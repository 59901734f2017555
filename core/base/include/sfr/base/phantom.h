#pragma once
// Deterministic synthetic "left atrium" phantoms: the built-in demo data that ships with the code.
// A smooth ellipsoidal cavity with 4 tubular pulmonary veins, brighter blood pool than the
// surrounding myocardium-like shell, a multiplicative low-frequency bias field (MRI coil
// shading) and Rician-like noise. Same settings + same case index => bit-identical volumes on
// every platform (own RNG, no std:: distributions).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/base/volume.h"

namespace sfr {

struct PhantomSettings {
  Size3 size{96, 96, 64};             ///< x, y, z voxels (default fits the cpu preset's crops)
  Vec3 spacing{0.625, 0.625, 0.625};  ///< mm, as the LA challenge volumes
  std::uint64_t seed = 1337;          ///< dataset seed; case i uses a stream derived from it
  int cases = 36;                     ///< "a few dozen" volumes
  int veins = 4;                      ///< pulmonary veins per cavity
  double noiseSigma = 0.12;           ///< noise std relative to blood-pool intensity
  double biasStrength = 0.35;         ///< peak relative amplitude of the bias field
  double contrast = 1.0;              ///< blood pool minus tissue, relative intensity

  PhantomSettings& setSize(Size3 v) {
    size = v;
    return *this;
  }
  PhantomSettings& setSeed(std::uint64_t v) {
    seed = v;
    return *this;
  }
  PhantomSettings& setCases(int v) {
    cases = v;
    return *this;
  }
  PhantomSettings& setNoiseSigma(double v) {
    noiseSigma = v;
    return *this;
  }

  /// Throws sfr::Error naming the offending field when a value is out of range.
  void validate() const;
};

void to_json(nlohmann::json& j, const PhantomSettings& s);
void from_json(const nlohmann::json& j, PhantomSettings& s);

struct PhantomCase {
  std::string id;     ///< "phantom_000", ...
  ImageVolume image;  ///< z-scored intensities
  LabelVolume label;  ///< 0 background, 1 cavity (+veins)
};

/// Case `index` (0-based) of the dataset described by `settings`.
PhantomCase generatePhantomCase(const PhantomSettings& settings, int index);

/// All `settings.cases` cases, in index order.
std::vector<PhantomCase> generatePhantomDataset(const PhantomSettings& settings);

}  // namespace sfr
