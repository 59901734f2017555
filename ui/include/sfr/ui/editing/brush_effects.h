#pragma once
// The brush family: Brush paints the active label, Eraser removes it, ThresholdBrush paints only
// voxels whose intensity lies in the threshold range. The footprint is a disc in the slice plane
// or (3D) a sphere, of radius EditOptions::brushRadiusMm measured physically, so anisotropic
// spacing gives elliptic footprints in voxels. A drag stamps the footprint at every voxel of the
// line between successive pointer positions, so fast strokes leave no gaps.
#include <QCoreApplication>

#include "sfr/ui/editing/label_edit_effect.h"

namespace sfr::ui {

/// Offsets (di, dj, dk) of the voxels whose centres lie within `radiusMm` of the centre voxel's
/// centre: (di sx)² + (dj sy)² + (dk sz)² <= r². For a disc (sphere false) the offset along
/// `fixedDim` is 0. The centre voxel is always included.
std::vector<VoxelIndex> brushOffsets(const Vec3& spacing, double radiusMm, int fixedDim,
                                     bool sphere);

/// The voxels of the straight line from `from` to `to` (both included), one per step along the
/// axis with the largest difference (digital differential analyser).
std::vector<VoxelIndex> voxelLine(const VoxelIndex& from, const VoxelIndex& to);

/// Stroke handling shared by the brushes: stamps the footprint along the pointer path and calls
/// apply() for every voxel of each stamp that lies inside the volume.
class BrushStrokeEffect : public LabelEditEffect {
 public:
  bool usesSetting(EffectSetting setting) const override;
  bool showsBrushOutline() const override { return true; }
  void beginStroke(EditContext& context, const StrokePoint& point) override;
  void continueStroke(EditContext& context, const StrokePoint& point) override;
  bool endStroke(EditContext& context, const StrokePoint& point) override;

 protected:
  /// Writes voxel `n` (linear index) of one stamp.
  virtual void apply(EditContext& context, std::size_t n) = 0;

 private:
  void stamp(EditContext& context, SliceAxis axis, const VoxelIndex& centre);

  VoxelIndex last_{0, 0, 0};
};

class BrushEffect : public BrushStrokeEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::BrushEffect)

 public:
  QString name() const override { return tr("Brush"); }
  QString undoName() const override { return tr("Brush stroke"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_B); }
  QString iconName() const override { return QStringLiteral("draw-brush"); }

 protected:
  void apply(EditContext& context, std::size_t n) override;
};

class EraserEffect : public BrushStrokeEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::EraserEffect)

 public:
  QString name() const override { return tr("Eraser"); }
  QString undoName() const override { return tr("Eraser stroke"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_E); }
  QString iconName() const override { return QStringLiteral("draw-eraser"); }

 protected:
  void apply(EditContext& context, std::size_t n) override;
};

class ThresholdBrushEffect : public BrushStrokeEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::ThresholdBrushEffect)

 public:
  QString name() const override { return tr("Threshold Brush"); }
  QString undoName() const override { return tr("Threshold brush stroke"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_T); }
  QString iconName() const override { return QStringLiteral("draw-brush"); }
  bool usesSetting(EffectSetting setting) const override;

 protected:
  void apply(EditContext& context, std::size_t n) override;
};

}  // namespace sfr::ui
