#pragma once
// One 2D slice of the model's volume with its label overlay and the linked crosshair.
// Mouse: left click/drag moves the cursor (all views follow), wheel / PageUp / PageDown / arrow
// keys scroll slices, right drag changes window/level. The view holds no state of its own beyond
// the cached picture and the drag in progress; everything else lives in the ViewerModel.
// With a LabelEditingModel attached and a tool active, the left button goes to the tool instead
// (Enter / double click complete a polygon), the label overlay uses the label table's colours and
// visibility, and the brush outline and pending polygon are drawn over the slice.
#include <QImage>
#include <QPoint>
#include <QWidget>
#include <optional>

#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/window_level.h"

namespace sfr::ui {

class LabelEditingModel;
class ViewerModel;

class SliceView : public QWidget {
  Q_OBJECT

 public:
  SliceView(ViewerModel* model, SliceAxis axis, QWidget* parent = nullptr);

  SliceAxis axis() const { return axis_; }
  /// Where the slice picture is drawn (widget coordinates), letterboxed to its physical aspect.
  QRectF imageRect() const;
  /// The picture currently shown (one pixel per voxel, before scaling).
  const QImage& slicePicture() const { return picture_; }
  QSize sizeHint() const override { return {320, 320}; }
  QSize minimumSizeHint() const override { return {120, 120}; }
  /// Routes left-button strokes to `editing`'s active tool (null: navigation only).
  void setEditingModel(LabelEditingModel* editing);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void rerender();
  void moveCursorTo(const QPointF& widgetPos);
  /// Picture pixel under `widgetPos`; outside the picture none, or the nearest one with `clamp`.
  std::optional<QPoint> picturePixelAt(const QPointF& widgetPos, bool clamp) const;
  std::optional<VoxelIndex> voxelAt(const QPointF& widgetPos, bool clamp) const;
  QString title() const;

  ViewerModel* model_;
  SliceAxis axis_;
  QImage picture_;
  int renderedSlice_ = -1;  // slice index the picture shows (-1: none)
  int wheelRemainder_ = 0;  // high-resolution wheels send fractions of a 120-unit step
  bool windowDrag_ = false;
  QPoint dragStart_;
  WindowLevel dragStartWindowLevel_;
  LabelEditingModel* editing_ = nullptr;
  bool editStroke_ = false;             // the left button is down on a tool
  std::optional<QPoint> pointerPixel_;  // picture pixel under the mouse, for the brush outline
};

}  // namespace sfr::ui
