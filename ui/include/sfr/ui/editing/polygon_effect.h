#pragma once
// Polygon: click vertices on one slice; clicking the first vertex again (within one voxel), a
// double click or Enter closes the polygon and fills it on that slice with the active label. The
// fill is every voxel whose centre lies inside the polygon or on its outline (vertices sit on
// voxel centres), so a closed outline is always painted too.
#include <QCoreApplication>
#include <array>

#include "sfr/ui/editing/label_edit_effect.h"

namespace sfr::ui {

/// In-plane voxel coordinates (u, v) of the slice: u along the smaller non-fixed index axis,
/// v along the larger one.
using PlanePoint = std::array<int, 2>;

/// The (u, v) points of the rectangle [0, width) x [0, height) whose centres lie inside `polygon`
/// or on its outline (even-odd rule; points on an edge count as inside). Fewer than 3 distinct
/// vertices fill their polyline only.
std::vector<PlanePoint> rasterizePolygon(const std::vector<PlanePoint>& polygon, int width,
                                         int height);

class PolygonEffect : public LabelEditEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::PolygonEffect)

 public:
  QString name() const override { return tr("Polygon"); }
  QString undoName() const override { return tr("Polygon fill"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_P); }
  QString iconName() const override { return QStringLiteral("draw-polygon"); }
  bool usesSetting(EffectSetting) const override { return false; }

  void beginStroke(EditContext& context, const StrokePoint& point) override;
  bool endStroke(EditContext& context, const StrokePoint& point) override;
  bool finish(EditContext& context) override;
  void cancel() override;
  std::vector<VoxelIndex> pendingVertices() const override { return vertices_; }
  SliceAxis pendingAxis() const override { return axis_; }

 private:
  bool fill(EditContext& context);

  std::vector<VoxelIndex> vertices_;
  SliceAxis axis_ = SliceAxis::Axial;
  bool closed_ = false;
};

}  // namespace sfr::ui
