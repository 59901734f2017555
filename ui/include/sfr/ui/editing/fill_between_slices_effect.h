#pragma once
// Fill between slices: the active label drawn on a few slices of one view is interpolated onto
// the slices between them (shape-based interpolation, Herman et al. 1992, as in Slicer's "Fill
// between slices" and ITK-SNAP's interpolation). Each annotated ("key") slice is turned into a
// signed distance map in millimetres (distance to the label outside it, minus the distance to the
// background inside it, both from sfr::distanceTransform). A slice at fraction t between the key
// slices a and b gets the label where (1 - t) d_a + t d_b < 0. Key slices are never written, and
// the writes follow the session's lock/overwrite rules.
#include <QCoreApplication>

#include "sfr/ui/editing/label_edit_effect.h"

namespace sfr::ui {

/// Signed distance (mm) of every in-plane voxel of slice `slice` along index axis `dim` to the
/// outline of label `value`: > 0 outside, < 0 inside, laid out u fastest (u, v = the two other
/// index axes in ascending order). Distances that would be infinite (no background in the slice)
/// are clamped to -(the slice diagonal).
std::vector<double> sliceSignedDistance(const LabelVolume& label, int dim, int slice,
                                        std::uint8_t value);

struct SliceInterpolation {
  std::vector<int> keySlices;  ///< slices along the axis that carry the active label
  int filledSlices = 0;        ///< slices between key slices that were interpolated
};

/// Interpolates the session's active label along index axis `dim` between every two successive
/// key slices with a gap between them. Fewer than two key slices: nothing happens.
SliceInterpolation interpolateBetweenSlices(LabelEditSession& session, int dim);

class FillBetweenSlicesEffect : public LabelEditEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::FillBetweenSlicesEffect)

 public:
  QString name() const override { return tr("Fill Between Slices"); }
  QString undoName() const override { return tr("Fill between slices"); }
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_I); }
  QString iconName() const override { return QStringLiteral("distribute-vertical"); }
  Qt::CursorShape cursorShape() const override { return Qt::PointingHandCursor; }
  bool usesSetting(EffectSetting) const override { return false; }

  /// Interpolates along the axis of the clicked view.
  void beginStroke(EditContext& context, const StrokePoint& point) override;
  bool endStroke(EditContext&, const StrokePoint&) override { return true; }

  /// What the last click did.
  const SliceInterpolation& lastResult() const { return last_; }

 private:
  SliceInterpolation last_;
};

}  // namespace sfr::ui
