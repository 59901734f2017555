#include "sfr/ui/project/project_model.h"

#include <QFileInfo>

#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/project/project_file.h"

namespace sfr::ui {

namespace fs = std::filesystem;

namespace {
fs::path toPath(const QString& path) {
  return fs::path(path.toStdU16String());
}
}  // namespace

ProjectModel::ProjectModel(QObject* parent) : QObject(parent) {}

const ProjectCase& ProjectModel::caseAt(int index) const {
  if (index < 0 || index >= caseCount())
    throw Error("project", "case index " + std::to_string(index) + " is out of range");
  return project_.cases[static_cast<std::size_t>(index)];
}

ProjectCase& ProjectModel::mutableCase(int index) {
  return const_cast<ProjectCase&>(caseAt(index));
}

QString ProjectModel::displayName() const {
  if (!project_.name.empty()) return QString::fromStdString(project_.name);
  return QFileInfo(filePath_).completeBaseName();
}

void ProjectModel::setProject(Project project, const QString& filePath, bool modified) {
  project_ = std::move(project);
  filePath_ = QFileInfo(filePath).absoluteFilePath();
  open_ = true;
  current_ = project_.indexOf(project_.currentCase);
  const bool wasUnsaved = hasUnsavedChanges();
  projectModified_ = modified;
  labelEdited_ = false;
  Q_EMIT projectReset();
  Q_EMIT filePathChanged();
  Q_EMIT currentCaseChanged(current_);
  if (wasUnsaved != hasUnsavedChanges()) Q_EMIT unsavedChangesChanged(hasUnsavedChanges());
}

void ProjectModel::open(const QString& filePath) {
  Project project = readProjectFile(toPath(filePath));
  setProject(std::move(project), filePath, false);
}

void ProjectModel::save() {
  if (!open_) throw Error("project", "no project is open");
  writeProjectFile(project_, toPath(filePath_));
  setFlags(false, labelEdited_);
}

void ProjectModel::saveAs(const QString& filePath) {
  if (!open_) throw Error("project", "no project is open");
  writeProjectFile(project_, toPath(filePath));
  filePath_ = QFileInfo(filePath).absoluteFilePath();
  Q_EMIT filePathChanged();
  setFlags(false, labelEdited_);
}

void ProjectModel::close() {
  const bool wasUnsaved = hasUnsavedChanges();
  project_ = Project{};
  filePath_.clear();
  open_ = false;
  current_ = -1;
  projectModified_ = labelEdited_ = false;
  Q_EMIT projectReset();
  Q_EMIT filePathChanged();
  Q_EMIT currentCaseChanged(-1);
  if (wasUnsaved) Q_EMIT unsavedChangesChanged(false);
}

void ProjectModel::setCurrentCase(int index) {
  if (index != -1) caseAt(index);  // range check
  const int previous = current_;
  current_ = index;
  project_.currentCase = index >= 0 ? project_.cases[static_cast<std::size_t>(index)].id : "";
  setFlags(projectModified_, false);
  if (previous != index) {
    if (previous >= 0 && previous < caseCount()) Q_EMIT caseChanged(previous);
    if (index >= 0) Q_EMIT caseChanged(index);
    Q_EMIT currentCaseChanged(index);
  }
}

void ProjectModel::setCaseState(int index, CaseState state) {
  ProjectCase& c = mutableCase(index);
  if (c.state == state) return;
  c.state = state;
  Q_EMIT caseChanged(index);
  markModified();
}

void ProjectModel::setCaseConfidence(int index, std::optional<double> confidence) {
  if (confidence && !(*confidence >= 0.0 && *confidence <= 1.0))
    throw Error("project", "a confidence must lie in 0..1");
  ProjectCase& c = mutableCase(index);
  if (c.confidence == confidence) return;
  c.confidence = confidence;
  Q_EMIT caseChanged(index);
  markModified();
}

void ProjectModel::setCasePrediction(int index, const fs::path& mask, double confidence) {
  if (!(confidence >= 0.0 && confidence <= 1.0))
    throw Error(mask.string(), "a confidence must lie in 0..1");
  ProjectCase& c = mutableCase(index);
  c.prediction = mask;
  c.confidence = confidence;
  c.state = stateAfterPrediction(confidence);
  Q_EMIT caseChanged(index);
  markModified();
}

void ProjectModel::setLabelTable(const nlohmann::json& table) {
  if (project_.labelTable == table) return;
  project_.labelTable = table;
  markModified();
}

void ProjectModel::setTrainingSettings(const nlohmann::json& settings) {
  if (!settings.is_object()) throw Error("training settings", "expected a JSON object");
  if (project_.training == settings) return;
  project_.training = settings;
  markModified();
}

void ProjectModel::addRun(const RunRecord& run) {
  project_.runs.push_back(run);
  // The file form has objects here; an unset (null) field reads back as {}.
  RunRecord& added = project_.runs.back();
  if (added.config.is_null()) added.config = nlohmann::json::object();
  if (added.result.is_null()) added.result = nlohmann::json::object();
  markModified();
}

void ProjectModel::noteLabelEdited() {
  setFlags(projectModified_, true);
  Q_EMIT changed();
}

fs::path ProjectModel::editedLabelPath(int index) const {
  const ProjectCase& c = caseAt(index);
  return toPath(filePath_ + QStringLiteral(".labels")) / (c.id + ".nii.gz");
}

void ProjectModel::saveCaseLabel(int index, const LabelVolume& label) {
  const fs::path path = editedLabelPath(index);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw Error(path.parent_path().string(), "cannot create the folder: " + ec.message());
  io::writeLabel(label, path);
  ProjectCase& c = mutableCase(index);
  c.label = path;
  if (c.state == CaseState::Unlabelled) c.state = CaseState::Labelled;
  if (c.state == CaseState::Predicted || c.state == CaseState::Flagged)
    c.state = CaseState::Reviewed;
  Q_EMIT caseChanged(index);
  setFlags(true, index == current_ ? false : labelEdited_);
  Q_EMIT changed();
}

void ProjectModel::markModified() {
  setFlags(true, labelEdited_);
  Q_EMIT changed();
}

void ProjectModel::setFlags(bool projectModified, bool labelEdited) {
  const bool wasUnsaved = hasUnsavedChanges();
  projectModified_ = projectModified;
  labelEdited_ = labelEdited;
  if (wasUnsaved != hasUnsavedChanges()) Q_EMIT unsavedChangesChanged(hasUnsavedChanges());
}

}  // namespace sfr::ui
