// Unit tests of the studio's widget-free logic: expected values are worked out by hand from the
// documented conventions (radiological display, window/level formula, blend formula).
#include <vtkActor.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkPointData.h>
#include <vtkProperty.h>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <set>

#include "sfr/base/error.h"
#include "sfr/ui/model/dropped_files.h"
#include "sfr/ui/model/label_colors.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/slice_renderer.h"
#include "sfr/ui/model/studio_options.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/volume_files.h"
#include "sfr/ui/model/window_level.h"
#include "sfr/ui/views/vtk_scene.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

Geometry grid(Size3 size, Vec3 spacing = {1, 1, 1}, Mat3 direction = kIdentity3) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.direction = direction;
  return g;
}

// 3 x 2 x 2 image with v(i, j, k) = i + 10 j + 100 k.
ImageVolume rampImage() {
  ImageVolume image(grid({3, 2, 2}));
  for (int k = 0; k < 2; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 3; ++i) image.at(i, j, k) = static_cast<float>(i + 10 * j + 100 * k);
  return image;
}

QString dataDir() {
  return qEnvironmentVariable("SFR_DATA_DIR");
}

QString firstLaTestCase() {
  QFile list(dataDir() + QStringLiteral("/la/test.list"));
  if (!list.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(list.readLine()).trimmed();
}

}  // namespace

class UiModelTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void slicePlaneSizesFollowAxes() {
    const Geometry g = grid({4, 3, 2}, {0.5, 1.0, 2.0});
    const SlicePlane axial = slicePlane(g, SliceAxis::Axial);
    QCOMPARE(axial.width, 4);
    QCOMPARE(axial.height, 3);
    QCOMPARE(axial.pixelWidthMm, 0.5);
    QCOMPARE(axial.pixelHeightMm, 1.0);
    const SlicePlane coronal = slicePlane(g, SliceAxis::Coronal);
    QCOMPARE(coronal.width, 4);
    QCOMPARE(coronal.height, 2);
    QCOMPARE(coronal.physicalSize(), QSizeF(2.0, 4.0));
    const SlicePlane sagittal = slicePlane(g, SliceAxis::Sagittal);
    QCOMPARE(sagittal.width, 3);
    QCOMPARE(sagittal.height, 2);
    QCOMPARE(sagittal.physicalSize(), QSizeF(3.0, 4.0));
    QCOMPARE(fixedDimension(g, SliceAxis::Axial), 2);
    QCOMPARE(fixedDimension(g, SliceAxis::Coronal), 1);
    QCOMPARE(fixedDimension(g, SliceAxis::Sagittal), 0);
  }

  void voxelAtPixelIdentityDirection() {
    const Geometry g = grid({4, 3, 2});
    // Axial: x = i, y = j.
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Axial, 1, 1, 2), (VoxelIndex{1, 2, 1}));
    // Coronal: x = i, y = 0 is the top = the most superior slice k = nz - 1.
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Coronal, 2, 1, 0), (VoxelIndex{1, 2, 1}));
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Coronal, 2, 1, 1), (VoxelIndex{1, 2, 0}));
    // Sagittal: x = j (anterior on the left), y from superior down.
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Sagittal, 3, 2, 1), (VoxelIndex{3, 2, 0}));
    QVERIFY(!voxelAtPixel(g, SliceAxis::Axial, 0, 4, 0));
    QVERIFY(!voxelAtPixel(g, SliceAxis::Axial, 0, -1, 0));
    QVERIFY(!voxelAtPixel(g, SliceAxis::Axial, 2, 0, 0));  // slice out of range
  }

  void voxelAtPixelFlippedDirection() {
    // NIfTI twin of an LA case: RAS identity affine = LPS direction diag(-1, -1, 1). Index i
    // grows towards the patient's right, so the radiological picture runs i backwards.
    const Geometry g = grid({4, 3, 2}, {1, 1, 1}, {-1, 0, 0, 0, -1, 0, 0, 0, 1});
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Axial, 0, 0, 0), (VoxelIndex{3, 2, 0}));
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Axial, 0, 3, 2), (VoxelIndex{0, 0, 0}));
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Coronal, 1, 0, 0), (VoxelIndex{3, 1, 1}));
    // Sagittal x runs posterior = -j here.
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Sagittal, 0, 0, 1), (VoxelIndex{0, 2, 0}));
  }

  void voxelAtPixelPermutedDirection() {
    // Index i along patient z, j along x, k along y (row p, column d = cosine of index d on p).
    const Geometry g = grid({5, 4, 3}, {1, 2, 3}, {0, 1, 0, 0, 0, 1, 1, 0, 0});
    QCOMPARE(fixedDimension(g, SliceAxis::Axial), 0);
    QCOMPARE(fixedDimension(g, SliceAxis::Coronal), 2);
    QCOMPARE(fixedDimension(g, SliceAxis::Sagittal), 1);
    const SlicePlane axial = slicePlane(g, SliceAxis::Axial);
    QCOMPARE(axial.width, 4);   // j along x
    QCOMPARE(axial.height, 3);  // k along y
    QCOMPARE(axial.pixelWidthMm, 2.0);
    QCOMPARE(*voxelAtPixel(g, SliceAxis::Axial, 2, 1, 2), (VoxelIndex{2, 1, 2}));
  }

  void pixelOfVoxelInvertsVoxelAtPixel() {
    const Geometry geometries[] = {grid({4, 3, 2}),
                                   grid({4, 3, 2}, {1, 1, 1}, {-1, 0, 0, 0, -1, 0, 0, 0, 1}),
                                   grid({5, 4, 3}, {1, 2, 3}, {0, 1, 0, 0, 0, -1, 1, 0, 0})};
    for (const Geometry& g : geometries)
      for (SliceAxis axis : {SliceAxis::Axial, SliceAxis::Coronal, SliceAxis::Sagittal}) {
        const SlicePlane plane = slicePlane(g, axis);
        std::set<VoxelIndex> seen;
        for (int y = 0; y < plane.height; ++y)
          for (int x = 0; x < plane.width; ++x) {
            const auto v = voxelAtPixel(g, axis, 0, x, y);
            QVERIFY(v.has_value());
            QCOMPARE((*v)[fixedDimension(g, axis)], 0);
            const auto p = pixelOfVoxel(g, axis, *v);
            QCOMPARE(p[0], x);
            QCOMPARE(p[1], y);
            seen.insert(*v);
          }
        QCOMPARE(static_cast<int>(seen.size()), plane.width * plane.height);
      }
  }

  void fitRectLetterboxes() {
    QCOMPARE(fitRect({200, 100}, {0, 0, 400, 400}), QRectF(0, 100, 400, 200));
    QCOMPARE(fitRect({50, 100}, {10, 20, 400, 400}), QRectF(110, 20, 200, 400));
    QVERIFY(fitRect({0, 100}, {0, 0, 400, 400}).isEmpty());
  }

  void greyValueFollowsWindowLevel() {
    const WindowLevel wl{100.0, 50.0};  // shows [0, 100]
    QCOMPARE(wl.lower(), 0.0);
    QCOMPARE(wl.upper(), 100.0);
    QCOMPARE(int(greyValue(25.0f, wl)), 64);   // 63.75
    QCOMPARE(int(greyValue(50.0f, wl)), 128);  // 127.5 rounds away from zero
    QCOMPARE(int(greyValue(-5.0f, wl)), 0);
    QCOMPARE(int(greyValue(120.0f, wl)), 255);
    QCOMPARE(WindowLevel::fromRange(-1.0, 3.0), (WindowLevel{4.0, 1.0}));
    QCOMPARE(WindowLevel::fromRange(2.0, 2.0).window, 1.0);
  }

  void renderSliceExactPixels() {
    const ImageVolume image = rampImage();
    LabelVolume label(image.geometry(), 0);
    label.at(1, 0, 1) = 1;    // red
    label.at(2, 1, 1) = 2;    // green
    label.at(0, 1, 1) = 255;  // "ignore": never drawn
    const auto settings =
        SliceRenderSettings{}.setWindowLevel(WindowLevel{255.0, 127.5}).setLabelOpacity(0.5);

    // Window [0, 255]: grey equals the voxel value. Overlay channel = round(0.5 g + 0.5 c).
    const QImage axial = renderSlice(image, &label, SliceAxis::Axial, 1, settings);
    QCOMPARE(axial.size(), QSize(3, 2));
    QCOMPARE(axial.format(), QImage::Format_RGB32);
    QCOMPARE(axial.pixel(0, 0), qRgb(100, 100, 100));
    QCOMPARE(axial.pixel(1, 0), qRgb(178, 51, 51));    // v 101: 50.5 + 127.5, 50.5 -> 51
    QCOMPARE(axial.pixel(2, 1), qRgb(56, 184, 56));    // v 112: 56, 183.5 -> 184
    QCOMPARE(axial.pixel(0, 1), qRgb(110, 110, 110));  // label 255 not drawn

    const QImage coronal = renderSlice(image, &label, SliceAxis::Coronal, 0, settings);
    QCOMPARE(coronal.size(), QSize(3, 2));
    QCOMPARE(coronal.pixel(1, 0), qRgb(178, 51, 51));  // top row is k = 1
    QCOMPARE(coronal.pixel(1, 1), qRgb(1, 1, 1));      // (1, 0, 0)

    const QImage sagittal = renderSlice(image, &label, SliceAxis::Sagittal, 2, settings);
    QCOMPARE(sagittal.size(), QSize(2, 2));
    QCOMPARE(sagittal.pixel(1, 0), qRgb(56, 184, 56));  // (2, 1, 1)
    QCOMPARE(sagittal.pixel(0, 1), qRgb(2, 2, 2));      // (2, 0, 0)

    // Opacity 1 paints pure label colours, 0 hides the overlay, no label map = grey only.
    QCOMPARE(renderSlice(image, &label, SliceAxis::Axial, 1,
                         SliceRenderSettings(settings).setLabelOpacity(1.0))
                 .pixel(1, 0),
             qRgb(255, 0, 0));
    QCOMPARE(renderSlice(image, &label, SliceAxis::Axial, 1,
                         SliceRenderSettings(settings).setLabelOpacity(0.0))
                 .pixel(1, 0),
             qRgb(101, 101, 101));
    QCOMPARE(renderSlice(image, nullptr, SliceAxis::Axial, 1, settings).pixel(2, 1),
             qRgb(112, 112, 112));

    // A narrow window clamps: [0, 10] -> everything >= 10 is white.
    const QImage narrow = renderSlice(image, nullptr, SliceAxis::Axial, 0,
                                      SliceRenderSettings{}.setWindowLevel(WindowLevel{10.0, 5.0}));
    QCOMPARE(narrow.pixel(2, 0), qRgb(51, 51, 51));  // v 2: 2/10*255 = 51
    QCOMPARE(narrow.pixel(0, 1), qRgb(255, 255, 255));
  }

  void renderSliceHonoursDirection() {
    ImageVolume image = rampImage();
    image.geometry().direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    const QImage axial =
        renderSlice(image, nullptr, SliceAxis::Axial, 0,
                    SliceRenderSettings{}.setWindowLevel(WindowLevel{255.0, 127.5}));
    QCOMPARE(axial.pixel(0, 0), qRgb(12, 12, 12));  // voxel (2, 1, 0)
    QCOMPARE(axial.pixel(2, 1), qRgb(0, 0, 0));     // voxel (0, 0, 0)
  }

  void renderSliceRejectsBadInput() {
    const ImageVolume image = rampImage();
    QVERIFY_THROWS_EXCEPTION(Error, renderSlice(image, nullptr, SliceAxis::Axial, 2, {}));
    QVERIFY_THROWS_EXCEPTION(Error, renderSlice(image, nullptr, SliceAxis::Sagittal, -1, {}));
    const LabelVolume wrong(grid({3, 2, 3}));
    QVERIFY_THROWS_EXCEPTION(Error, renderSlice(image, &wrong, SliceAxis::Axial, 0, {}));
  }

  void intensityStatsPercentiles() {
    ImageVolume image(grid({10, 10, 10}));
    // Values 0..999 in a scrambled order (i * 7 mod 1000 is a permutation).
    for (std::size_t n = 0; n < 1000; ++n) image.voxels()[n] = static_cast<float>((n * 7) % 1000);
    IntensityStats s = intensityStats(image);
    QCOMPARE(s.minimum, 0.0f);
    QCOMPARE(s.maximum, 999.0f);
    QCOMPARE(s.p01, 10.0f);   // rank round(0.01 * 999) = 10
    QCOMPARE(s.p99, 989.0f);  // rank round(0.99 * 999) = 989
    const WindowLevel wl = autoWindowLevel(s);
    QCOMPARE(wl.window, 979.0);
    QCOMPARE(wl.level, 499.5);

    image.voxels()[0] = std::nanf("");  // non-finite voxels are ignored
    s = intensityStats(image);
    QCOMPARE(s.minimum, 1.0f);  // 0 was the NaN; 143 * 7 mod 1000 = 1

    const ImageVolume flat(grid({2, 2, 2}), 3.0f);
    QCOMPARE(autoWindowLevel(intensityStats(flat)), (WindowLevel{1.0, 3.0}));
  }

  void dragWindowLevelScalesWithRange() {
    const WindowLevel start{100.0, 50.0};
    QCOMPARE(dragWindowLevel(start, 40, -20, 400.0), (WindowLevel{140.0, 30.0}));
    QCOMPARE(dragWindowLevel(start, 0, 0, 400.0), start);
    // Never below 1/1000 of the range.
    QCOMPARE(dragWindowLevel(start, -10000, 0, 400.0).window, 0.4);
  }

  void labelColorsAreDistinct() {
    QCOMPARE(labelColor(1), qRgb(255, 0, 0));
    QCOMPARE(labelColor(2), qRgb(0, 255, 0));
    QCOMPARE(labelColor(3), qRgb(0, 0, 255));
    QVERIFY(!isDrawnLabel(0));
    QVERIFY(!isDrawnLabel(255));
    QVERIFY(isDrawnLabel(254));
    std::set<QRgb> colours;
    for (int l = 1; l <= 254; ++l) colours.insert(labelColor(static_cast<std::uint8_t>(l)));
    QVERIFY(colours.size() > 200);  // golden-ratio hues rarely collide
  }

  void droppedFilesAreClassified() {
    QVERIFY(looksLikeLabelFile(QStringLiteral("/d/case1_label.nii.gz")));
    QVERIFY(looksLikeLabelFile(QStringLiteral("/d/x_SEG.nrrd")));
    QVERIFY(looksLikeLabelFile(QStringLiteral("/msd/labelsTr/hippocampus_001.nii.gz")));
    QVERIFY(!looksLikeLabelFile(QStringLiteral("/msd/imagesTr/hippocampus_001.nii.gz")));
    QVERIFY(!looksLikeLabelFile(QStringLiteral("/la/ABC/mri_norm2.h5")));

    DroppedFiles d =
        classifyDroppedFiles({QStringLiteral("/d/case_label.nii.gz"),
                              QStringLiteral("/d/case.nii.gz"), QStringLiteral("/d/other.nii.gz")});
    QCOMPARE(d.image, QStringLiteral("/d/case.nii.gz"));
    QCOMPARE(d.label, QStringLiteral("/d/case_label.nii.gz"));
    d = classifyDroppedFiles({QStringLiteral("/d/mask.nrrd")});
    QVERIFY(d.image.isEmpty());
    QCOMPARE(d.label, QStringLiteral("/d/mask.nrrd"));
  }

  void spacingAndArgumentsParse() {
    QCOMPARE(*parseSpacing(QStringLiteral("0.625")), (Vec3{0.625, 0.625, 0.625}));
    QCOMPARE(*parseSpacing(QStringLiteral("1, 2,3.5")), (Vec3{1.0, 2.0, 3.5}));
    QVERIFY(!parseSpacing(QStringLiteral("1,2")));
    QVERIFY(!parseSpacing(QStringLiteral("1,0,1")));
    QVERIFY(!parseSpacing(QStringLiteral("a,b,c")));
    QVERIFY(!parseSpacing(QStringLiteral("inf")));

    const StudioOptions o = parseStudioArguments(
        {QStringLiteral("sfr-studio"), QStringLiteral("img.h5"), QStringLiteral("--label"),
         QStringLiteral("lab.nii.gz"), QStringLiteral("--spacing"), QStringLiteral("0.625,0.625,2"),
         QStringLiteral("--screenshot"), QStringLiteral("out.png")});
    QCOMPARE(o.image, QStringLiteral("img.h5"));
    QCOMPARE(o.label, QStringLiteral("lab.nii.gz"));
    QCOMPARE(*o.spacing, (Vec3{0.625, 0.625, 2.0}));
    QCOMPARE(o.screenshot, QStringLiteral("out.png"));
    QVERIFY(!o.demo);
    QVERIFY(parseStudioArguments({QStringLiteral("sfr-studio"), QStringLiteral("--demo")}).demo);
    QVERIFY(
        parseStudioArguments({QStringLiteral("sfr-studio"), QStringLiteral("--help")}).showHelp);

    const QStringList bad[] = {
        {QStringLiteral("sfr-studio"), QStringLiteral("--bogus")},
        {QStringLiteral("sfr-studio"), QStringLiteral("a.nii"), QStringLiteral("b.nii")},
        {QStringLiteral("sfr-studio"), QStringLiteral("a.nii"), QStringLiteral("--spacing"),
         QStringLiteral("1,2")},
        {QStringLiteral("sfr-studio"), QStringLiteral("--label"), QStringLiteral("l.nii")},
        {QStringLiteral("sfr-studio"), QStringLiteral("--demo"), QStringLiteral("a.nii")}};
    for (const QStringList& args : bad) {
      try {
        parseStudioArguments(args);
        QFAIL(qPrintable(QStringLiteral("accepted: ") + args.join(QLatin1Char(' '))));
      } catch (const Error& e) {
        QCOMPARE(QString::fromStdString(e.subject()), QStringLiteral("command line"));
      }
    }
  }

  void viewerModelCursorAndSignals() {
    ViewerModel model;
    QSignalSpy image(&model, &ViewerModel::imageChanged);
    QSignalSpy cursor(&model, &ViewerModel::cursorChanged);
    QSignalSpy wl(&model, &ViewerModel::windowLevelChanged);
    QCOMPARE(model.describeCursor(), QStringLiteral("No image loaded"));

    ImageVolume volume(grid({8, 6, 4}, {0.5, 0.5, 2.0}));
    for (std::size_t n = 0; n < volume.voxelCount(); ++n) volume.voxels()[n] = float(n);
    model.setImage(volume, QStringLiteral("ramp"));
    QCOMPARE(image.count(), 1);
    QCOMPARE(wl.count(), 1);
    QCOMPARE(model.cursor(), (VoxelIndex{4, 3, 2}));  // centre
    QCOMPARE(model.sliceIndex(SliceAxis::Axial), 2);
    QCOMPARE(model.sliceIndex(SliceAxis::Coronal), 3);
    QCOMPARE(model.sliceIndex(SliceAxis::Sagittal), 4);
    QCOMPARE(model.sliceCount(SliceAxis::Axial), 4);
    // Percentiles of 0..191: ranks round(1.91) = 2 and round(189.09) = 189.
    QCOMPARE(model.windowLevel(), WindowLevel::fromRange(2.0, 189.0));

    cursor.clear();
    model.setCursor({100, -5, 1});  // clamped
    QCOMPARE(model.cursor(), (VoxelIndex{7, 0, 1}));
    QCOMPARE(cursor.count(), 1);
    model.setCursor({7, 0, 1});  // unchanged: no signal
    QCOMPARE(cursor.count(), 1);
    model.moveSlice(SliceAxis::Axial, 10);
    QCOMPARE(model.sliceIndex(SliceAxis::Axial), 3);
    model.moveSlice(SliceAxis::Axial, -1);
    QCOMPARE(model.sliceIndex(SliceAxis::Axial), 2);

    // Clicking pixel (x, y) of the coronal view keeps j and sets i = x, k = nz - 1 - y.
    model.setCursorFromSlicePixel(SliceAxis::Coronal, 5, 0);
    QCOMPARE(model.cursor(), (VoxelIndex{5, 0, 3}));
    model.setCursorFromSlicePixel(SliceAxis::Coronal, 50, 0);  // outside: ignored
    QCOMPARE(model.cursor(), (VoxelIndex{5, 0, 3}));

    const CursorReadout r = model.cursorReadout();
    QCOMPARE(r.intensity, float(5 + 8 * (0 + 6 * 3)));
    QCOMPARE(r.position[2], 6.0);  // 3 * 2 mm
    QCOMPARE(r.label, -1);

    LabelVolume label(volume.geometry(), 0);
    label.at(5, 0, 3) = 2;
    QSignalSpy labelSpy(&model, &ViewerModel::labelChanged);
    model.setLabel(label, QStringLiteral("seg"));
    QCOMPARE(labelSpy.count(), 1);
    QCOMPARE(model.cursorReadout().label, 2);
    QVERIFY(model.describeCursor().contains(QStringLiteral("Label 2")));
    QVERIFY(model.describeCursor().contains(QStringLiteral("Voxel (5, 0, 3)")));
    QVERIFY_THROWS_EXCEPTION(Error, model.setLabel(LabelVolume(grid({8, 6, 5})), "bad"));
    QVERIFY(model.hasLabel());

    // A new image on another grid drops the label map that no longer fits.
    model.setImage(ImageVolume(grid({3, 3, 3})), QStringLiteral("small"));
    QVERIFY(!model.hasLabel());
    QCOMPARE(labelSpy.count(), 2);

    model.setLabelOpacity(3.0);
    QCOMPARE(model.labelOpacity(), 1.0);
    QSignalSpy vr(&model, &ViewerModel::volumeRenderingChanged);
    model.setVolumeRenderingEnabled(true);
    model.setVolumeRenderingEnabled(true);
    QCOMPARE(vr.count(), 1);

    ViewerModel empty;
    QVERIFY_THROWS_EXCEPTION(Error, empty.setLabel(label, QStringLiteral("seg")));
  }

  void vtkImagesCopyVoxels() {
    ImageVolume image = rampImage();
    image.geometry().spacing = {0.5, 1.0, 2.0};
    const auto vtk = toVtkImage(image);
    int dims[3];
    vtk->GetDimensions(dims);
    QCOMPARE(dims[0], 3);
    QCOMPARE(dims[1], 2);
    QCOMPARE(dims[2], 2);
    QCOMPARE(vtk->GetSpacing()[2], 2.0);
    QCOMPARE(vtk->GetScalarComponentAsDouble(2, 1, 1, 0), 112.0);

    Geometry g = grid({2, 2, 2}, {1, 1, 1}, {-1, 0, 0, 0, -1, 0, 0, 0, 1});
    g.origin = {5, 6, 7};
    const auto m = scaledIndexToPhysical(g);
    const double in[4] = {1.0, 2.0, 3.0, 1.0};
    double out[4];
    m->MultiplyPoint(in, out);
    QCOMPARE(out[0], 4.0);
    QCOMPARE(out[1], 4.0);
    QCOMPARE(out[2], 10.0);
  }

  void labelSurfacesOnePerLabel() {
    // A ball of label 1 and a box of label 3 in a 24^3 volume, 0.5 mm voxels.
    LabelVolume label(grid({24, 24, 24}, {0.5, 0.5, 0.5}), 0);
    for (int k = 0; k < 24; ++k)
      for (int j = 0; j < 24; ++j)
        for (int i = 0; i < 24; ++i) {
          const double r2 = (i - 8) * (i - 8) + (j - 8) * (j - 8) + (k - 8) * (k - 8);
          if (r2 <= 25.0) label.at(i, j, k) = 1;
          if (i >= 15 && i <= 20 && j >= 15 && j <= 20 && k >= 15 && k <= 20) label.at(i, j, k) = 3;
        }
    const auto actors = buildLabelSurfaces(label);
    QCOMPARE(static_cast<int>(actors.size()), 2);
    double colour[3];
    actors[0]->GetProperty()->GetColor(colour);
    QCOMPARE(colour[0], 1.0);
    QCOMPARE(colour[1], 0.0);
    actors[1]->GetProperty()->GetColor(colour);
    QCOMPARE(colour[2], 1.0);
    // The ball (centre 4 mm, radius 2.5 mm) stays inside its voxel bounds after smoothing.
    double b[6];
    actors[0]->GetBounds(b);
    QVERIFY(b[1] > b[0]);
    QVERIFY(b[0] > 4.0 - 3.1 && b[1] < 4.0 + 3.1);
    QVERIFY(b[4] > 4.0 - 3.1 && b[5] < 4.0 + 3.1);
    QVERIFY(buildLabelSurfaces(LabelVolume(grid({4, 4, 4}), 0)).empty());
  }

  void volumeFilesReadLaCase() {
    const QString id = firstLaTestCase();
    QVERIFY2(!id.isEmpty(), "SFR_DATA_DIR/la/test.list is missing");
    const QString path = dataDir() + QStringLiteral("/la/") + id + QStringLiteral("/mri_norm2.h5");
    const OpenedImage opened = openImageFile(path, Vec3{0.625, 0.625, 0.625});
    QCOMPARE(opened.name, QStringLiteral("mri_norm2.h5"));
    QCOMPARE(opened.image.nz(), std::size_t(88));
    QCOMPARE(opened.image.geometry().spacing[0], 0.625);
    QVERIFY(opened.label.has_value());
    QVERIFY(opened.labelProblem.isEmpty());
    QVERIFY(opened.label->geometry().sameGrid(opened.image.geometry()));
    std::size_t foreground = 0;
    for (auto v : opened.label->voxels()) foreground += v == 1;
    QVERIFY(foreground > opened.label->voxelCount() / 100);  // 3.6..10.3 % per the data README

    try {
      openImageFile(QStringLiteral("/nonexistent/volume.nii.gz"));
      QFAIL("a missing file was accepted");
    } catch (const Error& e) {
      QCOMPARE(QString::fromStdString(e.subject()), QStringLiteral("/nonexistent/volume.nii.gz"));
    }
  }

  void demoCaseHasImageAndLabel() {
    const OpenedImage demo = openDemoCase();
    QCOMPARE(demo.name, QStringLiteral("phantom_000"));
    QVERIFY(!demo.image.empty());
    QVERIFY(demo.label.has_value());
    QVERIFY(demo.label->geometry().sameGrid(demo.image.geometry()));
  }
};

QTEST_GUILESS_MAIN(UiModelTest)
#include "tst_ui_model.moc"
