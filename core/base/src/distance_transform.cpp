#include "sfr/base/distance_transform.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sfr/base/error.h"

namespace sfr {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The j pass of a full transform gathers this many neighbouring j-lines at a time: consecutive i
// share cache lines, so the strided reads stay cache friendly.
constexpr std::size_t kBlock = 16;

std::size_t voxelCount(const Size3& size) {
  return size[0] * size[1] * size[2];
}

void requireValidSpacing(const Vec3& spacing) {
  for (int a = 0; a < 3; ++a)
    if (!(spacing[a] > 0) || !std::isfinite(spacing[a]))
      throw Error("distance transform", "spacing must be positive and finite along every axis");
}

void requireInside(std::size_t voxel, std::size_t count, const char* what) {
  if (voxel >= count)
    throw Error("distance transform", std::string(what) + " voxel " + std::to_string(voxel) +
                                          " is outside the grid of " + std::to_string(count) +
                                          " voxels");
}

// Scratch of the lower envelope of one line of length n along an axis with squared step s2,
// reused across lines to avoid allocations.
struct Envelope {
  double s2;
  std::vector<std::ptrdiff_t> site;  // sample positions of the parabolas on the envelope
  std::vector<double> value;         // f at those positions
  std::vector<double> start;         // where each parabola starts to be the lowest
  std::vector<double> reciprocal;    // reciprocal[g] = 1 / (2 * s2 * g): no division per site

  Envelope(std::size_t n, double stepSquared)
      : s2(stepSquared), site(n), value(n), start(n), reciprocal(std::max<std::size_t>(n, 1)) {
    for (std::size_t g = 1; g < n; ++g) reciprocal[g] = 1.0 / (2.0 * s2 * static_cast<double>(g));
  }
};

// One-dimensional transform (Felzenszwalb & Huttenlocher, algorithm DT(f)), in place:
//   line[q] <- min over p of ((q - p)² * s2 + line[p]).
// +infinity samples are not sites. Returns false (line untouched) when no sample is finite.
bool transformLine(double* line, std::size_t n, Envelope& env) {
  std::ptrdiff_t* v = env.site.data();
  double* fv = env.value.data();
  double* z = env.start.data();
  const double* reciprocal = env.reciprocal.data();
  const double s2 = env.s2;
  std::ptrdiff_t k = -1;
  const auto count = static_cast<std::ptrdiff_t>(n);
  for (std::ptrdiff_t q = 0; q < count; ++q) {
    const double fq = line[q];
    if (fq == kInf) continue;
    double s = -kInf;
    while (k >= 0) {
      // Where the parabola of q meets the one of v[k]: the midpoint plus a correction, so that no
      // large squares are subtracted from each other.
      s = 0.5 * static_cast<double>(q + v[k]) + (fq - fv[k]) * reciprocal[q - v[k]];
      if (s <= z[k])
        --k;
      else
        break;
    }
    if (k < 0) s = -kInf;
    ++k;
    v[k] = q;
    fv[k] = fq;
    z[k] = s;
  }
  if (k < 0) return false;
  const std::ptrdiff_t last = k;
  k = 0;
  for (std::ptrdiff_t q = 0; q < count; ++q) {
    while (k < last && z[k + 1] < static_cast<double>(q)) ++k;
    const double d = static_cast<double>(q - v[k]);
    line[q] = d * d * s2 + fv[k];
  }
  return true;
}

// Feature voxels grouped by (i, j) column, each column's k values ascending (CSR layout).
struct FeatureColumns {
  std::vector<std::size_t> begin;  // column c holds k[begin[c] .. begin[c + 1])
  std::vector<std::uint32_t> k;
};

FeatureColumns groupByColumn(const std::vector<std::size_t>& voxels, const Size3& size) {
  const std::size_t plane = size[0] * size[1], count = voxelCount(size);
  FeatureColumns f;
  f.begin.assign(plane + 1, 0);
  for (std::size_t v : voxels) {
    requireInside(v, count, "feature");
    ++f.begin[v % plane + 1];
  }
  for (std::size_t c = 0; c < plane; ++c) f.begin[c + 1] += f.begin[c];
  f.k.resize(voxels.size());
  std::vector<std::size_t> fill(f.begin.begin(), f.begin.end() - 1);
  bool sorted = true;
  for (std::size_t v : voxels) {
    const std::size_t c = v % plane;
    const auto kk = static_cast<std::uint32_t>(v / plane);
    if (fill[c] > f.begin[c] && f.k[fill[c] - 1] > kk) sorted = false;
    f.k[fill[c]++] = kk;
  }
  if (!sorted)
    for (std::size_t c = 0; c < plane; ++c)
      std::sort(f.k.begin() + static_cast<std::ptrdiff_t>(f.begin[c]),
                f.k.begin() + static_cast<std::ptrdiff_t>(f.begin[c + 1]));
  return f;
}

std::vector<std::size_t> nonzeroVoxels(const std::uint8_t* mask, std::size_t count) {
  std::vector<std::size_t> out;
  for (std::size_t v = 0; v < count; ++v)
    if (mask[v]) out.push_back(v);
  return out;
}

// Walks the grid one k-slice at a time (k never decreasing) and produces, for the current slice,
// the squared distances restricted to features reachable through the k and i passes. A j pass over
// a line of that slice then gives the final squared distances of the line.
class SliceSweep {
 public:
  SliceSweep(const FeatureColumns& features, const Size3& size, const Vec3& spacing)
      : features_(features),
        size_(size),
        s2_{spacing[0] * spacing[0], spacing[1] * spacing[1], spacing[2] * spacing[2]},
        cursor_(features.begin.begin(), features.begin.end() - 1),
        slice_(size[0] * size[1]),
        rowEnvelope_(size[0], s2_[0]),
        lineEnvelope_(size[1], s2_[1]) {}

