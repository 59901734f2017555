// Projects in the studio window, under Xvfb: a project from the hippocampus MSD folder, the case
// list (double click, keyboard, the save-changes dialog), Save Project, the recovery dialog after
// a simulated crash (auto-answered Recover and Discard), export with the overwrite dialog and the
// files read back through sfr_io, and error dialogs for a broken project file.
#include <QAction>
#include <QApplication>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <fstream>
#include <functional>
#include <memory>

#include "project_test_support.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/autosave_controller.h"
#include "sfr/ui/project/mask_export.h"
#include "sfr/ui/project/project_file.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/project/recovery_area.h"
#include "sfr/ui/project/views/case_list_dock.h"

using namespace sfr;
using namespace sfr::ui;
using sfr::test::toPath;
namespace fs = std::filesystem;

namespace {

// Answers every modal message box shown while `action` runs with `button` (Ok when the box has
// no such button) and returns "<objectName>: <text>" of each.
QStringList answerDialogsDuring(QMessageBox::StandardButton button,
                                const std::function<void()>& action) {
  QStringList seen;
  QTimer timer;
  timer.setInterval(50);
  QObject::connect(&timer, &QTimer::timeout, [&seen, button] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    seen << box->objectName() + QStringLiteral(": ") + box->text() + QLatin1Char('\n') +
                box->informativeText();
    if (QAbstractButton* b = box->button(button))
      b->click();
    else
      box->done(QMessageBox::Ok);
  });
  timer.start();
  action();
  timer.stop();
  return seen;
}

// One brush stamp (label 1) at `voxel` on the axial view through the editing model.
void paint(MainWindow* window, const VoxelIndex& voxel) {
  LabelEditingModel* editing = window->editingModel();
  editing->setActiveEffect(LabelEditingModel::Brush);
  QVERIFY(editing->press(SliceAxis::Axial, voxel));
  editing->release(SliceAxis::Axial, voxel);
  editing->setActiveEffect(LabelEditingModel::kNavigate);
}

}  // namespace

class ProjectWindowTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    if (sfr::test::dataDir().isEmpty()) QSKIP("SFR_DATA_DIR is not set");
    QVERIFY(dir_.isValid());
    projectFile_ = dir_.filePath(QStringLiteral("hippo.sfrproj"));
  }

  void newProjectFromFolderOpensTheFirstCase() {
    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    QVERIFY(window_->newProjectFromFolder(sfr::test::hippocampusDir(), projectFile_));
    ProjectModel* project = window_->projectModel();
    QVERIFY(project->isOpen());
    QCOMPARE(project->caseCount(), 72);
    QVERIFY(QFileInfo::exists(projectFile_));
    QCOMPARE(project->currentCaseIndex(), 0);
    QCOMPARE(window_->model()->imageName(), QStringLiteral("hippocampus_001"));
    QVERIFY(window_->model()->hasLabel());
    QVERIFY(window_->caseListDock()->isVisible());
    QCOMPARE(window_->caseListDock()->tableView()->model()->rowCount(), 72);
    QVERIFY(window_->windowTitle().startsWith(QStringLiteral("hippocampus - ")));
    QVERIFY(window_->recentProjects().contains(QFileInfo(projectFile_).absoluteFilePath()));
    // The menu holds the project actions.
    QVERIFY(window_->findChild<QAction*>(QStringLiteral("saveProjectAction"))->isEnabled());
    QVERIFY(window_->findChild<QAction*>(QStringLiteral("exportMasksAction"))->isEnabled());
  }

  void editsMarkTheTitleAndTheCaseListAsksBeforeLeaving() {
    paint(window_.get(), {2, 2, 10});
    QVERIFY(window_->projectModel()->labelEdited());
    QVERIFY(window_->windowTitle().startsWith(QStringLiteral("hippocampus* - ")));

    QTableView* table = window_->caseListDock()->tableView();
    const QRect row2 = table->visualRect(table->model()->index(2, 0));
    // A click selects the row (the view's pressed index), the double click then activates it.
    auto doubleClickRow2 = [&] {
      QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, row2.center());
      QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, row2.center());
    };
    QStringList dialogs = answerDialogsDuring(QMessageBox::Cancel, doubleClickRow2);
    QCOMPARE(dialogs.size(), 1);
    QVERIFY2(dialogs[0].startsWith(QStringLiteral("saveChangesDialog")), qPrintable(dialogs[0]));
    QCOMPARE(window_->projectModel()->currentCaseIndex(), 0);  // cancelled: still case 0
    QCOMPARE(window_->model()->label()->at(2, 2, 10), std::uint8_t(1));

    dialogs = answerDialogsDuring(QMessageBox::Discard, doubleClickRow2);
    QCOMPARE(dialogs.size(), 1);
    QCOMPARE(window_->projectModel()->currentCaseIndex(), 2);
    QCOMPARE(window_->model()->imageName(), QStringLiteral("hippocampus_014"));
    QVERIFY(!window_->projectModel()->labelEdited());
    QVERIFY(window_->windowTitle().startsWith(QStringLiteral("hippocampus - ")));

    // Keyboard: Down, then Enter opens the case below (no edits: no dialog).
    table->setFocus();
    QTest::keyClick(table, Qt::Key_Down);
    dialogs =
        answerDialogsDuring(QMessageBox::Cancel, [&] { QTest::keyClick(table, Qt::Key_Return); });
    QVERIFY(dialogs.isEmpty());
    QCOMPARE(window_->projectModel()->currentCaseIndex(), 3);
    QCOMPARE(table->currentIndex().row(), 3);
  }

  void saveProjectWritesTheLabelIntoTheProjectFolder() {
    paint(window_.get(), {3, 3, 12});
    const LabelVolume edited = *window_->model()->label();
    window_->autosave()->flush();
    QVERIFY(fs::exists(recoveryFolder(toPath(projectFile_))));
    window_->findChild<QAction*>(QStringLiteral("saveProjectAction"))->trigger();
    QVERIFY(!window_->projectModel()->hasUnsavedChanges());
    QVERIFY(!fs::exists(recoveryFolder(toPath(projectFile_))));  // explicit save drops it
    const Project saved = readProjectFile(toPath(projectFile_));
    const ProjectCase& c = saved.cases[3];
    QCOMPARE(c.label->parent_path().filename(), fs::path("hippo.sfrproj.labels"));
    QCOMPARE(io::readLabel(*c.label).voxels(), edited.voxels());
    QCOMPARE(saved.currentCase, std::string("hippocampus_019"));
    // The data set's own label map is untouched.
    QVERIFY(io::readLabel(toPath(sfr::test::hippocampusDir() +
                                 QStringLiteral("/labelsTr/hippocampus_019.nii.gz")))
                .at(3, 3, 12) == 0);
  }

  void recoveryDialogRestoresTheEditAfterACrash() {
    paint(window_.get(), {4, 4, 14});
    const LabelVolume edited = *window_->model()->label();
    QVERIFY(window_->autosave()->flush());
    window_.reset();  // the "crash": no close event, no save; the autosave stays

    window_ = std::make_unique<MainWindow>();
    window_->show();
    bool ok = false;
    const QStringList dialogs =
        answerDialogsDuring(QMessageBox::Yes, [&] { ok = window_->openProjectFile(projectFile_); });
    QVERIFY(ok);
    QCOMPARE(dialogs.size(), 1);
    QVERIFY2(dialogs[0].startsWith(QStringLiteral("recoveryDialog")), qPrintable(dialogs[0]));
    QVERIFY(window_->recoveryOffered());
    QCOMPARE(window_->projectModel()->currentCaseIndex(), 3);
    QCOMPARE(window_->model()->label()->voxels(), edited.voxels());
    QVERIFY(window_->model()->label()->geometry() == window_->model()->image().geometry());
    QVERIFY(window_->projectModel()->labelEdited());
    QVERIFY(window_->windowTitle().startsWith(QStringLiteral("hippocampus* - ")));
  }

  void discardingTheRecoveryRemovesIt() {
    QVERIFY(window_->autosave()->flush());
    window_.reset();
    window_ = std::make_unique<MainWindow>();
    window_->show();
    const QStringList dialogs = answerDialogsDuring(
        QMessageBox::No, [&] { QVERIFY(window_->openProjectFile(projectFile_)); });
    QCOMPARE(dialogs.size(), 1);
    QVERIFY(!fs::exists(recoveryFolder(toPath(projectFile_))));
    QVERIFY(!window_->projectModel()->hasUnsavedChanges());
    QCOMPARE(window_->model()->label()->at(4, 4, 14), std::uint8_t(0));  // the saved state
    QCOMPARE(window_->model()->label()->at(3, 3, 12), std::uint8_t(1));
    // A clean start finds nothing to recover.
    window_.reset();
    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(answerDialogsDuring(QMessageBox::No, [&] {
              QVERIFY(window_->openProjectFile(projectFile_));
            }).isEmpty());
    QVERIFY(!window_->recoveryOffered());
  }

  void exportAsksBeforeOverwritingAndKeepsTheGeometry() {
    ProjectModel* project = window_->projectModel();
    MaskExportOptions options;
    options.folder = toPath(dir_.filePath(QStringLiteral("export")));
    QStringList dialogs =
        answerDialogsDuring(QMessageBox::Ok, [&] { QVERIFY(!window_->exportMasks(options)); });
    QCOMPARE(dialogs.size(), 1);  // nothing accepted yet
    QVERIFY2(dialogs[0].startsWith(QStringLiteral("projectErrorDialog")), qPrintable(dialogs[0]));

    project->setCaseState(0, CaseState::Accepted);
    project->setCaseState(3, CaseState::Accepted);  // its saved, edited label map
    dialogs = answerDialogsDuring(QMessageBox::No, [&] { QVERIFY(window_->exportMasks(options)); });
    QVERIFY(dialogs.isEmpty());
    const Project& p = project->project();
    for (int index : {0, 3}) {
      const ProjectCase& c = p.cases[std::size_t(index)];
      const fs::path exported = options.folder / (c.id + ".nii.gz");
      const LabelVolume mask = io::readLabel(exported);
      const ImageVolume source = io::readImage(c.image);
      qInfo("compared %s with %s", exported.c_str(), c.image.c_str());
      QVERIFY(mask.geometry() == source.geometry());
      QCOMPARE(mask.voxels(), io::readLabel(*c.label).voxels());
    }
    QVERIFY(fs::exists(options.folder / "labels.json"));
    QVERIFY(fs::exists(options.folder / "labels.csv"));

    // Again: the overwrite dialog; No keeps the files, Overwrite replaces them.
    const fs::path first = options.folder / "hippocampus_001.nii.gz";
    std::ofstream(first, std::ios::trunc) << "marker";
    dialogs =
        answerDialogsDuring(QMessageBox::No, [&] { QVERIFY(!window_->exportMasks(options)); });
    QCOMPARE(dialogs.size(), 1);
    QVERIFY2(dialogs[0].startsWith(QStringLiteral("overwriteDialog")), qPrintable(dialogs[0]));
    QVERIFY(dialogs[0].contains(QStringLiteral("4 file(s)")) ||
            dialogs[0].contains(QStringLiteral("4 files")));
    QCOMPARE(fs::file_size(first), std::uintmax_t(6));
    dialogs =
        answerDialogsDuring(QMessageBox::Yes, [&] { QVERIFY(window_->exportMasks(options)); });
    QCOMPARE(dialogs.size(), 1);
    QVERIFY(io::readLabel(first).geometry() == io::readImage(p.cases[0].image).geometry());
  }

  void brokenProjectFileShowsADialogAndKeepsTheWindow() {
    const QString broken = dir_.filePath(QStringLiteral("broken.sfrproj"));
    std::ofstream(toPath(broken)) << R"({"format": "sfr-studio-project", "version": 1, "name": "x",
      "cases": [{"id": "a", "image": "a.nii", "state": "finished"}]})";
    QVERIFY(window_->saveProject());  // no save-changes question in the way
    const QString before = window_->projectModel()->filePath();
    bool ok = true;
    const QStringList dialogs =
        answerDialogsDuring(QMessageBox::Ok, [&] { ok = window_->openProjectFile(broken); });
    QVERIFY(!ok);
    QCOMPARE(dialogs.size(), 1);
    QVERIFY2(dialogs[0].contains(QStringLiteral("broken.sfrproj")) &&
                 dialogs[0].contains(QStringLiteral("cases[0].state")),
             qPrintable(dialogs[0]));
    QCOMPARE(window_->projectModel()->filePath(), before);
    QVERIFY(window_->model()->hasImage());
  }

  void cleanupTestCase() { window_.reset(); }

 private:
  QTemporaryDir dir_;
  QString projectFile_;
  std::unique_ptr<MainWindow> window_;
};

QTEST_MAIN(ProjectWindowTest)
#include "tst_project_window.moc"
