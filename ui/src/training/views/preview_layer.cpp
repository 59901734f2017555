#include "sfr/ui/training/views/preview_layer.h"

#include <QEvent>
#include <QPainter>
#include <algorithm>
#include <array>
#include <cmath>

#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/views/slice_view.h"

namespace sfr::ui {

QImage renderPreviewSlice(const LivePreviewModel& preview, const LabelTable& table, SliceAxis axis,
                          int slice) {
  const LabelVolume* labels = preview.preview();
  if (!labels) return {};
  const Geometry& g = labels->geometry();
  const SlicePlane plane = slicePlane(g, axis);
  const int w = plane.width, h = plane.height;
  QImage picture(w, h, QImage::Format_ARGB32);
  picture.fill(Qt::transparent);
  const SliceMapping m = sliceMapping(g, axis);
  if (slice < 0 || slice >= static_cast<int>(g.size[m.fixedDim])) return picture;
  // Linear voxel index of pixel (x, y) = fixed + cols[x] + rows[y]: the mapping is computed
  // once per picture, as renderSlice() does (per pixel it cost more than the drawing).
  const std::size_t stride[3] = {1, g.size[0], g.size[0] * g.size[1]};
  const std::size_t fixed = static_cast<std::size_t>(slice) * stride[m.fixedDim];
  std::vector<std::size_t> cols(static_cast<std::size_t>(w)), rows(static_cast<std::size_t>(h));
  for (int x = 0; x < w; ++x)
    cols[x] =
        static_cast<std::size_t>(m.horizontal.reversed ? w - 1 - x : x) * stride[m.horizontal.dim];
  for (int y = 0; y < h; ++y)
    rows[y] =
        static_cast<std::size_t>(m.vertical.reversed ? h - 1 - y : y) * stride[m.vertical.dim];
  const double opacity = preview.opacity();
  if (preview.showConfidence() && preview.confidence()) {
    const auto& c = preview.confidence()->voxels();
    const double alphaScale = 255.0 * std::max(opacity, 0.3);
    for (int y = 0; y < h; ++y) {
      auto* row = reinterpret_cast<QRgb*>(picture.scanLine(y));
      const std::size_t rowBase = fixed + rows[y];
      for (int x = 0; x < w; ++x) {
        const double u = std::clamp(2.0 * (1.0 - c[rowBase + cols[x]]), 0.0, 1.0);
        const int a = static_cast<int>(std::lround(u * alphaScale));
        if (a > 0) row[x] = qRgba(255, 120, 0, a);
      }
    }
    return picture;
  }
  const auto& v = labels->voxels();
  const auto at = [&](int x, int y) -> int {
    if (x < 0 || y < 0 || x >= w || y >= h) return -1;
    return v[fixed + rows[y] + cols[x]];
  };
  const int fill = static_cast<int>(std::lround(opacity * 255.0));
  std::array<QRgb, 256> colours{};  // the table's colours, looked up once per picture
  for (int l = 1; l < 255; ++l) colours[l] = table.color(static_cast<std::uint8_t>(l));
  for (int y = 0; y < h; ++y) {
    auto* row = reinterpret_cast<QRgb*>(picture.scanLine(y));
    for (int x = 0; x < w; ++x) {
      const int l = at(x, y);
      if (l <= 0 || l == 255) continue;
      const bool edge =
          at(x - 1, y) != l || at(x + 1, y) != l || at(x, y - 1) != l || at(x, y + 1) != l;
      const QRgb c = colours[l];
      row[x] = qRgba(qRed(c), qGreen(c), qBlue(c), edge ? 255 : fill);
    }
  }
  return picture;
}

PreviewLayer::PreviewLayer(SliceView* view, ViewerModel* viewer, LivePreviewModel* preview,
                           const LabelTable* table)
    : QWidget(view), view_(view), viewer_(viewer), preview_(preview), table_(table) {
  setObjectName(QStringLiteral("previewLayer"));
  setAttribute(Qt::WA_TransparentForMouseEvents);
  setAttribute(Qt::WA_NoSystemBackground);
  setFocusPolicy(Qt::NoFocus);
  setGeometry(view_->rect());
  view_->installEventFilter(this);
  connect(preview_, &LivePreviewModel::previewChanged, this, &PreviewLayer::rebuild);
  connect(preview_, &LivePreviewModel::displayChanged, this, &PreviewLayer::rebuild);
  connect(viewer_, &ViewerModel::cursorChanged, this, [this] {
    if (viewer_->hasImage() && viewer_->sliceIndex(view_->axis()) != slice_) rebuild();
  });
  connect(viewer_, &ViewerModel::imageChanged, this, &PreviewLayer::rebuild);
  rebuild();
  show();
}

void PreviewLayer::rebuild() {
  slice_ = viewer_->hasImage() ? viewer_->sliceIndex(view_->axis()) : -1;
  picture_ = (slice_ >= 0 && preview_->hasPreview())
                 ? renderPreviewSlice(*preview_, *table_, view_->axis(), slice_)
                 : QImage();
  update();
}

bool PreviewLayer::eventFilter(QObject* watched, QEvent* event) {
  if (watched == view_ && event->type() == QEvent::Resize) setGeometry(view_->rect());
  return QWidget::eventFilter(watched, event);
}

void PreviewLayer::paintEvent(QPaintEvent*) {
  if (picture_.isNull()) return;
  QPainter painter(this);
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(view_->imageRect(), picture_);
}

}  // namespace sfr::ui
