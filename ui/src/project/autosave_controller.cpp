#include "sfr/ui/project/autosave_controller.h"

#include <algorithm>

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
  connect(&timer_, &QTimer::timeout, this, &AutosaveController::flush);
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

bool AutosaveController::flush() {
  timer_.stop();
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
  if (project_->isOpen()) discardRecovery(toPath(project_->filePath()));
}

}  // namespace sfr::ui
