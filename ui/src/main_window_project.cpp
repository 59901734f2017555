// MainWindow's project half: File > New Project from Folder / Open Project / Save Project /
// Export Masks / Recent Projects, the "Cases" dock, autosave and crash recovery. The logic lives
// in the project models (sfr/ui/project/); this file connects them to dialogs and the viewer.
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/volume_files.h"
#include "sfr/ui/project/autosave_controller.h"
#include "sfr/ui/project/case_list_model.h"
#include "sfr/ui/project/mask_export.h"
#include "sfr/ui/project/project_file.h"
#include "sfr/ui/project/project_from_folder.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/project/recovery_area.h"
#include "sfr/ui/project/views/case_list_dock.h"
#include "sfr/ui/project/views/mask_export_dialog.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/training/stored_predictions.h"

namespace sfr::ui {

namespace {

constexpr int kMaxRecentProjects = 8;
const char* const kRecentKey = "recentProjects";

struct BusyCursor {
  BusyCursor() { QApplication::setOverrideCursor(Qt::WaitCursor); }
  ~BusyCursor() { QApplication::restoreOverrideCursor(); }
  BusyCursor(const BusyCursor&) = delete;
  BusyCursor& operator=(const BusyCursor&) = delete;
};

std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdU16String());
}
QString toQString(const std::filesystem::path& path) {
  return QString::fromStdU16String(path.u16string());
}

}  // namespace

void MainWindow::setUpProjects() {
  project_ = new ProjectModel(this);
  autosave_ = new AutosaveController(project_, model_, this);
  caseModel_ = new CaseListModel(project_, this);
  caseDock_ = new CaseListDock(caseModel_);
  addDockWidget(Qt::LeftDockWidgetArea, caseDock_);
  caseDock_->hide();  // shown when a project opens

  connect(caseDock_, &CaseListDock::caseActivated, this, &MainWindow::openCase);
  connect(project_, &ProjectModel::unsavedChangesChanged, this, &MainWindow::updateTitle);
  connect(project_, &ProjectModel::filePathChanged, this, &MainWindow::updateTitle);
  connect(project_, &ProjectModel::currentCaseChanged, caseDock_, &CaseListDock::showCase);
  connect(autosave_, &AutosaveController::failed, this, [this](const QString& problem) {
    statusBar()->showMessage(tr("Autosave failed: %1").arg(problem), 10000);
  });
  // Label edits of the open case (strokes, undo, redo) are unsaved changes of the project.
  connect(editing_, &LabelEditingModel::labelEdited, this, [this] {
    if (project_->isOpen() && project_->currentCaseIndex() >= 0) project_->noteLabelEdited();
  });
  // An image opened outside the project (File > Open Image, a drop) is no case of it.
  connect(model_, &ViewerModel::imageChanged, this, [this] {
    if (!openingCase_ && project_->isOpen()) project_->setCurrentCase(-1);
  });
  // The label table is part of the project: loaded with it, edits mark it modified.
  LabelTable* table = editing_->labelTable();
  connect(project_, &ProjectModel::projectReset, this, [this, table] {
    syncingLabelTable_ = true;
    try {
      if (project_->isOpen() && !project_->project().labelTable.is_null())
        table->fromJson(project_->project().labelTable);
      else
        table->reset();
    } catch (const Error&) {
      table->reset();  // readProjectFile validated it; a recovered journal was checked as well
    }
    syncingLabelTable_ = false;
  });
  auto tableEdited = [this, table] {
    if (!syncingLabelTable_ && project_->isOpen()) project_->setLabelTable(table->toJson());
  };
  connect(table, &LabelTable::entriesChanged, this, tableEdited);
  connect(table, &LabelTable::overwriteChanged, this, tableEdited);
}

void MainWindow::addProjectActions(QMenu* file) {
  file->addSeparator();
  file->addAction(tr("&New Project from Folder..."), this, &MainWindow::chooseProjectFolder);
  QAction* open = file->addAction(tr("Open &Project..."), this, &MainWindow::chooseProjectFile);
  open->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
  recentMenu_ = file->addMenu(tr("&Recent Projects"));
  connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
  QAction* save = file->addAction(tr("&Save Project"), this, [this] { saveProject(); });
  save->setObjectName(QStringLiteral("saveProjectAction"));
  save->setShortcut(QKeySequence::Save);
  QAction* exportMasks =
      file->addAction(tr("&Export Masks..."), this, &MainWindow::chooseExportOptions);
  exportMasks->setObjectName(QStringLiteral("exportMasksAction"));
  exportMasks->setShortcut(QKeySequence(tr("Ctrl+E")));
  auto enable = [this, save, exportMasks] {
    save->setEnabled(project_->isOpen());
    exportMasks->setEnabled(project_->isOpen());
  };
  connect(project_, &ProjectModel::projectReset, this, enable);
  enable();
}

