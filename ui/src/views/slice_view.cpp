#include "sfr/ui/views/slice_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <cmath>

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

void SliceView::rerender() {
  if (!model_->hasImage()) {
    picture_ = QImage();
    renderedSlice_ = -1;
  } else {
    const int slice = model_->sliceIndex(axis_);
    picture_ = renderSlice(model_->image(), model_->label(), axis_, slice,
                           SliceRenderSettings{}
                               .setWindowLevel(model_->windowLevel())
                               .setLabelOpacity(model_->labelOpacity()));
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

void SliceView::moveCursorTo(const QPointF& widgetPos) {
  const QRectF target = imageRect();
  if (target.isEmpty() || picture_.isNull()) return;
  const int x = static_cast<int>(
      std::floor((widgetPos.x() - target.left()) / target.width() * picture_.width()));
  const int y = static_cast<int>(
      std::floor((widgetPos.y() - target.top()) / target.height() * picture_.height()));
  model_->setCursorFromSlicePixel(axis_, x, y);
}

void SliceView::mousePressEvent(QMouseEvent* event) {
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
  event->accept();
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
    default:
      QWidget::keyPressEvent(event);
      return;
  }
  event->accept();
}

}  // namespace sfr::ui
