// Kill -9 the real sfr-studio after an edit; on restart it offers recovery and the edit is there.
// The studio is driven through its hidden test options: --test-edit stamps the brush once after
// the project opens, --autosave-ms shortens the autosave interval, --accept-recovery answers the
// recovery question (the dialog itself is tested in tst_project_window), and --test-dump-label
// writes the label map on screen to a file and quits.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "project_test_support.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/project/project_file.h"
#include "sfr/ui/project/project_from_folder.h"
#include "sfr/ui/project/recovery_area.h"

using namespace sfr;
using namespace sfr::ui;
using sfr::test::toPath;
namespace fs = std::filesystem;

namespace {

QByteArray readAll(const fs::path& path) {
  QFile file(QString::fromStdU16String(path.u16string()));
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class CrashRecoveryTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    if (sfr::test::dataDir().isEmpty()) QSKIP("SFR_DATA_DIR is not set");
    QVERIFY(dir_.isValid());
    // The children keep their settings (recent projects) in the temporary folder.
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert(QStringLiteral("XDG_CONFIG_HOME"), dir_.filePath(QStringLiteral("config")));
  }

  void killedAfterAnEditRecoversTheEditOnRestart() {
    // A project on the hippocampus MSD data set; its first case is opened at start.
    const QString projectFile = dir_.filePath(QStringLiteral("crash.sfrproj"));
    const Project project = newProjectFromFolder(toPath(sfr::test::hippocampusDir()));
    writeProjectFile(project, toPath(projectFile));
    const QByteArray projectBytes = readAll(toPath(projectFile));
    const fs::path labelFile = *project.cases[0].label;
    const QByteArray labelBytes = readAll(labelFile);
    const LabelVolume original = io::readLabel(labelFile);
    const VoxelIndex voxel{2, 2, int(original.nz() / 2)};
    QCOMPARE(original.at(2, 2, std::size_t(voxel[2])), std::uint8_t(0));  // background to paint

    // 1. Edit, wait for the autosave, kill -9.
    QProcess studio;
    studio.setProcessEnvironment(env_);
    studio.start(QStringLiteral(SFR_STUDIO_EXECUTABLE),
                 {QStringLiteral("--project"), projectFile, QStringLiteral("--autosave-ms"),
                  QStringLiteral("500"), QStringLiteral("--test-edit"),
                  QStringLiteral("%1,%2,%3").arg(voxel[0]).arg(voxel[1]).arg(voxel[2])});
    QVERIFY(studio.waitForStarted(10000));
    const fs::path journal = recoveryFolder(toPath(projectFile)) / "journal.json";
    QElapsedTimer clock;
    clock.start();
    while (!fs::exists(journal) && clock.elapsed() < 60000 && studio.state() == QProcess::Running)
      QTest::qWait(100);
    const QByteArray firstOutput = studio.readAllStandardOutput() + studio.readAllStandardError();
    QVERIFY2(fs::exists(journal), firstOutput.constData());
    QVERIFY2(firstOutput.contains("test edit done"), firstOutput.constData());
    qInfo("autosave written %lld ms after the start", static_cast<long long>(clock.elapsed()));
    studio.kill();  // SIGKILL
    QVERIFY(studio.waitForFinished(10000));
    QCOMPARE(studio.exitStatus(), QProcess::CrashExit);

    // The user's files are untouched.
    QCOMPARE(readAll(toPath(projectFile)), projectBytes);
    QCOMPARE(readAll(labelFile), labelBytes);

    // 2. Restart with the project: recovery is offered and accepted; the label map on screen
    // is the original plus exactly one brush disc of label 1 in the edited slice.
    const QString dumped = dir_.filePath(QStringLiteral("recovered.nii.gz"));
    QProcess restart;
    restart.setProcessEnvironment(env_);
    restart.start(QStringLiteral(SFR_STUDIO_EXECUTABLE),
                  {QStringLiteral("--project"), projectFile, QStringLiteral("--accept-recovery"),
                   QStringLiteral("--test-dump-label"), dumped});
    QVERIFY(restart.waitForFinished(120000));
    const QByteArray output = restart.readAllStandardOutput() + restart.readAllStandardError();
    QVERIFY2(restart.exitStatus() == QProcess::NormalExit && restart.exitCode() == 0,
             output.constData());
    QVERIFY2(output.contains("recovery offered"), output.constData());
    checkTheEdit(io::readLabel(toPath(dumped)), original, voxel);

    // 3. Restart without arguments: the most recent project has an autosave, so it is offered.
    const QString dumpedAgain = dir_.filePath(QStringLiteral("recovered-again.nii.gz"));
    QProcess bare;
    bare.setProcessEnvironment(env_);
    bare.start(
        QStringLiteral(SFR_STUDIO_EXECUTABLE),
        {QStringLiteral("--accept-recovery"), QStringLiteral("--test-dump-label"), dumpedAgain});
    QVERIFY(bare.waitForFinished(120000));
    const QByteArray bareOutput = bare.readAllStandardOutput() + bare.readAllStandardError();
    QVERIFY2(bare.exitCode() == 0 && bareOutput.contains("recovery offered"),
             bareOutput.constData());
    checkTheEdit(io::readLabel(toPath(dumpedAgain)), original, voxel);
  }

 private:
  // Every voxel equals the original except label-0 voxels of the edited axial slice within the
  // brush radius (3 mm, the default) of the stamped voxel, which are now 1; the stamped voxel is.
  static void checkTheEdit(const LabelVolume& recovered, const LabelVolume& original,
                           const VoxelIndex& voxel) {
    QCOMPARE(recovered.size(), original.size());
    const Geometry& g = original.geometry();
    const Vec3 centre = g.indexToPhysical({double(voxel[0]), double(voxel[1]), double(voxel[2])});
    int changed = 0;
    for (std::size_t k = 0; k < original.nz(); ++k)
      for (std::size_t j = 0; j < original.ny(); ++j)
        for (std::size_t i = 0; i < original.nx(); ++i) {
          const std::uint8_t before = original.at(i, j, k);
          const std::uint8_t after = recovered.at(i, j, k);
          if (before == after) continue;
          ++changed;
          const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
          const double d = std::hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]);
          QVERIFY2(k == std::size_t(voxel[2]) && before == 0 && after == 1 && d <= 3.0 + 1e-9,
                   qPrintable(QStringLiteral("voxel %1,%2,%3 changed %4 -> %5 at %6 mm")
                                  .arg(i)
                                  .arg(j)
                                  .arg(k)
                                  .arg(before)
                                  .arg(after)
                                  .arg(d)));
        }
    QCOMPARE(recovered.at(std::size_t(voxel[0]), std::size_t(voxel[1]), std::size_t(voxel[2])),
             std::uint8_t(1));
    qInfo("recovered edit: %d voxels changed in slice %d", changed, voxel[2]);
    QVERIFY(changed > 1);
  }

  QTemporaryDir dir_;
  QProcessEnvironment env_;
};

QTEST_MAIN(CrashRecoveryTest)
#include "tst_crash_recovery.moc"