QString MainWindow::projectTitlePrefix() const {
  if (!project_ || !project_->isOpen()) return {};
  return tr("%1%2 - ").arg(project_->displayName(),
                           project_->hasUnsavedChanges() ? QStringLiteral("*") : QString());
}

// ---- New / open / save ----------------------------------------------------------------------

void MainWindow::chooseProjectFolder() {
  const QString folder =
      QFileDialog::getExistingDirectory(this, tr("New Project from Folder"), lastFolder_);
  if (folder.isEmpty()) return;
  const QFileInfo info(folder);
  const QString suggested =
      info.absoluteDir().filePath(info.fileName() + QString::fromLatin1(kProjectExtension));
  QString file = QFileDialog::getSaveFileName(this, tr("Save New Project As"), suggested,
                                              tr("SFR Studio projects (*.sfrproj)"));
  if (file.isEmpty()) return;
  if (!file.endsWith(QString::fromLatin1(kProjectExtension)))
    file += QString::fromLatin1(kProjectExtension);
  newProjectFromFolder(folder, file);
}

void MainWindow::chooseProjectFile() {
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Open Project"), lastFolder_, tr("SFR Studio projects (*.sfrproj);;All files (*)"));
  if (!file.isEmpty()) openProjectFile(file);
}

bool MainWindow::newProjectFromFolder(const QString& folder, const QString& projectFile) {
  if (!askToSaveChanges(true)) return false;
  lastFolder_ = QFileInfo(folder).absolutePath();
  Project project;
  try {
    const BusyCursor busy;
    project = sfr::ui::newProjectFromFolder(toPath(folder), spacing_);
    writeProjectFile(project, toPath(projectFile));
  } catch (const Error& e) {
    showProjectError(tr("Cannot Create Project"),
                     e.subject().empty() ? folder : QString::fromStdString(e.subject()),
                     QString::fromStdString(e.problem()));
    return false;
  }
  autosave_->discard();
  project_->setProject(std::move(project), projectFile);
  rememberRecentProject(projectFile);
  caseDock_->show();
  if (project_->caseCount() > 0) openCaseNow(0);
  updateTitle();
  return true;
}

bool MainWindow::openProjectFile(const QString& path) {
  if (!askToSaveChanges(true)) return false;
  lastFolder_ = QFileInfo(path).absolutePath();
  recoveryOffered_ = false;
  try {
    project_->open(path);
  } catch (const Error& e) {
    showOpenError(path, QString::fromStdString(e.problem()));
    return false;
  }
  rememberRecentProject(path);
  caseDock_->show();
  std::optional<RecoveryJournal> journal;
  try {
    journal = pendingRecovery(toPath(path));
  } catch (const Error& e) {
    showProjectError(tr("Cannot Read the Autosave"), QString::fromStdString(e.subject()),
                     QString::fromStdString(e.problem()));
  }
  recoveryOffered_ = journal.has_value();
  if (journal) {
    if (askToRecover(*journal, path)) return restoreRecovery(*journal);
    discardRecovery(toPath(path));
  }
  const int current = project_->currentCaseIndex();
  if (current >= 0 || project_->caseCount() > 0) openCaseNow(current >= 0 ? current : 0);
  updateTitle();
  return true;
}

bool MainWindow::saveProject() {
  if (!project_->isOpen()) return false;
  try {
    const BusyCursor busy;
    const int current = project_->currentCaseIndex();
    if (project_->labelEdited() && current >= 0 && model_->label())
      project_->saveCaseLabel(current, *model_->label());
    project_->save();
  } catch (const Error& e) {
    showProjectError(tr("Cannot Save Project"), QString::fromStdString(e.subject()),
                     QString::fromStdString(e.problem()));
    return false;
  }
  autosave_->discard();
  statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(project_->filePath())),
                           5000);
  updateTitle();
  return true;
}

