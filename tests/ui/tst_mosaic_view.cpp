// The stitched-grid (mosaic) view: the canvas against the volume's own voxels at the positions of
// sfr::StitchLayout (the engine Stitcher's rule), with the label and preview blends worked out
// here; crop placement (centred on the cursor, clamped to the volume); clicking a tile in the
// MosaicView moves the linked cursor; the window's View > Mosaic dock on the demo phantom.
// With SFR_MOSAIC_SCREENSHOT set, saves the window with the Mosaic dock raised there.
#include <QAction>
#include <QDockWidget>
#include <QFileInfo>
#include <QImage>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTest>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/base/stitch_layout.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/label_colors.h"
#include "sfr/ui/model/mosaic_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/window_level.h"
#include "sfr/ui/views/mosaic_view.h"
#include "sfr/ui/views/slice_view.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

// Values 0..250 that differ between neighbours along every axis, so a transposed or shifted
// tile cannot match by accident.
float valueAt(int i, int j, int k) {
  return static_cast<float>((i * 7 + j * 13 + k * 29) % 251);
}

ImageVolume syntheticImage(const Size3& size) {
  Geometry g;
  g.size = size;
  g.spacing = {0.8, 0.9, 1.5};
  ImageVolume image(g);
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) image.at(i, j, k) = valueAt(int(i), int(j), int(k));
  return image;
}

LabelVolume syntheticLabel(const ImageVolume& image, int period, std::uint8_t value) {
  LabelVolume label(image.geometry(), std::uint8_t{0});
  const Size3& s = image.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        if ((i + 2 * j + 3 * k) % period == 0) label.at(i, j, k) = value;
  return label;
}

// Grey is the voxel value itself: lower = -0.5, window 256 -> round((v + 0.5) / 256 * 255).
WindowLevel identityWindow() {
  WindowLevel wl;
  wl.window = 256.0;
  wl.level = 127.5;
  return wl;
}

int expectedGrey(float v) {
  return static_cast<int>(std::lround(std::clamp((v + 0.5) / 256.0, 0.0, 1.0) * 255.0));
}

int mix(int g, int c, double a) {
  return static_cast<int>(std::lround((1.0 - a) * g + a * c));
}

}  // namespace

// Screenshots for docs/: the same picture in at most 256 colours when the full-colour PNG is over
// 300 KB (the phantoms' noise compresses badly).
static bool shrinkPng(const QString& path) {
  QImage picture(path);
  if (picture.isNull()) return false;
  if (QFileInfo(path).size() <= 300 * 1024) return true;
  return picture.convertToFormat(QImage::Format_Indexed8, Qt::ThresholdDither | Qt::AvoidDither)
      .save(path);
}

