#include "sfr/ui/editing/polygon_effect.h"

#include <algorithm>
#include <cstdlib>

namespace sfr::ui {

namespace {

// Both in-plane index axes of a slice with fixed axis `fixed`, in ascending order.
std::array<int, 2> planeDims(int fixed) {
  return fixed == 0 ? std::array<int, 2>{1, 2}
                    : (fixed == 1 ? std::array<int, 2>{0, 2} : std::array<int, 2>{0, 1});
}

// True when point p lies on the closed segment a-b (integer coordinates: exact).
bool onSegment(const PlanePoint& a, const PlanePoint& b, const PlanePoint& p) {
  const long long cross = static_cast<long long>(b[0] - a[0]) * (p[1] - a[1]) -
                          static_cast<long long>(b[1] - a[1]) * (p[0] - a[0]);
  return cross == 0 && p[0] >= std::min(a[0], b[0]) && p[0] <= std::max(a[0], b[0]) &&
         p[1] >= std::min(a[1], b[1]) && p[1] <= std::max(a[1], b[1]);
}

}  // namespace

std::vector<PlanePoint> rasterizePolygon(const std::vector<PlanePoint>& polygon, int width,
                                         int height) {
  std::vector<PlanePoint> inside;
  if (polygon.empty() || width <= 0 || height <= 0) return inside;
  int u0 = polygon[0][0], u1 = u0, v0 = polygon[0][1], v1 = v0;
  for (const PlanePoint& p : polygon) {
    u0 = std::min(u0, p[0]), u1 = std::max(u1, p[0]);
    v0 = std::min(v0, p[1]), v1 = std::max(v1, p[1]);
  }
  u0 = std::max(u0, 0), v0 = std::max(v0, 0);
  u1 = std::min(u1, width - 1), v1 = std::min(v1, height - 1);
  const std::size_t count = polygon.size();
  for (int v = v0; v <= v1; ++v)
    for (int u = u0; u <= u1; ++u) {
      const PlanePoint p{u, v};
      bool in = false;
      bool boundary = false;
      for (std::size_t e = 0; e < count && !boundary; ++e) {
        const PlanePoint& a = polygon[e];
        const PlanePoint& b = polygon[(e + 1) % count];
        if (onSegment(a, b, p)) boundary = true;
        // Crossing number with the half-open rule, so a ray through a vertex counts once.
        if ((a[1] > v) != (b[1] > v)) {
          // u coordinate where the edge meets the line v, compared without division.
          const long long lhs = static_cast<long long>(u - a[0]) * (b[1] - a[1]);
          const long long rhs = static_cast<long long>(b[0] - a[0]) * (v - a[1]);
          if ((b[1] - a[1] > 0) ? lhs < rhs : lhs > rhs) in = !in;
        }
      }
      if (in || boundary) inside.push_back(p);
    }
  return inside;
}

QString PolygonEffect::hint() const {
  return tr("Click the vertices; click the first vertex, double-click or press Enter to fill.");
}

void PolygonEffect::beginStroke(EditContext& context, const StrokePoint& point) {
  const int fixed = fixedDimension(context.image.geometry(), point.axis);
  // A click on another view or slice starts a new polygon there.
  if (!vertices_.empty() && (point.axis != axis_ || point.voxel[fixed] != vertices_.front()[fixed]))
    vertices_.clear();
  axis_ = point.axis;
  if (vertices_.size() >= 3) {
    const VoxelIndex& first = vertices_.front();
    bool nearFirst = true;
    for (int d = 0; d < 3; ++d) nearFirst = nearFirst && std::abs(point.voxel[d] - first[d]) <= 1;
    if (nearFirst) {
      closed_ = fill(context);
      return;
    }
  }
  if (vertices_.empty() || vertices_.back() != point.voxel) vertices_.push_back(point.voxel);
}

bool PolygonEffect::endStroke(EditContext&, const StrokePoint&) {
  const bool done = closed_;
  closed_ = false;
  return done;
}

bool PolygonEffect::finish(EditContext& context) {
  if (vertices_.empty()) return false;
  return fill(context);
}

void PolygonEffect::cancel() {
  vertices_.clear();
  closed_ = false;
}

bool PolygonEffect::fill(EditContext& context) {
  const Geometry& g = context.image.geometry();
  const int fixed = fixedDimension(g, axis_);
  const std::array<int, 2> dims = planeDims(fixed);
  std::vector<PlanePoint> polygon;
  polygon.reserve(vertices_.size());
  for (const VoxelIndex& v : vertices_) polygon.push_back({v[dims[0]], v[dims[1]]});
  VoxelIndex voxel = vertices_.front();
  for (const PlanePoint& p : rasterizePolygon(polygon, static_cast<int>(g.size[dims[0]]),
                                              static_cast<int>(g.size[dims[1]]))) {
    voxel[dims[0]] = p[0];
    voxel[dims[1]] = p[1];
    context.session.paint(static_cast<std::size_t>(voxel[0]) +
                          g.size[0] * (static_cast<std::size_t>(voxel[1]) +
                                       g.size[1] * static_cast<std::size_t>(voxel[2])));
  }
  vertices_.clear();
  return true;
}

}  // namespace sfr::ui
