// Times the medpy-exact metrics on a 512x512x300 pair of overlapping, irregular blobs (two
// classes), single thread. Usage: bench_metrics [nx ny nz] [repeats]
// Prints one line per measurement and a JSON summary on the last line.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/base/distance_transform.h"
#include "sfr/base/metrics.h"

#include "peak_rss.h"

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// An ellipsoid whose boundary is rippled by a product of sines: irregular but deterministic.
struct Blob {
  double cx, cy, cz, rx, ry, rz, ripple, phase;
};

// Paints voxels with u² + v² + w² + ripple * sin(5u + p) sin(4v - p) sin(3w + p/2) <= 1, where
// (u, v, w) are the offsets from the centre in radii. Each sine depends on one axis only, so they
// are tabulated per axis.
void paint(sfr::LabelVolume& v, const Blob& b, std::uint8_t label) {
  const sfr::Size3 s = v.size();
  std::vector<double> u2(s[0]), su(s[0]), v2(s[1]), sv(s[1]), w2(s[2]), sw(s[2]);
  for (std::size_t i = 0; i < s[0]; ++i) {
    const double u = (double(i) - b.cx) / b.rx;
    u2[i] = u * u;
    su[i] = std::sin(5.0 * u + b.phase);
  }
  for (std::size_t j = 0; j < s[1]; ++j) {
    const double t = (double(j) - b.cy) / b.ry;
    v2[j] = t * t;
    sv[j] = std::sin(4.0 * t - b.phase);
  }
  for (std::size_t k = 0; k < s[2]; ++k) {
    const double w = (double(k) - b.cz) / b.rz;
    w2[k] = w * w;
    sw[k] = b.ripple * std::sin(3.0 * w + 0.5 * b.phase);
  }
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if (u2[i] + v2[j] + w2[k] + su[i] * sv[j] * sw[k] <= 1.0) v.at(i, j, k) = label;
}

}  // namespace

int main(int argc, char** argv) {
  sfr::Geometry g;
  g.size = {512, 512, 300};
  g.spacing = {0.625, 0.625, 1.25};
  int repeats = 3;
  if (argc >= 4)
    for (int a = 0; a < 3; ++a) g.size[a] = std::strtoul(argv[1 + a], nullptr, 10);
  if (argc >= 5) repeats = std::atoi(argv[4]);
  const double nx = double(g.size[0]), ny = double(g.size[1]), nz = double(g.size[2]);

  auto t0 = Clock::now();
  sfr::LabelVolume reference(g), prediction(g);
  // Class 1: a large cavity (about a third of each axis across); class 2: a smaller structure.
  paint(reference, {0.5 * nx, 0.5 * ny, 0.5 * nz, 0.28 * nx, 0.24 * ny, 0.3 * nz, 0.25, 0.0}, 1);
  paint(prediction, {0.52 * nx, 0.49 * ny, 0.51 * nz, 0.27 * nx, 0.25 * ny, 0.29 * nz, 0.3, 1.1},
        1);
  paint(reference, {0.8 * nx, 0.3 * ny, 0.4 * nz, 0.08 * nx, 0.1 * ny, 0.12 * nz, 0.2, 0.4}, 2);
  paint(prediction, {0.79 * nx, 0.31 * ny, 0.41 * nz, 0.085 * nx, 0.095 * ny, 0.12 * nz, 0.2, 2.0},
        2);
  std::printf("setup %.2f s (grid %zux%zux%zu)\n", secondsSince(t0), g.size[0], g.size[1],
              g.size[2]);

  nlohmann::json summary;
  summary["grid"] = g.size;
  for (sfr::Spacing unit : {sfr::Spacing::Voxel, sfr::Spacing::Millimetre}) {
    double best = 1e30, bestCpu = 1e30;
    sfr::CaseMetrics m;
    for (int r = 0; r < repeats; ++r) {
      t0 = Clock::now();
      const std::clock_t c0 = std::clock();
      m = sfr::computeMetrics(prediction, reference, sfr::MetricsSettings().setUnit(unit));
      best = std::min(best, secondsSince(t0));
      bestCpu = std::min(bestCpu, double(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    // CPU time is reported too: on a shared machine the wall time includes waiting for a core.
    std::printf(
        "computeMetrics (%s, %zu classes): best of %d = %.3f s wall (%.3f s CPU), "
        "%.3f s wall per class\n",
        sfr::toString(unit), m.classes.size(), repeats, best, bestCpu,
        best / double(m.classes.size()));
    for (const auto& c : m.classes)
      std::printf("  class %d: pred %zu ref %zu dice %.4f hd95 %.4f asd %.4f assd %.4f hd %.4f\n",
                  c.label, c.predictionVoxels, c.referenceVoxels, c.dice, c.hd95, c.asd, c.assd,
                  c.hd);
    summary[std::string("seconds_per_class_") + sfr::toString(unit)] =
        best / double(m.classes.size());
    summary[std::string("cpu_seconds_per_class_") + sfr::toString(unit)] =
        bestCpu / double(m.classes.size());
    summary[std::string("metrics_") + sfr::toString(unit)] = m;
  }

  // For scale: one full-grid exact EDT (the worst case the metrics never need, thanks to cropping).
  std::vector<std::uint8_t> surface = sfr::binarySurface(reference.data(), g.size);
  t0 = Clock::now();
  const std::vector<double> d = sfr::distanceTransform(surface.data(), g.size, g.spacing);
  const double edt = secondsSince(t0);
  std::printf("full-grid EDT (%zu voxels): %.3f s\n", d.size(), edt);
  summary["full_grid_edt_seconds"] = edt;
  // core/base metrics are plain single-threaded C++ (no LibTorch, no OpenMP).
  const double peakRss = peakRssMiB();
  std::printf("threads 1 (single-threaded by design), peak RSS %.0f MiB\n", peakRss);
  summary["threads"] = 1;
  summary["peak_rss_mib"] = peakRss;
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
