// The training half of the main window: the "Training" dock (TrainingPanel) on a
// TrainingController (the supervised `sfr serve` worker and the run) and a LivePreviewModel whose
// layer is drawn over the three slice views; status messages go to the status bar; with a
// project open, the run trains on the project's folder with its labelled cases (the labels the
// clinician edited or drew, saved in the project's label store, replace the dataset's:
// `data.label_files`), each run is recorded in the project and the confidence ranking marks the
// cases.
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStatusBar>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/training/stored_predictions.h"
#include "sfr/ui/training/training_controller.h"
#include "sfr/ui/training/views/preview_layer.h"
#include "sfr/ui/training/views/training_panel.h"
#include "sfr/ui/views/slice_view.h"

namespace sfr::ui {

namespace {

nlohmann::json toNlohmann(const QJsonObject& o) {
  return nlohmann::json::parse(QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString(),
                               nullptr, false);
}

// Whether `path` lies in `folder` (lexically, no file access).
bool isInside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  const fs::path relative = fs::absolute(path).lexically_normal().lexically_relative(
      fs::absolute(folder).lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// The open project's data: its folder and the label files of the cases whose label the studio
// made: saved in the project's label store (ProjectModel::saveCaseLabel), or anywhere outside the
// dataset folder. A label still in the dataset folder is the dataset's own and needs no override.
TrainingData projectTrainingData(const ProjectModel& project) {
  const Project& p = project.project();
  TrainingData data{QString::fromStdString(p.source.string())};
  if (p.spacing) data.spacing = {(*p.spacing)[0], (*p.spacing)[1], (*p.spacing)[2]};
  for (int i = 0; i < project.caseCount(); ++i) {
    const ProjectCase& c = p.cases[static_cast<std::size_t>(i)];
    if (!c.label) continue;
    if (isInside(*c.label, project.editedLabelPath(i).parent_path()) ||
        !isInside(*c.label, p.source))
      data.labelFiles.insert(QString::fromStdString(c.id),
                             QString::fromStdString(c.label->string()));
  }
  return data;
}

QStringList caseIds(const Project& p) {
  QStringList ids;
  for (const ProjectCase& c : p.cases) ids << QString::fromStdString(c.id);
  return ids;
}

// Cases with a label the clinician stands behind: they can train or validate.
QStringList labelledCaseIds(const Project& p) {
  QStringList ids;
  for (const ProjectCase& c : p.cases)
    if (c.label && (c.state == CaseState::Labelled || c.state == CaseState::Reviewed ||
                    c.state == CaseState::Accepted))
      ids << QString::fromStdString(c.id);
  return ids;
}

}  // namespace

void MainWindow::setUpTraining() {
  training_ = new TrainingController(this);
  preview_ = new LivePreviewModel(training_->worker(), training_->run(), model_, editing_, this);
  trainingPanel_ = new TrainingPanel(training_, preview_);
  trainingDock_ = new QDockWidget(tr("Training"));
  trainingDock_->setObjectName(QStringLiteral("trainingDock"));
  trainingDock_->setWidget(trainingPanel_);
  trainingDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                             QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::RightDockWidgetArea, trainingDock_);
  tabifyDockWidget(toolsDock_, trainingDock_);
  toolsDock_->raise();
  for (SliceView* view : {axial_, coronal_, sagittal_})
    new PreviewLayer(view, model_, preview_, editing_->labelTable());

