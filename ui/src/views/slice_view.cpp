#include "sfr/ui/views/slice_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/label_overlay.h"
#include "sfr/ui/editing/sam_assist_model.h"
#include "sfr/ui/editing/views/edit_overlay_painter.h"
#include "sfr/ui/model/slice_renderer.h"
#include "sfr/ui/model/viewer_model.h"

namespace sfr::ui {

namespace {
const QColor kBackground(0, 0, 0);
const QColor kCrosshair(80, 170, 255, 200);
const QColor kTitle(230, 230, 230);
const QColor kOrientation(255, 220, 90);
constexpr int kMargin = 4;
}  // namespace

SliceView::SliceView(ViewerModel* model, SliceAxis axis, QWidget* parent)
    : QWidget(parent), model_(model), axis_(axis) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setAttribute(Qt::WA_OpaquePaintEvent);
  // The picture depends on the slice, the volumes and the display settings; the crosshair only
  // on the cursor, so cursor moves within the same slice just repaint.
  connect(model_, &ViewerModel::imageChanged, this, &SliceView::rerender);
  connect(model_, &ViewerModel::labelChanged, this, &SliceView::rerender);
  connect(model_, &ViewerModel::windowLevelChanged, this, &SliceView::rerender);
  connect(model_, &ViewerModel::labelOpacityChanged, this, &SliceView::rerender);
  connect(model_, &ViewerModel::cursorChanged, this, [this] {
    if (model_->hasImage() && model_->sliceIndex(axis_) != renderedSlice_)
      rerender();
    else
      update();
  });
  rerender();
}

void SliceView::setEditingModel(LabelEditingModel* editing) {
  editing_ = editing;
  setMouseTracking(true);  // the brush outline follows the pointer
  connect(editing_, &LabelEditingModel::labelEdited, this, &SliceView::rerender);
  connect(editing_->labelTable(), &LabelTable::entriesChanged, this, &SliceView::rerender);
  connect(editing_, &LabelEditingModel::pendingChanged, this, qOverload<>(&QWidget::update));
  connect(editing_, &LabelEditingModel::optionsChanged, this, qOverload<>(&QWidget::update));
  // SAM's prompt, rubber band and proposals are drawn over the slice.
  connect(editing_->samAssist(), &SamAssistModel::changed, this, qOverload<>(&QWidget::update));
  connect(editing_, &LabelEditingModel::activeEffectChanged, this, [this] {
    if (const LabelEditEffect* effect = editing_->activeEffect())
      setCursor(effect->cursorShape());
    else
      unsetCursor();
    update();
  });
  rerender();
}

void SliceView::rerender() {
  if (!model_->hasImage()) {
    picture_ = QImage();
    renderedSlice_ = -1;
  } else {
    const int slice = model_->sliceIndex(axis_);
    // With the editor attached, the label table decides colours and visibility.
    const LabelVolume* label = editing_ ? nullptr : model_->label();
    picture_ = renderSlice(model_->image(), label, axis_, slice,
                           SliceRenderSettings{}
                               .setWindowLevel(model_->windowLevel())
                               .setLabelOpacity(model_->labelOpacity()));
    if (editing_ && model_->label())
      blendLabelOverlay(picture_, *model_->label(), axis_, slice, model_->labelOpacity(),
                        *editing_->labelTable());
    renderedSlice_ = slice;
  }
  update();
}

QRectF SliceView::imageRect() const {
  if (!model_->hasImage()) return {};
  const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
  return fitRect(slicePlane(model_->image().geometry(), axis_).physicalSize(), area);
}

QString SliceView::title() const {
  switch (axis_) {
    case SliceAxis::Axial:
      return tr("Axial");
    case SliceAxis::Coronal:
      return tr("Coronal");
    case SliceAxis::Sagittal:
      return tr("Sagittal");
  }
  return {};
}

void SliceView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), kBackground);
  const QString name = title();
  if (picture_.isNull()) {
    painter.setPen(kTitle);
    painter.drawText(rect().adjusted(6, 4, -6, -4), Qt::AlignLeft | Qt::AlignTop, name);
    return;
  }
  const QRectF target = imageRect();
  // Nearest neighbour on purpose: every voxel stays a visible block, as in clinical viewers.
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(target, picture_);

  // Crosshair through the centre of the cursor voxel.
  const auto [px, py] = pixelOfVoxel(model_->image().geometry(), axis_, model_->cursor());
  const double sx = target.width() / picture_.width();
  const double sy = target.height() / picture_.height();
  const double cx = target.left() + (px + 0.5) * sx;
  const double cy = target.top() + (py + 0.5) * sy;
  painter.setRenderHint(QPainter::Antialiasing, false);
  painter.setPen(QPen(kCrosshair, 1));
  painter.drawLine(QPointF(target.left(), cy), QPointF(target.right(), cy));
  painter.drawLine(QPointF(cx, target.top()), QPointF(cx, target.bottom()));
  if (editing_)
    paintEditOverlay(painter, *editing_, model_->image().geometry(), axis_,
                     model_->sliceIndex(axis_), target, pointerPixel_);

  // Patient directions at the picture edges (left, right, top, bottom); pictures are always shown
  // the radiological way (slice_plane.h), so the letters depend on the view only.
  QString edges[4];
  switch (axis_) {
    case SliceAxis::Axial:
      edges[0] = tr("R"), edges[1] = tr("L"), edges[2] = tr("A"), edges[3] = tr("P");
      break;
    case SliceAxis::Coronal:
      edges[0] = tr("R"), edges[1] = tr("L"), edges[2] = tr("S"), edges[3] = tr("I");
      break;
    case SliceAxis::Sagittal:
      edges[0] = tr("A"), edges[1] = tr("P"), edges[2] = tr("S"), edges[3] = tr("I");
      break;
  }
  painter.setPen(kOrientation);
  const QRectF box = target.adjusted(3, 2, -3, -2);
  painter.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, edges[0]);
  painter.drawText(box, Qt::AlignRight | Qt::AlignVCenter, edges[1]);
  painter.drawText(box, Qt::AlignHCenter | Qt::AlignTop, edges[2]);
  painter.drawText(box, Qt::AlignHCenter | Qt::AlignBottom, edges[3]);

  painter.setPen(kTitle);
  const QString caption =
      tr("%1  %2 / %3").arg(name).arg(model_->sliceIndex(axis_) + 1).arg(model_->sliceCount(axis_));
  painter.drawText(rect().adjusted(6, 4, -6, -4), Qt::AlignLeft | Qt::AlignTop, caption);
}