  // k pass from the feature lists (nearest feature in the same column), then the i pass per row.
  void prepare(std::size_t k) {
    const std::size_t plane = size_[0] * size_[1];
    const auto kk = static_cast<std::ptrdiff_t>(k);
    for (std::size_t c = 0; c < plane; ++c) {
      const std::size_t b = features_.begin[c], e = features_.begin[c + 1];
      if (b == e) {
        slice_[c] = kInf;
        continue;
      }
      std::size_t p = cursor_[c];
      while (p < e && features_.k[p] < k) ++p;
      cursor_[c] = p;
      std::ptrdiff_t best = std::numeric_limits<std::ptrdiff_t>::max();
      if (p < e) best = static_cast<std::ptrdiff_t>(features_.k[p]) - kk;
      if (p > b) best = std::min(best, kk - static_cast<std::ptrdiff_t>(features_.k[p - 1]));
      const double d = static_cast<double>(best);
      slice_[c] = d * d * s2_[2];
    }
    for (std::size_t j = 0; j < size_[1]; ++j)
      transformLine(slice_.data() + j * size_[0], size_[0], rowEnvelope_);
  }

  // Final squared distances of the j-line at `i` of the prepared slice, into `line` (size[1]).
  void finishLine(std::size_t i, double* line) {
    for (std::size_t j = 0; j < size_[1]; ++j) line[j] = slice_[i + j * size_[0]];
    transformLine(line, size_[1], lineEnvelope_);
  }

  // Squared distance after the k and i passes at (i, j) of the prepared slice.
  double partial(std::size_t i, std::size_t j) const { return slice_[i + j * size_[0]]; }

  double s2(int axis) const { return s2_[axis]; }

  // Final squared distance at (i, j) of the prepared slice by scanning outwards along j until the
  // step alone exceeds the best value found: the same minimum as the j pass, in O(distance) time.
  double finishPoint(std::size_t i, std::size_t j) const {
    const std::size_t nx = size_[0], ny = size_[1];
    const double* column = slice_.data() + i;
    double best = column[j * nx];
    for (std::size_t d = 1; d <= j || j + d < ny; ++d) {
      const double dd = static_cast<double>(d) * static_cast<double>(d) * s2_[1];
      if (dd >= best) break;
      if (d <= j) best = std::min(best, dd + column[(j - d) * nx]);
      if (j + d < ny) best = std::min(best, dd + column[(j + d) * nx]);
    }
    return best;
  }

  // Final squared distances of the whole prepared slice, into `out` (size[0] * size[1]).
  void finishSlice(double* out) {
    const std::size_t nx = size_[0], ny = size_[1];
    std::vector<double>& scratch = blockScratch_;
    scratch.resize(kBlock * ny);
    for (std::size_t i0 = 0; i0 < nx; i0 += kBlock) {
      const std::size_t width = std::min(kBlock, nx - i0);
      for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t b = 0; b < width; ++b) scratch[b * ny + j] = slice_[i0 + b + j * nx];
      for (std::size_t b = 0; b < width; ++b)
        transformLine(scratch.data() + b * ny, ny, lineEnvelope_);
      for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t b = 0; b < width; ++b) out[i0 + b + j * nx] = scratch[b * ny + j];
    }
  }

 private:
  const FeatureColumns& features_;
  Size3 size_;
  Vec3 s2_;
  std::vector<std::size_t> cursor_;  // per column: first feature with k >= the current slice
  std::vector<double> slice_;
  std::vector<double> blockScratch_;
  Envelope rowEnvelope_;
  Envelope lineEnvelope_;
};

}  // namespace

