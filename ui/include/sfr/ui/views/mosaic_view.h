#pragma once
// The stitched-grid view (View > Mosaic): MosaicModel's canvas scaled to fit (nearest neighbour,
// square pixels), a marker on the cursor's voxel and a line saying which crop it is. A left click
// on a tile moves the linked cursor to that voxel (the model maps the pixel).
#include <QPoint>
#include <QRectF>
#include <QWidget>
#include <optional>

namespace sfr::ui {

class MosaicModel;

class MosaicView : public QWidget {
  Q_OBJECT

 public:
  explicit MosaicView(MosaicModel* model, QWidget* parent = nullptr);

  MosaicModel* model() const { return model_; }
  /// Where the canvas is drawn in widget coordinates (empty without a canvas).
  QRectF canvasRect() const;
  /// The canvas pixel (x = column, y = row) under widget point `p`, nullopt outside the canvas.
  std::optional<QPoint> canvasPixelAt(const QPoint& p) const;
  /// The widget point at the centre of canvas pixel (row, col).
  QPoint widgetPointOf(int row, int col) const;

  QSize sizeHint() const override { return {420, 440}; }
  QSize minimumSizeHint() const override { return {160, 180}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  int headerHeight() const;

  MosaicModel* model_;
};

}  // namespace sfr::ui
