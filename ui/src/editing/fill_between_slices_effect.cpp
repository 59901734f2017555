#include "sfr/ui/editing/fill_between_slices_effect.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "sfr/base/distance_transform.h"

namespace sfr::ui {

namespace {

std::array<int, 2> planeDims(int fixed) {
  return fixed == 0 ? std::array<int, 2>{1, 2}
                    : (fixed == 1 ? std::array<int, 2>{0, 2} : std::array<int, 2>{0, 1});
}

// Linear index of in-plane voxel (u, v) of slice `slice` along `dim`.
struct SliceIndexer {
  std::array<std::size_t, 3> stride;
  std::array<int, 2> dims;
  int dim;

  SliceIndexer(const Size3& size, int fixed)
      : stride{1, size[0], size[0] * size[1]}, dims(planeDims(fixed)), dim(fixed) {}
  std::size_t operator()(int slice, std::size_t u, std::size_t v) const {
    return static_cast<std::size_t>(slice) * stride[dim] + u * stride[dims[0]] +
           v * stride[dims[1]];
  }
};

}  // namespace

std::vector<double> sliceSignedDistance(const LabelVolume& label, int dim, int slice,
                                        std::uint8_t value) {
  const Geometry& g = label.geometry();
  const SliceIndexer at(g.size, dim);
  const std::size_t w = g.size[at.dims[0]], h = g.size[at.dims[1]];
  std::vector<std::uint8_t> inside(w * h), outside(w * h);
  for (std::size_t v = 0; v < h; ++v)
    for (std::size_t u = 0; u < w; ++u) {
      const bool in = label.data()[at(slice, u, v)] == value;
      inside[u + w * v] = in ? 1 : 0;
      outside[u + w * v] = in ? 0 : 1;
    }
  const Size3 planeSize{w, h, 1};
  const Vec3 planeSpacing{g.spacing[at.dims[0]], g.spacing[at.dims[1]], 1.0};
  const std::vector<double> toLabel = distanceTransform(inside.data(), planeSize, planeSpacing);
  const std::vector<double> toBackground =
      distanceTransform(outside.data(), planeSize, planeSpacing);
  // Bigger than any real distance in the slice, so a clamped value never changes a sign.
  const double diagonal = std::hypot(w * planeSpacing[0], h * planeSpacing[1]);
  std::vector<double> signedDistance(w * h);
  for (std::size_t n = 0; n < w * h; ++n)
    signedDistance[n] = std::clamp(toLabel[n] - toBackground[n], -diagonal, diagonal);
  return signedDistance;
}

SliceInterpolation interpolateBetweenSlices(LabelEditSession& session, int dim) {
  const LabelVolume& label = session.label();
  const Geometry& g = label.geometry();
  const std::uint8_t value = session.activeLabel();
  const SliceIndexer at(g.size, dim);
  const std::size_t w = g.size[at.dims[0]], h = g.size[at.dims[1]];
  const int slices = static_cast<int>(g.size[dim]);

  SliceInterpolation result;
  for (int s = 0; s < slices; ++s) {
    bool annotated = false;
    for (std::size_t v = 0; v < h && !annotated; ++v)
      for (std::size_t u = 0; u < w && !annotated; ++u)
        annotated = label.data()[at(s, u, v)] == value;
    if (annotated) result.keySlices.push_back(s);
  }

  std::vector<double> lower, upper;
  for (std::size_t key = 1; key < result.keySlices.size(); ++key) {
    const int a = result.keySlices[key - 1], b = result.keySlices[key];
    if (b - a < 2) {
      upper.clear();  // the next gap starts at b: compute its map then
      continue;
    }
    lower = upper.empty() ? sliceSignedDistance(label, dim, a, value) : std::move(upper);
    upper = sliceSignedDistance(label, dim, b, value);
    for (int s = a + 1; s < b; ++s) {
      const double t = static_cast<double>(s - a) / (b - a);
      for (std::size_t v = 0; v < h; ++v)
        for (std::size_t u = 0; u < w; ++u) {
          const std::size_t n = u + w * v;
          if ((1.0 - t) * lower[n] + t * upper[n] < 0.0) session.paint(at(s, u, v));
        }
      ++result.filledSlices;
    }
  }
  return result;
}

QString FillBetweenSlicesEffect::hint() const {
  return tr(
      "Draw the active label on two or more slices, then click a view to fill the slices "
      "between them along its axis.");
}

void FillBetweenSlicesEffect::beginStroke(EditContext& context, const StrokePoint& point) {
  last_ = interpolateBetweenSlices(context.session,
                                   fixedDimension(context.image.geometry(), point.axis));
}

}  // namespace sfr::ui