Vec3 stepLengths(const Geometry& geometry, Spacing unit) {
  return unit == Spacing::Millimetre ? geometry.spacing : Vec3{1.0, 1.0, 1.0};
}

std::vector<double> distanceTransform(const std::uint8_t* features, const Size3& size,
                                      const Vec3& spacing) {
  requireValidSpacing(spacing);
  const std::size_t count = voxelCount(size), plane = size[0] * size[1];
  std::vector<double> out(count);
  if (count == 0) return out;
  const FeatureColumns columns = groupByColumn(nonzeroVoxels(features, count), size);
  SliceSweep sweep(columns, size, spacing);
  for (std::size_t k = 0; k < size[2]; ++k) {
    sweep.prepare(k);
    sweep.finishSlice(out.data() + k * plane);
  }
  for (double& v : out) v = std::sqrt(v);
  return out;
}

Volume<double> distanceTransform(const LabelVolume& features, Spacing unit) {
  const Geometry& g = features.geometry();
  return Volume<double>(g, distanceTransform(features.data(), g.size, stepLengths(g, unit)));
}

std::vector<double> distancesAt(const std::vector<std::size_t>& featureVoxels, const Size3& size,
                                const Vec3& spacing, const std::vector<std::size_t>& queries) {
  requireValidSpacing(spacing);
  const std::size_t count = voxelCount(size), nx = size[0], plane = size[0] * size[1];
  for (std::size_t q : queries) requireInside(q, count, "query");
  std::vector<double> out(queries.size());
  if (queries.empty()) return out;
  const FeatureColumns columns = groupByColumn(featureVoxels, size);

  // Queries bucketed by slice k (counting sort), then per slice by i, so that each slice is
  // prepared once and each j-line finished once.
  std::vector<std::size_t> sliceBegin(size[2] + 1, 0);
  for (std::size_t q : queries) ++sliceBegin[q / plane + 1];
  for (std::size_t k = 0; k < size[2]; ++k) sliceBegin[k + 1] += sliceBegin[k];
  std::vector<std::size_t> bySlice(queries.size());
  {
    std::vector<std::size_t> fill(sliceBegin.begin(), sliceBegin.end() - 1);
    for (std::size_t n = 0; n < queries.size(); ++n) bySlice[fill[queries[n] / plane]++] = n;
  }

  SliceSweep sweep(columns, size, spacing);
  std::vector<double> line(size[1]);
  std::vector<std::size_t> lineBegin(nx + 1), lineFill(nx), byLine;
  for (std::size_t k = 0; k < size[2]; ++k) {
    const std::size_t b = sliceBegin[k], e = sliceBegin[k + 1];
    if (b == e) continue;
    sweep.prepare(k);
    std::fill(lineBegin.begin(), lineBegin.end(), 0);
    for (std::size_t t = b; t < e; ++t) ++lineBegin[queries[bySlice[t]] % nx + 1];
    for (std::size_t i = 0; i < nx; ++i) lineBegin[i + 1] += lineBegin[i];
    byLine.resize(e - b);
    std::copy(lineBegin.begin(), lineBegin.end() - 1, lineFill.begin());
    for (std::size_t t = b; t < e; ++t) byLine[lineFill[queries[bySlice[t]] % nx]++] = bySlice[t];
    for (std::size_t i = 0; i < nx; ++i) {
      const std::size_t first = lineBegin[i], last = lineBegin[i + 1];
      if (first == last) continue;
      // A query's own value bounds how far along j a better candidate can be. When those
      // windows are short in total (the usual case: surfaces lie close to each other), scanning
      // them is cheaper than the envelope of the whole line, and it yields the same minimum.
      double scan = 0.0;
      for (std::size_t t = first; t < last && scan < double(size[1]); ++t)
        scan += 1.0 +
                2.0 * std::sqrt(sweep.partial(i, (queries[byLine[t]] % plane) / nx) / sweep.s2(1));
      if (scan < double(size[1])) {
        for (std::size_t t = first; t < last; ++t) {
          const std::size_t n = byLine[t];
          out[n] = std::sqrt(sweep.finishPoint(i, (queries[n] % plane) / nx));
        }
        continue;
      }
      sweep.finishLine(i, line.data());
      for (std::size_t t = first; t < last; ++t) {
        const std::size_t n = byLine[t];
        out[n] = std::sqrt(line[(queries[n] % plane) / nx]);
      }
    }
  }
  return out;
}

std::vector<double> distancesAt(const std::uint8_t* features, const Size3& size,
                                const Vec3& spacing, const std::vector<std::size_t>& queries) {
  return distancesAt(nonzeroVoxels(features, voxelCount(size)), size, spacing, queries);
}

}  // namespace sfr
