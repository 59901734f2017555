#pragma once
// The live preview drawn over a SliceView (a view without logic): a transparent child widget
// covering the slice view, ignoring the mouse, that paints the LivePreviewModel's label map for
// the view's slice with the preview's own opacity (filled, and its outline fully opaque so it
// stands apart from the clinician's labels), or, with "Show voxel confidence", the uncertainty
// 1 - confidence as an orange heat map (transparent where the model is sure). Nothing here is
// written into any label map.
#include <QImage>
#include <QWidget>

#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

class LabelTable;
class LivePreviewModel;
class SliceView;
class ViewerModel;

/// The preview picture of slice `slice` along `axis`: ARGB32, one pixel per voxel (like
/// renderSlice), transparent where nothing is drawn. Label l: colour table.color(l) at alpha =
/// opacity inside, 255 on its outline (4-neighbours in the slice that differ); with `confidence`
/// the uncertainty u = clamp(2 (1 - c), 0, 1) as orange at alpha = u * 255 * max(opacity, 0.3).
QImage renderPreviewSlice(const LivePreviewModel& preview, const LabelTable& table, SliceAxis axis,
                          int slice);

class PreviewLayer : public QWidget {
  Q_OBJECT

 public:
  PreviewLayer(SliceView* view, ViewerModel* viewer, LivePreviewModel* preview,
               const LabelTable* table);
  /// The picture last drawn (null when there is no preview).
  const QImage& picture() const { return picture_; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void rebuild();

  SliceView* view_;
  ViewerModel* viewer_;
  LivePreviewModel* preview_;
  const LabelTable* table_;
  QImage picture_;
  int slice_ = -1;
};

}  // namespace sfr::ui