class TestMosaicView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void presetsFollowTheCpuPreset() {
    const MosaicSettings la = MosaicSettings::cpuPreset(true);
    QCOMPARE(la.crop, (Size3{64, 64, 32}));
    QCOMPARE(la.canvas, 512);
    const MosaicSettings other = MosaicSettings::cpuPreset(false);
    QCOMPARE(other.crop, (Size3{48, 48, 32}));
    QCOMPARE(other.canvas, 384);
  }

  void cropIsCentredAndClamped() {
    const Size3 vol{100, 80, 40}, crop{64, 64, 32};
    QCOMPARE(mosaicCropOrigin(vol, crop, {50, 40, 20}), (VoxelIndex{18, 8, 4}));
    QCOMPARE(mosaicCropOrigin(vol, crop, {0, 0, 0}), (VoxelIndex{0, 0, 0}));
    QCOMPARE(mosaicCropOrigin(vol, crop, {99, 79, 39}), (VoxelIndex{36, 16, 8}));
    // A volume smaller than the crop along an axis starts the crop at 0 there.
    QCOMPARE(mosaicCropOrigin({30, 80, 10}, crop, {29, 70, 9}), (VoxelIndex{0, 16, 0}));
  }

  void canvasPixelsAreTheVoxelsAtTheLayoutsPositions_data() {
    QTest::addColumn<bool>("laLike");
    QTest::newRow("LA 64x64x32 on 512") << true;
    QTest::newRow("other 48x48x32 on 384") << false;
  }
  void canvasPixelsAreTheVoxelsAtTheLayoutsPositions() {
    QFETCH(bool, laLike);
    const MosaicSettings settings = MosaicSettings::cpuPreset(laLike);
    const ImageVolume image = syntheticImage({90, 75, 41});
    const LabelVolume label = syntheticLabel(image, 5, 1);
    const LabelVolume preview = syntheticLabel(image, 7, 2);
    const StitchLayout layout(settings.crop, StitchSettings().setCanvas(settings.canvas));
    const VoxelIndex origin = mosaicCropOrigin(image.size(), settings.crop, {45, 37, 20});

    MosaicLayers layers;
    layers.image = &image;
    layers.windowLevel = identityWindow();
    // Image only: every pixel the layout assigns is the grey of its voxel, every other pixel
    // (tile pads, empty slices) is black.
    QImage plain = renderMosaic(layout, 0, origin, layers);
    QCOMPARE(plain.size(), QSize(settings.canvas, settings.canvas));
    int checked = 0, padding = 0;
    for (int row = 0; row < settings.canvas; ++row)
      for (int col = 0; col < settings.canvas; ++col) {
        const QRgb p = plain.pixel(col, row);
        const auto v = layout.voxelAt(0, row, col);
        if (!v) {
          QCOMPARE(p, qRgb(0, 0, 0));
          ++padding;
          continue;
        }
        const int g =
            expectedGrey(valueAt(origin[0] + (*v)[0], origin[1] + (*v)[1], origin[2] + (*v)[2]));
        if (p != qRgb(g, g, g))
          QFAIL(qPrintable(QStringLiteral("pixel (%1, %2) = %3, voxel grey %4")
                               .arg(row)
                               .arg(col)
                               .arg(qRed(p))
                               .arg(g)));
        ++checked;
      }
    // Every crop voxel appears exactly once.
    QCOMPARE(checked, int(settings.crop[0] * settings.crop[1] * settings.crop[2]));
    QVERIFY(padding > 0);
    // And the other way round: voxel -> pixel of the layout.
    for (int z : {0, 7, 31})
      for (int y : {0, 11, int(settings.crop[1]) - 1})
        for (int x : {0, 23, int(settings.crop[0]) - 1}) {
          const auto px = layout.canvasPixel(0, x, y, z);
          QVERIFY(px);
          const int g = expectedGrey(valueAt(origin[0] + x, origin[1] + y, origin[2] + z));
          QCOMPARE(plain.pixel((*px)[1], (*px)[0]), qRgb(g, g, g));
        }

    // Label then preview, each blended with its opacity in the default colours.
    layers.label = &label;
    layers.labelOpacity = 0.5;
    layers.preview = &preview;
    layers.previewOpacity = 0.25;
    const QImage blended = renderMosaic(layout, 0, origin, layers);
    const QRgb red = labelColor(1), green = labelColor(2);
    int labelled = 0, previewed = 0;
    for (int z = 0; z < int(settings.crop[2]); ++z)
      for (int y = 0; y < int(settings.crop[1]); ++y)
        for (int x = 0; x < int(settings.crop[0]); ++x) {
          const auto px = layout.canvasPixel(0, x, y, z);
          QVERIFY(px);
          const std::size_t i = origin[0] + x, j = origin[1] + y, k = origin[2] + z;
          const int g = expectedGrey(image.at(i, j, k));
          int r = g, gr = g, b = g;
          if (label.at(i, j, k) == 1) {
            r = mix(r, qRed(red), 0.5), gr = mix(gr, qGreen(red), 0.5), b = mix(b, qBlue(red), 0.5);
            ++labelled;
          }
          if (preview.at(i, j, k) == 2) {
            r = mix(r, qRed(green), 0.25), gr = mix(gr, qGreen(green), 0.25);
            b = mix(b, qBlue(green), 0.25);
            ++previewed;
          }
          QCOMPARE(blended.pixel((*px)[1], (*px)[0]), qRgb(r, gr, b));
        }
    QVERIFY(labelled > 0 && previewed > 0);

    // A hidden label in the table is not drawn.
    LabelTable table;
    table.addEntry({2, QStringLiteral("two"), labelColor(2), false, false});
    layers.table = &table;
    layers.label = nullptr;
    const QImage hidden = renderMosaic(layout, 0, origin, layers);
    QCOMPARE(hidden, plain);

    // Mismatched grids are refused.
    const LabelVolume small(Geometry{}, std::uint8_t{0});
    layers.preview = &small;
    QVERIFY_THROWS_EXCEPTION(Error, renderMosaic(layout, 0, origin, layers));
  }

  void clickingATileMovesTheCursor() {
    ViewerModel viewer;
    viewer.setImage(syntheticImage({90, 75, 41}), QStringLiteral("synthetic"));
    viewer.setWindowLevel(identityWindow());
    viewer.setCursor({45, 37, 20});
    MosaicModel model(&viewer, nullptr, nullptr);
    QCOMPARE(model.settings().canvas, 512);
    QCOMPARE(model.origin(), mosaicCropOrigin(viewer.image().size(), {64, 64, 32}, {45, 37, 20}));
    const VoxelIndex origin = model.origin();
    // The canvas is exactly renderMosaic() of the model's layout and origin.
    MosaicLayers layers;
    layers.image = &viewer.image();
    layers.windowLevel = viewer.windowLevel();
    QCOMPARE(model.canvas(), renderMosaic(model.layout(), 0, origin, layers));

    MosaicView view(&model);
    view.resize(600, 640);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const StitchLayout& layout = model.layout();
    for (const auto& target : {std::array<int, 3>{5, 9, 3}, std::array<int, 3>{60, 2, 30},
                               std::array<int, 3>{33, 47, 17}}) {
      const auto px = layout.canvasPixel(0, target[0], target[1], target[2]);
      QVERIFY(px);
      const QPoint at = view.widgetPointOf((*px)[0], (*px)[1]);
      QCOMPARE(view.canvasPixelAt(at), std::optional<QPoint>(QPoint((*px)[1], (*px)[0])));
      QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, at);
      const VoxelIndex expected{origin[0] + target[0], origin[1] + target[1],
                                origin[2] + target[2]};
      QCOMPARE(viewer.cursor(), expected);
      // The crop stays where it was (the cursor is inside it) and marks the cursor's pixel.
      QCOMPARE(model.origin(), origin);
      QCOMPARE(model.cursorCanvasPixel(), px);
      const auto tile = model.cursorTile();
      QVERIFY(tile);
      QVERIFY((*px)[0] >= tile->row0 && (*px)[0] < tile->row0 + tile->rows);
      QVERIFY((*px)[1] >= tile->col0 && (*px)[1] < tile->col0 + tile->cols);
    }
    // Padding does not move the cursor.
    const VoxelIndex before = viewer.cursor();
    bool clickedPadding = false;
    for (int row = 0; row < 512 && !clickedPadding; ++row)
      if (!layout.voxelAt(0, row, 511)) {
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, view.widgetPointOf(row, 511));
        clickedPadding = true;
      }
    QVERIFY(clickedPadding);
    QCOMPARE(viewer.cursor(), before);
    // A cursor outside the crop recentres it.
    viewer.setCursor({89, 74, 40});
    QCOMPARE(model.origin(), (VoxelIndex{90 - 64, 75 - 64, 41 - 32}));
  }

  void windowHasAMosaicDockLinkedToTheSliceViews() {
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction* toggle = window.mosaicDock()->toggleViewAction();
    QCOMPARE(toggle->text(), QStringLiteral("Mosaic"));
    bool inViewMenu = false;
    for (QAction* menu : window.menuBar()->actions())
      if (menu->menu())
        for (QAction* a : menu->menu()->actions()) inViewMenu |= a == toggle;
    QVERIFY(inViewMenu);
    window.openDemo();
    window.mosaicDock()->raise();
    QTRY_VERIFY(window.mosaicView()->isVisible());
    MosaicModel* mosaic = window.mosaicModel();
    QCOMPARE(mosaic->settings().crop, (Size3{64, 64, 32}));  // no project: LA-like (phantom)
    QVERIFY(!mosaic->canvas().isNull());
    const VoxelIndex origin = mosaic->origin();
    const auto px = mosaic->layout().canvasPixel(0, 10, 20, 4);
    QVERIFY(px);
    QTest::mouseClick(window.mosaicView(), Qt::LeftButton, Qt::NoModifier,
                      window.mosaicView()->widgetPointOf((*px)[0], (*px)[1]));
    const VoxelIndex expected{origin[0] + 10, origin[1] + 20, origin[2] + 4};
    QCOMPARE(window.model()->cursor(), expected);

    const QString target = qEnvironmentVariable("SFR_MOSAIC_SCREENSHOT");
    if (!target.isEmpty()) {
      window.resizeDocks({window.mosaicDock()}, {620}, Qt::Horizontal);
      window.model()->setCursor({origin[0] + 32, origin[1] + 32, origin[2] + 16});
      QVERIFY(window.saveScreenshot(target));
      QVERIFY(shrinkPng(target));
    }
  }
};

QTEST_MAIN(TestMosaicView)
#include "tst_mosaic_view.moc"