std::optional<QPoint> SliceView::picturePixelAt(const QPointF& widgetPos, bool clamp) const {
  const QRectF target = imageRect();
  if (target.isEmpty() || picture_.isNull()) return std::nullopt;
  int x = static_cast<int>(
      std::floor((widgetPos.x() - target.left()) / target.width() * picture_.width()));
  int y = static_cast<int>(
      std::floor((widgetPos.y() - target.top()) / target.height() * picture_.height()));
  if (clamp) {
    x = std::clamp(x, 0, picture_.width() - 1);
    y = std::clamp(y, 0, picture_.height() - 1);
  }
  if (x < 0 || y < 0 || x >= picture_.width() || y >= picture_.height()) return std::nullopt;
  return QPoint(x, y);
}

std::optional<VoxelIndex> SliceView::voxelAt(const QPointF& widgetPos, bool clamp) const {
  const std::optional<QPoint> p = picturePixelAt(widgetPos, clamp);
  if (!p) return std::nullopt;
  return voxelAtPixel(model_->image().geometry(), axis_, model_->sliceIndex(axis_), p->x(), p->y());
}

void SliceView::moveCursorTo(const QPointF& widgetPos) {
  if (const std::optional<QPoint> p = picturePixelAt(widgetPos, false))
    model_->setCursorFromSlicePixel(axis_, p->x(), p->y());
}

void SliceView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton && editing_ && editing_->activeEffect()) {
    if (const std::optional<VoxelIndex> voxel = voxelAt(event->position(), false))
      editStroke_ = editing_->press(axis_, *voxel, event->modifiers());
    if (editStroke_) {
      event->accept();
      return;
    }
  }
  if (event->button() == Qt::LeftButton) {
    moveCursorTo(event->position());
  } else if (event->button() == Qt::RightButton) {
    windowDrag_ = true;
    dragStart_ = event->position().toPoint();
    dragStartWindowLevel_ = model_->windowLevel();
  }
  event->accept();
}

void SliceView::mouseMoveEvent(QMouseEvent* event) {
  if (editing_) {
    pointerPixel_ = picturePixelAt(event->position(), false);
    if (editing_->activeEffect() && editing_->activeEffect()->showsBrushOutline()) update();
  }
  if (editStroke_) {
    if (const std::optional<VoxelIndex> voxel = voxelAt(event->position(), true))
      editing_->move(axis_, *voxel, event->modifiers());
    event->accept();
    return;
  }
  if (event->buttons() & Qt::LeftButton) moveCursorTo(event->position());
  if (windowDrag_ && (event->buttons() & Qt::RightButton)) {
    const QPoint d = event->position().toPoint() - dragStart_;
    const IntensityStats& s = model_->intensityStats();
    model_->setWindowLevel(dragWindowLevel(dragStartWindowLevel_, d.x(), d.y(),
                                           static_cast<double>(s.maximum) - s.minimum));
  }
  event->accept();
}

void SliceView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::RightButton) windowDrag_ = false;
  if (event->button() == Qt::LeftButton && editStroke_) {
    editStroke_ = false;
    if (const std::optional<VoxelIndex> voxel = voxelAt(event->position(), true))
      editing_->release(axis_, *voxel, event->modifiers());
  }
  event->accept();
}

void SliceView::mouseDoubleClickEvent(QMouseEvent* event) {
  // A double click completes a pending polygon; for every other tool it is just another press.
  const LabelEditEffect* effect = editing_ ? editing_->activeEffect() : nullptr;
  if (event->button() == Qt::LeftButton && effect && !effect->pendingVertices().empty()) {
    editing_->finish();
    event->accept();
    return;
  }
  mousePressEvent(event);
}

void SliceView::leaveEvent(QEvent* event) {
  pointerPixel_.reset();
  update();
  QWidget::leaveEvent(event);
}

void SliceView::wheelEvent(QWheelEvent* event) {
  wheelRemainder_ += event->angleDelta().y();
  const int steps = wheelRemainder_ / 120;
  wheelRemainder_ -= steps * 120;
  if (steps != 0) model_->moveSlice(axis_, steps);
  event->accept();
}

void SliceView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_PageUp:
    case Qt::Key_Up:
      model_->moveSlice(axis_, 1);
      break;
    case Qt::Key_PageDown:
    case Qt::Key_Down:
      model_->moveSlice(axis_, -1);
      break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
      if (!editing_) {
        QWidget::keyPressEvent(event);
        return;
      }
      editing_->finish();
      break;
    default:
      QWidget::keyPressEvent(event);
      return;
  }
  event->accept();
}

}  // namespace sfr::ui
