#include "sfr/ui/editing/views/sam_overlay_painter.h"

#include <QImage>

#include "sfr/ui/editing/sam_assist_model.h"

namespace sfr::ui {

namespace {
const QColor kProposalFill(0, 230, 255, 90);
const QColor kProposalEdge(0, 230, 255, 255);
const QColor kBox(255, 200, 40);
const QColor kPositive(60, 220, 60);
const QColor kNegative(240, 60, 60);
}  // namespace

void paintSamOverlay(QPainter& painter, const SamAssistModel& sam, SliceAxis axis, int slice,
                     const QRectF& target, const QSize& pictureSize) {
  if (target.isEmpty() || pictureSize.isEmpty()) return;
  const double sx = target.width() / pictureSize.width();
  const double sy = target.height() / pictureSize.height();
  const auto toWidget = [&](const QRect& r) {
    return QRectF(target.left() + r.left() * sx, target.top() + r.top() * sy, r.width() * sx,
                  r.height() * sy);
  };
  painter.save();
  if (const SamMask* mask = sam.proposal(axis, slice);
      mask && mask->width == pictureSize.width() && mask->height == pictureSize.height()) {
    // Fill plus a one-pixel edge (inside pixels next to an outside one), scaled like the slice.
    QImage layer(mask->width, mask->height, QImage::Format_ARGB32_Premultiplied);
    layer.fill(Qt::transparent);
    for (int y = 0; y < mask->height; ++y)
      for (int x = 0; x < mask->width; ++x) {
        if (!mask->contains(x, y)) continue;
        const bool edge = !mask->contains(x - 1, y) || !mask->contains(x + 1, y) ||
                          !mask->contains(x, y - 1) || !mask->contains(x, y + 1);
        layer.setPixelColor(x, y, edge ? kProposalEdge : kProposalFill);
      }
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(target, layer);
  }
  painter.setRenderHint(QPainter::Antialiasing, true);
  painter.setBrush(Qt::NoBrush);
  const SamPrompt& prompt = sam.prompt();
  const bool onPromptSlice = prompt.axis == axis && prompt.slice == slice;
  if (onPromptSlice && prompt.box) {
    painter.setPen(QPen(kBox, 1.5));
    painter.drawRect(toWidget(*prompt.box));
  }
  if (sam.dragBox()) {
    painter.setPen(QPen(kBox, 1.0, Qt::DashLine));
    painter.drawRect(toWidget(*sam.dragBox()));
  }
  if (onPromptSlice)
    for (const SamPoint& p : prompt.points) {
      const QPointF c(target.left() + (p.pixel.x() + 0.5) * sx,
                      target.top() + (p.pixel.y() + 0.5) * sy);
      painter.setPen(QPen(Qt::black, 1.0));
      painter.setBrush(p.positive ? kPositive : kNegative);
      painter.drawEllipse(c, 4.0, 4.0);
    }
  painter.restore();
}

}  // namespace sfr::ui