bool MainWindow::askToSaveChanges(bool leavingProject) {
  if (!project_->isOpen() || !project_->hasUnsavedChanges()) return true;
  if (!errorDialogs_) return true;  // batch use: nothing to ask, the autosave keeps the edits
  QMessageBox box(QMessageBox::Warning, tr("Unsaved Changes"),
                  tr("%1 has unsaved changes.").arg(project_->displayName()),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
  box.setObjectName(QStringLiteral("saveChangesDialog"));
  box.setInformativeText(tr("Save them before going on?"));
  box.setDefaultButton(QMessageBox::Save);
  const int answer = box.exec();
  if (answer == QMessageBox::Save) return saveProject();
  if (answer != QMessageBox::Discard) return false;
  if (leavingProject) autosave_->discard();  // otherwise only the label edits are dropped
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!askToSaveChanges(true)) {
    event->ignore();
    return;
  }
  autosave_->discard();  // a clean exit leaves no autosave behind
  event->accept();
}

// ---- Cases -----------------------------------------------------------------------------------

bool MainWindow::openCase(int index) {
  if (index == project_->currentCaseIndex() && model_->hasImage()) return true;
  if (project_->labelEdited() && !askToSaveChanges(false)) {
    caseDock_->showCase(project_->currentCaseIndex());  // the list shows the open case again
    return false;
  }
  return openCaseNow(index);
}

bool MainWindow::openCaseNow(int index) {
  const ProjectCase c = project_->caseAt(index);
  const std::optional<Vec3> spacing =
      project_->project().spacing ? project_->project().spacing : spacing_;
  OpenedImage opened;
  QString reading = toQString(c.image);
  try {
    const BusyCursor busy;
    opened = sfr::ui::openImageFile(reading, spacing);
    opened.name = QString::fromStdString(c.id);
    if (c.label && *c.label != c.image) {
      reading = toQString(*c.label);
      opened.label = sfr::ui::openLabelFile(reading, spacing);
      opened.labelProblem.clear();
    }
  } catch (const Error& e) {
    showOpenError(reading, QString::fromStdString(e.problem()));
    return false;
  }
  openingCase_ = true;
  showOpened(std::move(opened), toQString(c.image));
  openingCase_ = false;
  project_->setCurrentCase(index);
  // A case the model predicted shows its prediction as the preview layer, to review and accept
  // (or reject) into the clinician's label map.
  if (preview_ && c.prediction &&
      (c.state == CaseState::Predicted || c.state == CaseState::Flagged))
    preview_->showStoredPrediction(toQString(*c.prediction),
                                   toQString(confidenceMapFor(*c.prediction)),
                                   c.confidence.value_or(0.0));
  updateTitle();
  return true;
}

// ---- Recovery --------------------------------------------------------------------------------

bool MainWindow::askToRecover(const RecoveryJournal& journal, const QString& path) {
  if (recoverWithoutAsking_) return true;
  if (!errorDialogs_) return false;  // batch use: keep the autosave for an interactive start
  const QString when =
      QLocale().toString(QDateTime::fromMSecsSinceEpoch(journal.savedAtMs), QLocale::ShortFormat);
  QMessageBox box(QMessageBox::Question, tr("Recover Unsaved Changes"),
                  tr("SFR Studio did not close properly while %1 had unsaved changes.")
                      .arg(QFileInfo(path).fileName()),
                  QMessageBox::Yes | QMessageBox::No, this);
  box.setObjectName(QStringLiteral("recoveryDialog"));
  box.setInformativeText(
      tr("Recover the changes autosaved at %1? Discarding deletes them.").arg(when));
  box.button(QMessageBox::Yes)->setText(tr("&Recover"));
  box.button(QMessageBox::No)->setText(tr("&Discard"));
  box.setDefaultButton(QMessageBox::Yes);
  return box.exec() == QMessageBox::Yes;
}

bool MainWindow::restoreRecovery(const RecoveryJournal& journal) {
  const QString path = project_->filePath();
  Project project = journal.project;
  project.currentCase = journal.caseId;
  project_->setProject(std::move(project), path, true);
  const int index = project_->currentCaseIndex();
  if (index < 0) {
    if (project_->caseCount() > 0) openCaseNow(0);
    updateTitle();
    return true;
  }
  if (!openCaseNow(index)) return false;
  if (journal.labelFile) {
    try {
      LabelVolume label = readRecoveredLabel(journal);
      if (label.size() != model_->image().size())
        throw Error(journal.labelFile->string(), "does not fit the case's image");
      label.geometry() = model_->image().geometry();  // ours, written from this grid
      model_->setLabel(std::move(label), tr("%1 (recovered)").arg(model_->imageName()));
    } catch (const Error& e) {
      showProjectError(tr("Cannot Recover the Label Edits"), QString::fromStdString(e.subject()),
                       QString::fromStdString(e.problem()));
      return false;
    }
    project_->noteLabelEdited();
  }
  statusBar()->showMessage(tr("Recovered the unsaved changes"), 8000);
  updateTitle();
  return true;
}

