#include "sfr/base/phantom.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace sfr {

namespace {

constexpr double kPi = 3.14159265358979323846;

// splitmix64: tiny, fast and identical on every platform (std:: distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal (Box-Muller; the second value is discarded to keep the stream simple).
  double normal() {
    const double u1 = std::max(uniform(), 1e-300);
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  std::uint64_t state_;
};

struct Tube {
  Vec3 a, b;      // centreline end points (voxels)
  double radius;  // voxels
};

double distanceToSegment(const Vec3& p, const Tube& t) {
  Vec3 ab{t.b[0] - t.a[0], t.b[1] - t.a[1], t.b[2] - t.a[2]};
  Vec3 ap{p[0] - t.a[0], p[1] - t.a[1], p[2] - t.a[2]};
  const double len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
  double s = len2 > 0 ? (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2 : 0.0;
  s = std::clamp(s, 0.0, 1.0);
  const double dx = ap[0] - s * ab[0], dy = ap[1] - s * ab[1], dz = ap[2] - s * ab[2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// One random smooth field term: a * cos(k . p + phase).
struct Wave {
  Vec3 k;
  double phase, amplitude;
};

std::vector<Wave> randomWaves(Rng& rng, int count, double wavelength, const Size3& size) {
  std::vector<Wave> waves;
  for (int w = 0; w < count; ++w) {
    Wave wave;
    for (int a = 0; a < 3; ++a)
      wave.k[a] = rng.uniform(-1.0, 1.0) * 2.0 * kPi / (wavelength * std::max<double>(size[a], 1));
    wave.phase = rng.uniform(0, 2 * kPi);
    wave.amplitude = rng.uniform(0.5, 1.0) / count;
    waves.push_back(wave);
  }
  return waves;
}

double evalWaves(const std::vector<Wave>& waves, const Vec3& p) {
  double s = 0;
  for (const Wave& w : waves)
    s += w.amplitude * std::cos(w.k[0] * p[0] + w.k[1] * p[1] + w.k[2] * p[2] + w.phase);
  return s;
}

}  // namespace

void PhantomSettings::validate() const {
  for (int a = 0; a < 3; ++a) {
    if (size[a] < 16 || size[a] > 1024)
      throw Error("PhantomSettings.size", "each axis must be 16..1024 voxels");
    if (!(spacing[a] > 0)) throw Error("PhantomSettings.spacing", "must be positive");
  }
  if (cases < 1) throw Error("PhantomSettings.cases", "must be at least 1");
  if (veins < 0 || veins > 8) throw Error("PhantomSettings.veins", "must be 0..8");
  if (!(noiseSigma >= 0)) throw Error("PhantomSettings.noiseSigma", "must be >= 0");
  if (!(biasStrength >= 0 && biasStrength < 1))
    throw Error("PhantomSettings.biasStrength", "must be in [0, 1)");
  if (!(contrast > 0)) throw Error("PhantomSettings.contrast", "must be positive");
}

void to_json(nlohmann::json& j, const PhantomSettings& s) {
  j = nlohmann::json{{"size", s.size},
                     {"spacing", s.spacing},
                     {"seed", s.seed},
                     {"cases", s.cases},
                     {"veins", s.veins},
                     {"noise_sigma", s.noiseSigma},
                     {"bias_strength", s.biasStrength},
                     {"contrast", s.contrast}};
}

void from_json(const nlohmann::json& j, PhantomSettings& s) {
  const PhantomSettings d;
  s.size = j.value("size", d.size);
  s.spacing = j.value("spacing", d.spacing);
  s.seed = j.value("seed", d.seed);
  s.cases = j.value("cases", d.cases);
  s.veins = j.value("veins", d.veins);
  s.noiseSigma = j.value("noise_sigma", d.noiseSigma);
  s.biasStrength = j.value("bias_strength", d.biasStrength);
  s.contrast = j.value("contrast", d.contrast);
}

PhantomCase generatePhantomCase(const PhantomSettings& settings, int index) {
  settings.validate();
  if (index < 0 || index >= settings.cases)
    throw Error("generatePhantomCase", "case index " + std::to_string(index) + " outside 0.." +
                                           std::to_string(settings.cases - 1));
  Rng rng(settings.seed * 0x100000001B3ull + static_cast<std::uint64_t>(index) * 0x9E3779B1ull + 1);
  const Size3& n = settings.size;
  const Vec3 extent{double(n[0]), double(n[1]), double(n[2])};

  // Cavity: a perturbed ellipsoid roughly centred, occupying ~30-40% of each axis.
  Vec3 centre, radii;
  for (int a = 0; a < 3; ++a) {
    centre[a] = extent[a] * rng.uniform(0.42, 0.58);
    radii[a] = extent[a] * rng.uniform(0.16, 0.22);
  }
  const double minRadius = std::min({radii[0], radii[1], radii[2]});
  const auto shapeWaves = randomWaves(rng, 4, 0.6, n);

  // Pulmonary veins: tubes leaving the cavity, mostly sideways and backwards as in the real LA.
  std::vector<Tube> veins;
  for (int v = 0; v < settings.veins; ++v) {
    const double azimuth = (v + rng.uniform(-0.3, 0.3)) * 2.0 * kPi / std::max(settings.veins, 1);
    const double elevation = rng.uniform(-0.5, 0.5);
    const Vec3 dir{std::cos(azimuth) * std::cos(elevation), std::sin(azimuth) * std::cos(elevation),
                   std::sin(elevation)};
    Tube t;
    for (int a = 0; a < 3; ++a) {
      t.a[a] = centre[a] + dir[a] * radii[a] * 0.7;
      t.b[a] = centre[a] + dir[a] * radii[a] * rng.uniform(1.6, 2.1);
    }
    t.radius = minRadius * rng.uniform(0.18, 0.28);
    veins.push_back(t);
  }
  // A bright distractor (aorta-like tube along z) that is NOT part of the label.
  Tube aorta;
  {
    const double side = rng.uniform() < 0.5 ? -1.0 : 1.0;
    const double x = centre[0] + side * (radii[0] + minRadius * rng.uniform(0.9, 1.2));
    const double y = centre[1] + rng.uniform(-0.3, 0.3) * radii[1];
    aorta.a = {x, y, -1.0};
    aorta.b = {x + rng.uniform(-3, 3), y + rng.uniform(-3, 3), extent[2]};
    aorta.radius = minRadius * rng.uniform(0.35, 0.5);
  }

  const auto textureWaves = randomWaves(rng, 6, 0.25, n);
  const auto biasWaves = randomWaves(rng, 3, 1.5, n);
  const double blood = 1.0, tissue = 1.0 - 0.6 * settings.contrast, wall = tissue * 0.6;
  const double edge = 0.8;  // partial-volume width in voxels

  Geometry geometry;
  geometry.size = n;
  geometry.spacing = settings.spacing;
  PhantomCase result;
  char id[32];
  std::snprintf(id, sizeof id, "phantom_%03d", index);
  result.id = id;
  result.image = ImageVolume(geometry, 0.0f);
  result.label = LabelVolume(geometry, 0);

  for (std::size_t k = 0; k < n[2]; ++k) {
    for (std::size_t j = 0; j < n[1]; ++j) {
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 p{double(i), double(j), double(k)};
        double r = 0;
        for (int a = 0; a < 3; ++a) r += std::pow((p[a] - centre[a]) / radii[a], 2);
        double f = (std::sqrt(r) - 1.0) * minRadius + 0.18 * minRadius * evalWaves(shapeWaves, p);
        for (const Tube& t : veins) f = std::min(f, distanceToSegment(p, t) - t.radius);
        const double fAorta = distanceToSegment(p, aorta) - aorta.radius;

        const double inside = sigmoid(-f / edge * 4.0);
        const double inAorta = sigmoid(-fAorta / edge * 4.0) * (1.0 - inside);
        // A thin darker wall around the cavity, as the myocardium on LGE-MRI.
        const double shell = std::exp(-std::pow((f - 1.5) / 1.2, 2)) * (1.0 - inside);
        double s = tissue * (1.0 + 0.25 * evalWaves(textureWaves, p));
        s = s * (1.0 - shell) + wall * shell;
        s = s * (1.0 - inside - inAorta) + blood * inside + 0.95 * blood * inAorta;
        s *= 1.0 + settings.biasStrength * evalWaves(biasWaves, p) * 2.0;
        // Rician magnitude noise.
        const double n1 = s + settings.noiseSigma * rng.normal();
        const double n2 = settings.noiseSigma * rng.normal();
        result.image.at(i, j, k) = static_cast<float>(std::sqrt(n1 * n1 + n2 * n2));
        result.label.at(i, j, k) = f < 0 ? 1 : 0;
      }
    }
  }
  zScoreInPlace(result.image);
  return result;
}

std::vector<PhantomCase> generatePhantomDataset(const PhantomSettings& settings) {
  settings.validate();
  std::vector<PhantomCase> cases;
  cases.reserve(settings.cases);
  for (int c = 0; c < settings.cases; ++c) cases.push_back(generatePhantomCase(settings, c));
  return cases;
}

}  // namespace sfr
