#pragma once
// Flood fill: a click paints the region connected to the clicked voxel (faces only: 4 neighbours
// in the slice, 6 in 3D). The region is either the voxels carrying the clicked voxel's label
// ("same label") or those whose intensity is within the tolerance of the clicked voxel's
// ("intensity"). Painting follows the session's lock/overwrite rules voxel by voxel.
#include <QCoreApplication>

#include "sfr/ui/editing/label_edit_effect.h"

namespace sfr::ui {

/// Linear indices of the region connected to `seed` under `options` (floodMode, floodTolerance,
/// threeD: whole volume or only the slice of `axis` through the seed), in the order visited.
std::vector<std::size_t> floodRegion(const ImageVolume& image, const LabelVolume& label,
                                     SliceAxis axis, const VoxelIndex& seed,
                                     const EditOptions& options);

class FloodFillEffect : public LabelEditEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::FloodFillEffect)

 public:
  QString name() const override { return tr("Flood Fill"); }
  QString undoName() const override { return tr("Flood fill"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_F); }
  QString iconName() const override { return QStringLiteral("color-fill"); }
  Qt::CursorShape cursorShape() const override { return Qt::PointingHandCursor; }
  bool usesSetting(EffectSetting setting) const override;

  void beginStroke(EditContext& context, const StrokePoint& point) override;
  bool endStroke(EditContext&, const StrokePoint&) override { return true; }
};

}  // namespace sfr::ui
