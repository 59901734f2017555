#include "sfr/ui/editing/views/edit_overlay_painter.h"

#include <QPainterPath>

#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/views/sam_overlay_painter.h"

namespace sfr::ui {

namespace {
const QColor kBrushOutline(255, 255, 255, 220);
const QColor kPolygon(255, 200, 40);
}  // namespace

void paintEditOverlay(QPainter& painter, const LabelEditingModel& editing, const Geometry& geometry,
                      SliceAxis axis, int slice, const QRectF& target,
                      const std::optional<QPoint>& pointerPixel) {
  const LabelEditEffect* effect = editing.activeEffect();
  if (!effect || target.isEmpty()) return;
  const SlicePlane plane = slicePlane(geometry, axis);
  const double sx = target.width() / plane.width;
  const double sy = target.height() / plane.height;
  const auto centreOf = [&](int x, int y) {
    return QPointF(target.left() + (x + 0.5) * sx, target.top() + (y + 0.5) * sy);
  };
  if (editing.activeEffectIndex() == LabelEditingModel::SamAssist)
    paintSamOverlay(painter, *editing.samAssist(), axis, slice, target,
                    QSize(plane.width, plane.height));
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setBrush(Qt::NoBrush);

  if (effect->showsBrushOutline() && pointerPixel) {
    // The picture is letterboxed to the slice's physical aspect: one scale for both axes.
    const double pixelsPerMm = target.width() / plane.physicalSize().width();
    const double r = editing.options().brushRadiusMm * pixelsPerMm;
    painter.setPen(QPen(kBrushOutline, 1.0, Qt::SolidLine));
    painter.drawEllipse(centreOf(pointerPixel->x(), pointerPixel->y()), r, r);
  }

  const std::vector<VoxelIndex> vertices = effect->pendingVertices();
  if (!vertices.empty() && effect->pendingAxis() == axis &&
      vertices.front()[fixedDimension(geometry, axis)] == slice) {
    QPainterPath path;
    for (std::size_t n = 0; n < vertices.size(); ++n) {
      const auto [x, y] = pixelOfVoxel(geometry, axis, vertices[n]);
      const QPointF p = centreOf(x, y);
      if (n == 0)
        path.moveTo(p);
      else
        path.lineTo(p);
      painter.setPen(QPen(kPolygon, 1.0));
      painter.drawEllipse(p, 3.0, 3.0);
    }
    painter.setPen(QPen(kPolygon, 1.5));
    painter.drawPath(path);
  }
  painter.restore();
}

}  // namespace sfr::ui