  // The worker starts when the panel is first shown (it lists the devices), or with a run.
  connect(trainingDock_, &QDockWidget::visibilityChanged, training_, [this](bool visible) {
    if (visible) training_->ensureWorker();
  });
  // Before a run: when the open case trains, its unsaved label edits are saved first (atomically,
  // into the project's label store), so that the run reads what the clinician sees; the studio's
  // labels of the training cases go to the run as data.label_files.
  training_->setBeforeStart([this] {
    if (!project_->isOpen()) return true;
    const QStringList selected = training_->settings().labelledIds;
    const QStringList validating = training_->settings().validationIds;
    const int current = project_->currentCaseIndex();
    const QString currentId =
        current >= 0 ? QString::fromStdString(project_->caseAt(current).id) : QString();
    if (project_->labelEdited() && current >= 0 && model_->label() &&
        (selected.contains(currentId) || validating.contains(currentId))) {
      try {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        project_->saveCaseLabel(current, *model_->label());
        QApplication::restoreOverrideCursor();
      } catch (const Error& e) {
        QApplication::restoreOverrideCursor();
        showProjectError(tr("Cannot Save Project"), QString::fromStdString(e.subject()),
                         QString::fromStdString(e.problem()));
        return false;
      }
      // The save re-listed the cases with the project's labelled ones: keep the user's choice.
      trainingPanel_->setCases(caseIds(project_->project()), labelledCaseIds(project_->project()),
                               selected);
    }
    training_->setData(projectTrainingData(*project_));
    return true;
  });
  // A prediction that cannot be shown (a stored one gone missing, another grid) is said where the
  // clinician looks, not only in the training panel.
  connect(preview_, &LivePreviewModel::errorOccurred, this, [this](const QString& message) {
    statusBar()->showMessage(tr("Prediction not shown: %1").arg(message), 15000);
  });
  connect(training_, &TrainingController::statusMessage, this,
          [this](const QString& message) { statusBar()->showMessage(message, 15000); });
  connect(training_, &TrainingController::runStarted, this,
          [this](const QString& runDir, const QJsonObject& config) {
            if (!project_->isOpen()) return;
            RunRecord record;
            record.runDir = runDir.toStdString();
            record.started = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
            record.config = toNlohmann(config);
            project_->addRun(record);
          });
  // After the run: rank the project's cases (or the visible one) by the final V-Net; in a
  // project every case's prediction is kept in its prediction folder.
  connect(training_, &TrainingController::runEnded, this, [this] {
    if (training_->run()->state() != TrainingRunModel::State::Finished) return;
    QStringList images, labelOutputs, confidenceOutputs;
    if (project_->isOpen()) {
      for (int i = 0; i < project_->caseCount(); ++i) {
        const ProjectCase& c = project_->caseAt(i);
        images << QString::fromStdU16String(c.image.u16string());
        const PredictionFiles files =
            predictionFilesFor(project_->filePath(), QString::fromStdString(c.id));
        labelOutputs << files.labels;
        confidenceOutputs << files.confidence;
      }
    } else if (!preview_->visibleImageFile().isEmpty()) {
      images << preview_->visibleImageFile();
    }
    preview_->rankCases(images, training_->run()->finalVNetPath(), labelOutputs, confidenceOutputs,
                        training_->data().spacing);
  });
  connect(preview_, &LivePreviewModel::rankingChanged, this, [this] {
    int flagged = 0;
    for (const RankedVolume& v : preview_->ranking())
      if (v.confidence < preview_->tau()) ++flagged;
    const int ranked = static_cast<int>(preview_->ranking().size());
    if (!project_->isOpen()) {
      statusBar()->showMessage(
          tr("Ranked %n case(s) by confidence; %1 under %2 to review.", nullptr, ranked)
              .arg(flagged)
              .arg(preview_->tau()),
          15000);
      return;
    }
    const StoredRanking stored = storeRanking(*project_, preview_->ranking());
    statusBar()->showMessage(
        tr("Ranked %n case(s) by confidence; %1 under %2 to review; %3 new prediction(s) in "
           "the project.",
           nullptr, ranked)
            .arg(flagged)
            .arg(preview_->tau())
            .arg(stored.predicted),
        15000);
  });
  connect(project_, &ProjectModel::projectReset, this, &MainWindow::syncTrainingWithProject);
  connect(project_, &ProjectModel::caseChanged, this, &MainWindow::syncTrainingWithProject);
  syncTrainingWithProject();
}

void MainWindow::syncTrainingWithProject() {
  if (!project_->isOpen()) {
    training_->setData({});
    trainingPanel_->setDataDescription(tr("demo phantoms (built in)"));
    trainingPanel_->setCases({}, {});
    return;
  }
  const Project& p = project_->project();
  training_->setData(projectTrainingData(*project_));
  training_->setRunsRoot(project_->filePath() + QStringLiteral(".runs"));
  trainingPanel_->setDataDescription(
      QDir::toNativeSeparators(QString::fromStdString(p.source.string())));
  trainingPanel_->setCases(caseIds(p), labelledCaseIds(p));
}

}  // namespace sfr::ui