bool MainWindow::reopenCrashedProject() {
  for (const QString& path : recentProjects()) {
    try {
      if (pendingRecovery(toPath(path))) return openProjectFile(path);
    } catch (const Error&) {
      continue;  // an unreadable journal of an older project is not worth a dialog at start
    }
  }
  return false;
}

// ---- Recent projects -------------------------------------------------------------------------

QStringList MainWindow::recentProjects() const {
  return QSettings().value(QString::fromLatin1(kRecentKey)).toStringList();
}

void MainWindow::rememberRecentProject(const QString& path) {
  QStringList recent = recentProjects();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  while (recent.size() > kMaxRecentProjects) recent.removeLast();
  QSettings().setValue(QString::fromLatin1(kRecentKey), recent);
}

void MainWindow::fillRecentMenu() {
  recentMenu_->clear();
  const QStringList recent = recentProjects();
  for (const QString& path : recent)
    recentMenu_->addAction(QDir::toNativeSeparators(path), this,
                           [this, path] { openProjectFile(path); });
  if (recent.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
}

// ---- Export ----------------------------------------------------------------------------------

void MainWindow::chooseExportOptions() {
  if (!project_->isOpen()) return;
  MaskExportDialog dialog(lastFolder_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  exportMasks(dialog.options());
}

bool MainWindow::exportMasks(const MaskExportOptions& options) {
  if (!project_->isOpen()) return false;
  // Masks are read from their files: unsaved label edits would be missing.
  if (project_->labelEdited() && !askToSaveChanges(false)) return false;
  const MaskExportPlan plan = planMaskExport(project_->project(), options);
  const QString folder = QDir::toNativeSeparators(toQString(options.folder));
  if (plan.items.empty()) {
    showProjectError(tr("Nothing to Export"), folder,
                     options.selection == ExportSelection::Accepted
                         ? tr("No case is accepted yet.")
                         : tr("No case has a predicted mask yet."));
    return false;
  }
  if (!plan.existing.empty()) {
    if (!errorDialogs_) return false;  // never overwrite without asking
    QMessageBox box(
        QMessageBox::Warning, tr("Overwrite Files?"),
        tr("%n file(s) in %1 exist already.", nullptr, static_cast<int>(plan.existing.size()))
            .arg(folder),
        QMessageBox::Yes | QMessageBox::No, this);
    box.setObjectName(QStringLiteral("overwriteDialog"));
    box.setInformativeText(tr("Overwrite them? The first is %1.")
                               .arg(QDir::toNativeSeparators(toQString(plan.existing.front()))));
    box.button(QMessageBox::Yes)->setText(tr("&Overwrite"));
    box.setDefaultButton(QMessageBox::No);
    if (box.exec() != QMessageBox::Yes) return false;
  }
  try {
    const BusyCursor busy;
    runMaskExport(plan, project_->project(), !plan.existing.empty(), [this](int done, int total) {
      statusBar()->showMessage(tr("Exporting masks: %1 of %2").arg(done).arg(total));
      QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    });
  } catch (const Error& e) {
    showProjectError(tr("Cannot Export Masks"), QString::fromStdString(e.subject()),
                     QString::fromStdString(e.problem()));
    return false;
  }
  lastFolder_ = toQString(options.folder);
  statusBar()->showMessage(
      tr("Exported %n mask(s) to %1", nullptr, static_cast<int>(plan.items.size())).arg(folder),
      8000);
  return true;
}

void MainWindow::showProjectError(const QString& title, const QString& subject,
                                  const QString& problem) {
  Q_EMIT openFailed(subject, problem);
  if (!errorDialogs_) return;
  QMessageBox box(QMessageBox::Critical, title, QDir::toNativeSeparators(subject), QMessageBox::Ok,
                  this);
  box.setObjectName(QStringLiteral("projectErrorDialog"));
  box.setInformativeText(problem);
  box.exec();
}

}  // namespace sfr::ui
