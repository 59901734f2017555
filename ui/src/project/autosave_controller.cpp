#include "sfr/ui/project/autosave_controller.h"

#include <QMetaObject>
#include <algorithm>
#include <optional>

#include "sfr/base/error.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/project/recovery_area.h"

namespace sfr::ui {

namespace {
std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdU16String());
}
}  // namespace

AutosaveController::AutosaveController(ProjectModel* project, ViewerModel* viewer, QObject* parent)
    : QObject(parent), project_(project), viewer_(viewer) {
  timer_.setSingleShot(true);
  timer_.setInterval(kDefaultIntervalMs);
  connect(&timer_, &QTimer::timeout, this, &AutosaveController::writeInBackground);
  connect(project_, &ProjectModel::changed, this, &AutosaveController::schedule);
  // Another project: whatever was scheduled belongs to the previous one.
  connect(project_, &ProjectModel::projectReset, &timer_, &QTimer::stop);
}

void AutosaveController::setInterval(int ms) {
  timer_.setInterval(std::clamp(ms, 1, kMaxIntervalMs));
}

void AutosaveController::schedule() {
  // Not restarted by later changes: the first unsaved change is written within interval().
  if (project_->isOpen() && !timer_.isActive()) timer_.start();
}

AutosaveController::~AutosaveController() {
  // The thread references this object; its pending completion message dies with it.
  if (writer_.joinable()) writer_.join();
}

void AutosaveController::writeInBackground() {
  if (!project_->isOpen() || !project_->hasUnsavedChanges()) return;
  if (writing_) {
    rewrite_ = true;
    return;
  }
  const int current = project_->currentCaseIndex();
  std::string caseId = current >= 0 ? project_->caseAt(current).id : std::string();
  std::optional<LabelVolume> label;
  if (project_->labelEdited() && viewer_->label()) label = *viewer_->label();
  writing_ = true;
  const std::uint64_t id = ++writeId_;
  writer_ =
      std::thread([this, id, file = toPath(project_->filePath()), project = project_->project(),
                   caseId = std::move(caseId), label = std::move(label)] {
        try {
          writeRecovery(file, project, caseId, label ? &*label : nullptr);
          writeOk_ = true;
        } catch (const std::exception& e) {
          writeOk_ = false;
          writeProblem_ = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, id] {
              if (id == writeId_) collectWrite();
            },
            Qt::QueuedConnection);
      });
  Q_EMIT writeStarted();
}

void AutosaveController::collectWrite() {
  if (!writing_) return;
  writer_.join();
  writing_ = false;
  if (writeOk_) {
    ++writes_;
    Q_EMIT autosaved();
  } else {
    Q_EMIT failed(writeProblem_);
  }
  if (rewrite_) {
    rewrite_ = false;
    writeInBackground();
  }
}

bool AutosaveController::flush() {
  timer_.stop();
  rewrite_ = false;
  collectWrite();
  if (!project_->isOpen() || !project_->hasUnsavedChanges()) return true;
  const int current = project_->currentCaseIndex();
  const std::string caseId = current >= 0 ? project_->caseAt(current).id : std::string();
  const LabelVolume* label = project_->labelEdited() ? viewer_->label() : nullptr;
  try {
    writeRecovery(toPath(project_->filePath()), project_->project(), caseId, label);
  } catch (const Error& e) {
    Q_EMIT failed(QString::fromStdString(e.what()));
    return false;
  }
  ++writes_;
  Q_EMIT autosaved();
  return true;
}

void AutosaveController::discard() {
  timer_.stop();
  rewrite_ = false;
  collectWrite();
  if (project_->isOpen()) discardRecovery(toPath(project_->filePath()));
}

}  // namespace sfr::ui
