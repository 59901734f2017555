#pragma once
// The open project as the studio's views see it (no widgets): the Project, its file, whether it
// has unsaved changes (project edits or label edits of the open case), the open case, and the
// edits a user or a run makes. Every edit marks the project modified and emits changed(), which
// the autosave listens to.
#include <QObject>
#include <QString>
#include <filesystem>
#include <optional>

#include "sfr/base/volume.h"
#include "sfr/ui/project/project.h"

namespace sfr::ui {

class ProjectModel : public QObject {
  Q_OBJECT

 public:
  explicit ProjectModel(QObject* parent = nullptr);

  bool isOpen() const { return open_; }
  const Project& project() const { return project_; }
  int caseCount() const { return static_cast<int>(project_.cases.size()); }
  /// Throws sfr::Error("project", ...) for an index out of range.
  const ProjectCase& caseAt(int index) const;
  /// The project file; empty when none is open.
  const QString& filePath() const { return filePath_; }
  /// The project's name (the file's base name when the project names none).
  QString displayName() const;

  /// Project edits or label edits not yet saved.
  bool hasUnsavedChanges() const { return projectModified_ || labelEdited_; }
  bool projectModified() const { return projectModified_; }
  /// The open case's label map was edited since it was opened or saved.
  bool labelEdited() const { return labelEdited_; }

  /// Makes `project` the open project, stored at `filePath`; `modified` marks it unsaved (a
  /// recovered project). The open case is the project's current case (or none).
  void setProject(Project project, const QString& filePath, bool modified = false);
  /// Reads a project file (readProjectFile); throws sfr::Error naming it, the open project stays.
  void open(const QString& filePath);
  /// Writes the project to its file (atomic) and clears the project-modified mark; throws
  /// sfr::Error naming the file. Label edits are saved separately (saveCaseLabel).
  void save();
  /// Writes the project to another file, which becomes its file.
  void saveAs(const QString& filePath);
  void close();

  /// Index of the case open in the viewer, -1 for none.
  int currentCaseIndex() const { return current_; }
  /// Records which case the viewer shows (-1: none). Clears the label-edited mark; not an edit.
  void setCurrentCase(int index);

  // Edits (each marks the project modified; out-of-range indices throw sfr::Error).
  void setCaseState(int index, CaseState state);
  void setCaseConfidence(int index, std::optional<double> confidence);
  /// A new prediction: its mask file and confidence; state Predicted or Flagged (by tau).
  void setCasePrediction(int index, const std::filesystem::path& mask, double confidence);
  void setLabelTable(const nlohmann::json& table);
  void setTrainingSettings(const nlohmann::json& settings);
  /// Appends a run; an unset (null) config or result becomes {}.
  void addRun(const RunRecord& run);
  /// The open case's label map changed (an edit, undo or redo).
  void noteLabelEdited();

  /// Where saveCaseLabel() writes: "<project file>.labels/<case id>.nii.gz".
  std::filesystem::path editedLabelPath(int index) const;
  /// Saves an edited label map of case `index` into the project's own label folder (the user's
  /// files are never overwritten), points the case at it, moves an unlabelled case to labelled
  /// and a predicted or flagged one to reviewed, and clears the label-edited mark when it is the
  /// open case. Throws sfr::Error naming the file.
  void saveCaseLabel(int index, const LabelVolume& label);

 Q_SIGNALS:
  /// Another project was opened, created or closed (everything may have changed).
  void projectReset();
  /// One case's fields changed.
  void caseChanged(int index);
  /// Any edit: project fields, a case or the open case's label map.
  void changed();
  /// hasUnsavedChanges() flipped.
  void unsavedChangesChanged(bool unsaved);
  void currentCaseChanged(int index);
  void filePathChanged();

 private:
  ProjectCase& mutableCase(int index);
  void markModified();
  void setFlags(bool projectModified, bool labelEdited);

  Project project_;
  QString filePath_;
  bool open_ = false;
  bool projectModified_ = false;
  bool labelEdited_ = false;
  int current_ = -1;
};

}  // namespace sfr::ui
