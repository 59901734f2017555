// The studio window end to end on a real left-atrium case (read through sfr_io), under Xvfb.
#include <vtkCamera.h>
#include <vtkRenderer.h>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>

#include "sfr/ui/main_window.h"
#include "sfr/ui/model/label_colors.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/views/slice_view.h"
#include "sfr/ui/views/vtk_view3d.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

QString dataDir() {
  return qEnvironmentVariable("SFR_DATA_DIR");
}

QString firstLaTestCase() {
  QFile list(dataDir() + QStringLiteral("/la/test.list"));
  if (!list.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(list.readLine()).trimmed();
}

// Pixels that differ from `background` by more than a few grey levels in any channel.
int countNonBackground(const QImage& image, QColor background) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      if (std::abs(qRed(p) - background.red()) > 3 ||
          std::abs(qGreen(p) - background.green()) > 3 ||
          std::abs(qBlue(p) - background.blue()) > 3)
        ++n;
    }
  return n;
}

// Shaded pixels of a red (label 1) surface: red clearly dominates green and blue.
int countReddish(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      if (qRed(p) > 60 && qRed(p) > 2 * qGreen(p) + 20 && qRed(p) > 2 * qBlue(p) + 20) ++n;
    }
  return n;
}

// Slice pixels that carry the label-1 overlay at opacity 0.5: r = round(g/2 + 127.5), g = b =
// round(g/2), so r - g is 127 or 128 and green equals blue. Grey pixels have r == g.
int countOverlay(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      const int d = qRed(p) - qGreen(p);
      if ((d == 127 || d == 128) && qGreen(p) == qBlue(p)) ++n;
    }
  return n;
}

// Watches for modal message boxes while `action` runs, records their text and closes them.
QStringList closeDialogsDuring(const std::function<void()>& action) {
  QStringList texts;
  QTimer timer;
  timer.setInterval(50);
  QObject::connect(&timer, &QTimer::timeout, [&texts] {
    if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
      texts << box->text() + QLatin1Char('\n') + box->informativeText();
      box->done(QMessageBox::Ok);
    }
  });
  timer.start();
  action();
  timer.stop();
  return texts;
}

// Centre of picture pixel (x, y) of `view` in widget coordinates.
QPoint widgetPointOfPixel(const SliceView* view, int x, int y) {
  const QRectF r = view->imageRect();
  const QImage& picture = view->slicePicture();
  return QPointF(r.left() + (x + 0.5) * r.width() / picture.width(),
                 r.top() + (y + 0.5) * r.height() / picture.height())
      .toPoint();
}

}  // namespace

class StudioWindowTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    caseId_ = firstLaTestCase();
    QVERIFY2(!caseId_.isEmpty(), "SFR_DATA_DIR/la/test.list is missing");
    laPath_ = dataDir() + QStringLiteral("/la/") + caseId_ + QStringLiteral("/mri_norm2.h5");
    window_ = std::make_unique<MainWindow>();
    window_->setSpacingOverride(Vec3{0.625, 0.625, 0.625});
    window_->resize(1000, 800);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    bool ok = false;
    const QStringList dialogs = closeDialogsDuring([&] { ok = window_->openImageFile(laPath_); });
    QVERIFY2(ok && dialogs.isEmpty(), qPrintable(dialogs.join(QLatin1Char('\n'))));
    QVERIFY(window_->model()->hasImage());
    QVERIFY(window_->model()->hasLabel());
    QTRY_VERIFY_WITH_TIMEOUT(window_->view3D()->renderedFrames() > 0, 20000);
  }

  void loadsLaCaseWithGeometry() {
    const ViewerModel* model = window_->model();
    QCOMPARE(model->image().nz(), std::size_t(88));
    QCOMPARE(model->image().geometry().spacing[2], 0.625);
    QVERIFY(window_->windowTitle().contains(QStringLiteral("mri_norm2.h5")));
    // Window/level starts at the 1st..99th percentile: inside the intensity range, not all of it.
    const IntensityStats& s = model->intensityStats();
    QVERIFY(model->windowLevel().lower() >= s.minimum);
    QVERIFY(model->windowLevel().upper() <= s.maximum);
    QVERIFY(model->windowLevel().window < double(s.maximum) - s.minimum);
  }

  void view3DShowsLabelSurface() {
    VtkView3D* view = window_->view3D();
    QCOMPARE(view->surfaceCount(), 1);  // LA labels are {0, 1}
    const QImage frame = view->grabFramebuffer();
    QVERIFY(!frame.isNull());
    const int total = frame.width() * frame.height();
    const int content = countNonBackground(frame, view->backgroundColor());
    const int red = countReddish(frame);
    qInfo("3D view %dx%d: %d non-background, %d label-coloured pixels", frame.width(),
          frame.height(), content, red);
    QVERIFY(content > total / 50);
    QVERIFY(red > total / 100);
  }

  void sliceViewsShowOverlay() {
    ViewerModel* model = window_->model();
    // Put the cursor on a label voxel near the label's centre of mass.
    const LabelVolume& label = *model->label();
    double si = 0, sj = 0, sk = 0;
    std::size_t count = 0;
    for (std::size_t k = 0; k < label.nz(); ++k)
      for (std::size_t j = 0; j < label.ny(); ++j)
        for (std::size_t i = 0; i < label.nx(); ++i)
          if (label.at(i, j, k) == 1) si += i, sj += j, sk += k, ++count;
    QVERIFY(count > 0);
    const VoxelIndex centre{int(si / count), int(sj / count), int(sk / count)};
    model->setCursor(centre);
    QCOMPARE(model->cursor(), centre);

    for (SliceAxis axis : {SliceAxis::Axial, SliceAxis::Coronal, SliceAxis::Sagittal}) {
      SliceView* view = window_->sliceView(axis);
      // Label voxels in the slice the view shows, counted straight from the volume.
      const int fixed = fixedDimension(label.geometry(), axis);
      int expected = 0;
      for (std::size_t k = 0; k < label.nz(); ++k)
        for (std::size_t j = 0; j < label.ny(); ++j)
          for (std::size_t i = 0; i < label.nx(); ++i) {
            const std::size_t idx[3] = {i, j, k};
            if (int(idx[fixed]) == model->sliceIndex(axis) && label.at(i, j, k) == 1) ++expected;
          }
      QVERIFY(expected > 0);
      QCOMPARE(countOverlay(view->slicePicture()), expected);
      // And on screen: the overlay is drawn, scaled up, in the widget.
      const QImage shown = view->grab().toImage();
      QVERIFY2(countOverlay(shown) >= expected, qPrintable(QString::number(countOverlay(shown))));
    }
  }

  void opacitySliderChangesOverlay() {
    ViewerModel* model = window_->model();
    SliceView* axial = window_->sliceView(SliceAxis::Axial);
    const int before = countOverlay(axial->slicePicture());
    QVERIFY(before > 0);
    QSlider* slider = window_->labelOpacitySlider();
    QCOMPARE(slider->value(), 50);
    slider->setValue(100);  // opaque: label pixels become pure red
    QCOMPARE(model->labelOpacity(), 1.0);
    int pureRed = 0;
    const QImage& opaque = axial->slicePicture();
    for (int y = 0; y < opaque.height(); ++y)
      for (int x = 0; x < opaque.width(); ++x) pureRed += opaque.pixel(x, y) == qRgb(255, 0, 0);
    QCOMPARE(pureRed, before);
    slider->setValue(0);  // hidden
    QCOMPARE(countOverlay(axial->slicePicture()), 0);
    model->setLabelOpacity(0.5);  // the slider follows the model
    QCOMPARE(slider->value(), 50);
    QCOMPARE(countOverlay(axial->slicePicture()), before);
  }

  void sliceViewsKeepPhysicalAspect() {
    // 0.625 mm isotropic: the drawn rectangle has the physical aspect of the slice.
    const ViewerModel* model = window_->model();
    const SliceView* coronal = window_->sliceView(SliceAxis::Coronal);
    const QRectF r = coronal->imageRect();
    const double expected = double(model->image().nx()) / double(model->image().nz());
    QVERIFY(std::abs(r.width() / r.height() - expected) < 0.01);
    QVERIFY(r.width() <= coronal->width() && r.height() <= coronal->height());
  }

  void clickInAxialMovesLinkedCursor() {
    ViewerModel* model = window_->model();
    SliceView* axial = window_->sliceView(SliceAxis::Axial);
    SliceView* coronal = window_->sliceView(SliceAxis::Coronal);
    const Geometry& g = model->image().geometry();
    const int k = model->sliceIndex(SliceAxis::Axial);
    const QImage coronalBefore = coronal->slicePicture();
    // Picture pixel (30, 40) of the axial view. The HDF5 geometry has direction diag(-1, -1, 1)
    // (sfr_io: like its NIfTI twin), so the radiological picture runs i and j backwards.
    const int px = 30, py = 40;
    const bool flipI = g.direction[0] < 0, flipJ = g.direction[4] < 0;
    const int ei = flipI ? int(g.size[0]) - 1 - px : px;
    const int ej = flipJ ? int(g.size[1]) - 1 - py : py;
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, widgetPointOfPixel(axial, px, py));
    QCOMPARE(model->cursor(), (VoxelIndex{ei, ej, k}));
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), k);
    QCOMPARE(model->sliceIndex(SliceAxis::Coronal), ej);
    QCOMPARE(model->sliceIndex(SliceAxis::Sagittal), ei);
    QVERIFY(coronal->slicePicture() != coronalBefore);  // coronal view followed the cursor
    QVERIFY(window_->cursorStatusText().contains(
        QStringLiteral("Voxel (%1, %2, %3)").arg(ei).arg(ej).arg(k)));
    QVERIFY(window_->cursorStatusText().contains(QStringLiteral("Label")));
    QVERIFY(window_->cursorStatusText().contains(QStringLiteral("mm")));

    // Dragging in the sagittal view moves j and k but keeps i.
    SliceView* sagittal = window_->sliceView(SliceAxis::Sagittal);
    const QPoint a = widgetPointOfPixel(sagittal, 10, 10), b = widgetPointOfPixel(sagittal, 20, 30);
    QTest::mousePress(sagittal, Qt::LeftButton, Qt::NoModifier, a);
    QMouseEvent move(QEvent::MouseMove, b, sagittal->mapToGlobal(b), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(sagittal, &move);
    QTest::mouseRelease(sagittal, Qt::LeftButton, Qt::NoModifier, b);
    QCOMPARE(model->sliceIndex(SliceAxis::Sagittal), ei);
    QCOMPARE(model->cursor()[2], int(g.size[2]) - 1 - 30);  // superior at the top
  }

  void wheelAndKeysScrollSlices() {
    ViewerModel* model = window_->model();
    SliceView* axial = window_->sliceView(SliceAxis::Axial);
    model->setSliceIndex(SliceAxis::Axial, 40);
    const QPoint centre = axial->rect().center();
    QWheelEvent up(centre, axial->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                   Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(axial, &up);
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), 41);
    QWheelEvent down(centre, axial->mapToGlobal(centre), QPoint(), QPoint(0, -360), Qt::NoButton,
                     Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(axial, &down);
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), 38);
    QTest::keyClick(axial, Qt::Key_PageUp);
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), 39);
    QTest::keyClick(axial, Qt::Key_PageDown);
    QTest::keyClick(axial, Qt::Key_PageDown);
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), 37);
    // Scrolling stops at the last slice.
    for (int n = 0; n < 100; ++n) QTest::keyClick(axial, Qt::Key_PageUp);
    QCOMPARE(model->sliceIndex(SliceAxis::Axial), 87);
    QVERIFY(axial->grab().toImage().width() > 0);
  }

  void rightDragChangesWindowLevel() {
    ViewerModel* model = window_->model();
    SliceView* coronal = window_->sliceView(SliceAxis::Coronal);
    const WindowLevel before = model->windowLevel();
    const QImage pictureBefore = coronal->slicePicture();
    QSignalSpy spy(model, &ViewerModel::windowLevelChanged);
    const QPoint start = coronal->rect().center();
    const QPoint end = start + QPoint(40, -20);
    QTest::mousePress(coronal, Qt::RightButton, Qt::NoModifier, start);
    QMouseEvent move(QEvent::MouseMove, end, coronal->mapToGlobal(end), Qt::NoButton,
                     Qt::RightButton, Qt::NoModifier);
    QApplication::sendEvent(coronal, &move);
    QTest::mouseRelease(coronal, Qt::RightButton, Qt::NoModifier, end);
    QVERIFY(spy.count() >= 1);
    const WindowLevel after = model->windowLevel();
    QVERIFY(after.window > before.window);  // dragged right: wider
    QVERIFY(after.level < before.level);    // dragged up: lower level, brighter
    QVERIFY(coronal->slicePicture() != pictureBefore);
    model->resetWindowLevel();
    QCOMPARE(model->windowLevel(), before);
  }

  void mouseRotatesAndZooms3D() {
    VtkView3D* view = window_->view3D();
    vtkCamera* camera = view->renderer()->GetActiveCamera();
    double before[3], after[3];
    camera->GetPosition(before);
    const double distanceBefore = camera->GetDistance();
    // Left drag: trackball rotation about the focal point (distance kept).
    const QPoint a = view->rect().center(), b = a + QPoint(60, 25);
    QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, a);
    QMouseEvent move(QEvent::MouseMove, b, view->mapToGlobal(b), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(view, &move);
    QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, b);
    camera->GetPosition(after);
    QVERIFY(std::abs(after[0] - before[0]) + std::abs(after[1] - before[1]) +
                std::abs(after[2] - before[2]) >
            1.0);
    QVERIFY(std::abs(camera->GetDistance() - distanceBefore) < 1e-6 * distanceBefore);
    // Wheel forward: dolly towards the focal point.
    QWheelEvent wheel(a, view->mapToGlobal(a), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view, &wheel);
    QVERIFY(camera->GetDistance() < distanceBefore);
    // The interaction asked for a repaint, which renders a new frame.
    const int frames = view->renderedFrames();
    QTRY_VERIFY_WITH_TIMEOUT(view->renderedFrames() > frames, 10000);
    view->resetCamera();
    QVERIFY(std::abs(camera->GetDistance() - distanceBefore) < 1e-6 * distanceBefore);
  }

  void volumeRenderingToggle() {
    VtkView3D* view = window_->view3D();
    QAction* action = window_->volumeRenderingAction();
    QVERIFY(!view->showsVolume());
    const int framesBefore = view->renderedFrames();
    action->trigger();
    QVERIFY(window_->model()->volumeRenderingEnabled());
    QVERIFY(view->showsVolume());
    QTRY_VERIFY_WITH_TIMEOUT(view->renderedFrames() > framesBefore, 20000);
    const QImage frame = view->grabFramebuffer();
    QVERIFY(countNonBackground(frame, view->backgroundColor()) >
            frame.width() * frame.height() / 50);
    action->trigger();
    QVERIFY(!view->showsVolume());
  }

  void corruptFilesShowErrorDialog() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Garbage with an HDF5 name, and a real NIfTI twin cut short (gzip stream ends early).
    const QString garbage = dir.filePath(QStringLiteral("garbage.h5"));
    {
      QFile f(garbage);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QByteArray(4096, 'x'));
    }
    const QString truncated = dir.filePath(QStringLiteral("truncated.nii.gz"));
    {
      QFile source(dataDir() + QStringLiteral("/la-nifti/") + caseId_ +
                   QStringLiteral("_image.nii.gz"));
      QVERIFY(source.open(QIODevice::ReadOnly));
      QFile f(truncated);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(source.read(source.size() / 3));
    }
    const QString missing = dir.filePath(QStringLiteral("missing.nrrd"));

    ViewerModel* model = window_->model();
    const QString nameBefore = model->imageName();
    const std::size_t voxelsBefore = model->image().voxelCount();
    for (const QString& path : {garbage, truncated, missing}) {
      QSignalSpy failed(window_.get(), &MainWindow::openFailed);
      bool ok = true;
      const QStringList dialogs = closeDialogsDuring([&] { ok = window_->openImageFile(path); });
      QVERIFY(!ok);
      QCOMPARE(dialogs.size(), 1);
      QVERIFY2(dialogs.front().contains(QFileInfo(path).fileName()), qPrintable(dialogs.front()));
      QCOMPARE(failed.count(), 1);
      QVERIFY(!failed.front().at(1).toString().isEmpty());  // the problem is spelled out
      // The window and the loaded case survive.
      QVERIFY(window_->isVisible());
      QCOMPARE(model->imageName(), nameBefore);
      QCOMPARE(model->image().voxelCount(), voxelsBefore);
      QVERIFY(model->hasLabel());
    }
  }

  void labelOnAnotherGridShowsErrorDialog() {
    // The second LA NIfTI twin is a different crop: its label cannot sit on this image.
    QDir twins(dataDir() + QStringLiteral("/la-nifti"));
    const QStringList labels =
        twins.entryList({QStringLiteral("*_label.nii.gz")}, QDir::Files, QDir::Name);
    QString other;
    for (const QString& name : labels)
      if (!name.startsWith(caseId_)) other = twins.filePath(name);
    QVERIFY(!other.isEmpty());
    bool ok = true;
    const QStringList dialogs = closeDialogsDuring([&] { ok = window_->openLabelFile(other); });
    QVERIFY(!ok);
    QCOMPARE(dialogs.size(), 1);
    QVERIFY(dialogs.front().contains(QFileInfo(other).fileName()));
    QVERIFY(window_->model()->hasLabel());
  }

  void droppedFilesOpenImageAndLabel() {
    const QString dir = dataDir() + QStringLiteral("/la-nifti/");
    const QString image = dir + caseId_ + QStringLiteral("_image.nii.gz");
    const QString label = dir + caseId_ + QStringLiteral("_label.nii.gz");
    auto* mime = new QMimeData;
    mime->setUrls(
        {QUrl::fromLocalFile(label), QUrl::fromLocalFile(image)});  // order must not matter
    const QPoint at = window_->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window_.get(), &drop);
    delete mime;
    const ViewerModel* model = window_->model();
    QCOMPARE(model->imageName(), QFileInfo(image).fileName());
    QCOMPARE(model->labelName(), QFileInfo(label).fileName());
    QCOMPARE(model->image().nz(), std::size_t(88));
    QCOMPARE(window_->view3D()->surfaceCount(), 1);
  }

  void demoPhantomOpens() {
    window_->openDemo();
    const ViewerModel* model = window_->model();
    QCOMPARE(model->imageName(), QStringLiteral("phantom_000"));
    QVERIFY(model->hasLabel());
    QCOMPARE(window_->view3D()->surfaceCount(), 1);
    QVERIFY(countOverlay(window_->sliceView(SliceAxis::Axial)->slicePicture()) > 0);
  }

  void screenshotWritesPicture() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("shot.png"));
    QVERIFY(window_->saveScreenshot(path));
    const QImage shot(path);
    QVERIFY(!shot.isNull());
    QCOMPARE(shot.size(), window_->size() * window_->devicePixelRatio());
    // The 3D view is a native OpenGL window that QWidget::grab() cannot see: the picture has
    // its frame painted in, so its area shows the scene (background and label surface), the
    // same pixels as the view's own frame.
    VtkView3D* view = window_->view3D();
    const qreal dpr = window_->devicePixelRatio();
    const QRect area(view->mapTo(window_.get(), QPoint(0, 0)) * dpr, view->size() * dpr);
    const QImage inShot = shot.copy(area).convertToFormat(QImage::Format_RGB32);
    const QImage frame = view->grabFramebuffer().convertToFormat(QImage::Format_RGB32);
    QCOMPARE(inShot.size(), frame.size());
    const int background =
        inShot.width() * inShot.height() - countNonBackground(inShot, view->backgroundColor());
    QVERIFY2(background > inShot.width() * inShot.height() / 4, "no 3D background in the picture");
    QVERIFY(countReddish(inShot) > 100);  // the label surface
    QCOMPARE(countReddish(inShot), countReddish(frame));
    QVERIFY(!window_->saveScreenshot(dir.filePath(QStringLiteral("no/such/folder/shot.png"))));
  }

  void cleanupTestCase() { window_.reset(); }

 private:
  QString caseId_;
  QString laPath_;
  std::unique_ptr<MainWindow> window_;
};

int main(int argc, char** argv) {
  sfr::ui::setDefaultSurfaceFormat();  // before QApplication, as in sfr-studio
  QApplication app(argc, argv);
  StudioWindowTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "tst_studio_window.moc"
