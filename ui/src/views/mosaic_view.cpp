#include "sfr/ui/views/mosaic_view.h"

#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "sfr/ui/model/mosaic_model.h"
#include "sfr/ui/model/viewer_model.h"

namespace sfr::ui {

MosaicView::MosaicView(MosaicModel* model, QWidget* parent) : QWidget(parent), model_(model) {
  setObjectName(QStringLiteral("mosaicView"));
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMouseTracking(false);
  setToolTip(
      tr("The crop around the cursor stitched the way SAM sees it; click a tile to go to "
         "that slice"));
  connect(model_, &MosaicModel::changed, this, qOverload<>(&QWidget::update));
}

int MosaicView::headerHeight() const {
  return fontMetrics().height() + 6;
}

QRectF MosaicView::canvasRect() const {
  const QImage& canvas = model_->canvas();
  if (canvas.isNull()) return {};
  const double top = headerHeight();
  const double availW = width(), availH = std::max(0.0, height() - top);
  const double side = std::min(availW, availH);
  if (side <= 0.0) return {};
  return {(availW - side) / 2.0, top + (availH - side) / 2.0, side, side};
}

std::optional<QPoint> MosaicView::canvasPixelAt(const QPoint& p) const {
  const QRectF r = canvasRect();
  if (r.isEmpty()) return std::nullopt;
  const int s = model_->canvas().width();
  const int col = static_cast<int>(std::floor((p.x() + 0.5 - r.left()) / r.width() * s));
  const int row = static_cast<int>(std::floor((p.y() + 0.5 - r.top()) / r.height() * s));
  if (row < 0 || col < 0 || row >= s || col >= s) return std::nullopt;
  return QPoint(col, row);
}

QPoint MosaicView::widgetPointOf(int row, int col) const {
  const QRectF r = canvasRect();
  const int s = std::max(1, model_->canvas().width());
  return QPoint(static_cast<int>(std::floor(r.left() + (col + 0.5) * r.width() / s)),
                static_cast<int>(std::floor(r.top() + (row + 0.5) * r.height() / s)));
}

void MosaicView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), Qt::black);
  const QImage& canvas = model_->canvas();
  painter.setPen(QColor(220, 220, 220));
  if (canvas.isNull()) {
    painter.drawText(rect(), Qt::AlignCenter, tr("No image"));
    return;
  }
  const auto& crop = model_->settings().crop;
  const auto& o = model_->origin();
  painter.drawText(QRect(4, 0, width() - 8, headerHeight()), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Crop %1 x %2 x %3 from voxel (%4, %5, %6), canvas %7 x %7")
                       .arg(crop[0])
                       .arg(crop[1])
                       .arg(crop[2])
                       .arg(o[0])
                       .arg(o[1])
                       .arg(o[2])
                       .arg(canvas.width()));
  const QRectF r = canvasRect();
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(r, canvas);
  painter.setPen(QPen(QColor(90, 90, 90), 1));
  painter.drawRect(r.adjusted(-1, -1, 0, 0));
  const double scale = r.width() / canvas.width();
  if (const auto tile = model_->cursorTile()) {
    painter.setPen(QPen(QColor(255, 220, 0), 1));
    painter.drawRect(QRectF(r.left() + tile->col0 * scale, r.top() + tile->row0 * scale,
                            tile->cols * scale, tile->rows * scale));
  }
  if (const auto pixel = model_->cursorCanvasPixel()) {
    const QPoint c = widgetPointOf((*pixel)[0], (*pixel)[1]);
    const int arm = std::max(4, static_cast<int>(scale * 3));
    painter.setPen(QPen(QColor(255, 220, 0), 1));
    painter.drawLine(c.x() - arm, c.y(), c.x() - 2, c.y());
    painter.drawLine(c.x() + 2, c.y(), c.x() + arm, c.y());
    painter.drawLine(c.x(), c.y() - arm, c.x(), c.y() - 2);
    painter.drawLine(c.x(), c.y() + 2, c.x(), c.y() + arm);
  }
}

void MosaicView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  if (const auto pixel = canvasPixelAt(event->position().toPoint()))
    model_->clickCanvasPixel(pixel->y(), pixel->x());
  event->accept();
}

}  // namespace sfr::ui
