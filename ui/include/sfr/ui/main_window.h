#pragma once
// The studio's main window: axial, coronal, sagittal and 3D views in a 2x2 grid around one
// ViewerModel, File/View menus, drag and drop of files, and a status bar describing the voxel
// under the cursor. Reading errors become a dialog naming the file; the window always survives.
// Label editing: a LabelEditingModel drives the slice views' tools, its panel is a dock on the
// right, and the Edit menu holds undo/redo and every tool with its shortcut.
// Projects (main_window_project.cpp): File > New Project from Folder / Open Project / Save
// Project / Export Masks / recent projects, the "Cases" dock, autosave and crash recovery.
#include <QMainWindow>
#include <optional>

#include "sfr/base/geometry.h"
#include "sfr/ui/model/slice_plane.h"

class QAction;
class QCloseEvent;
class QDockWidget;
class QLabel;
class QMenu;
class QSlider;

namespace sfr::ui {

class AutosaveController;
class CaseListDock;
class CaseListModel;
class EditActions;
class EditToolsPanel;
class ProjectModel;
struct MaskExportOptions;
struct RecoveryJournal;
class LabelEditingModel;
class LivePreviewModel;
class MosaicModel;
class MosaicView;
class PreviewLayer;
class SliceView;
class TrainingController;
class TrainingPanel;
class ViewerModel;
class VtkView3D;
struct OpenedImage;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  ViewerModel* model() const { return model_; }
  SliceView* sliceView(SliceAxis axis) const;
  VtkView3D* view3D() const { return view3D_; }
  QAction* volumeRenderingAction() const { return volumeRenderingAction_; }
  LabelEditingModel* editingModel() const { return editing_; }
  EditActions* editActions() const { return editActions_; }
  EditToolsPanel* toolsPanel() const { return toolsPanel_; }
  QDockWidget* toolsDock() const { return toolsDock_; }
  /// Status-bar slider for the label overlay opacity, 0..100 %.
  QSlider* labelOpacitySlider() const { return opacitySlider_; }
  /// The text the status bar shows about the cursor.
  QString cursorStatusText() const;

  /// When false, reading errors are only reported through openFailed() (batch use such as
  /// --screenshot, where a modal dialog would block); default true.
  void setErrorDialogsEnabled(bool enabled) { errorDialogs_ = enabled; }

  /// Spacing used for files that store none (the LA HDF5 files); from --spacing.
  void setSpacingOverride(const std::optional<Vec3>& spacing) { spacing_ = spacing; }

  /// Opens an image the way File > Open Image does after the file dialog (also used by drops and
  /// the command line). A failure shows an error dialog naming the file and returns false; the
  /// current volumes stay.
  bool openImageFile(const QString& path);
  /// Opens a label map on the current image; failures as openImageFile().
  bool openLabelFile(const QString& path);
  /// Opens the built-in phantom case (image and label).
  void openDemo();

  /// Waits (up to `timeoutMs`) until the 3D view has rendered, then saves a picture of the whole
  /// window to `path` (format from the extension). Returns false when the file cannot be written.
  bool saveScreenshot(const QString& path, int timeoutMs = 10000);

  // Projects (main_window_project.cpp). Failures show a dialog naming the file and return false.
  ProjectModel* projectModel() const { return project_; }
  AutosaveController* autosave() const { return autosave_; }
  CaseListDock* caseListDock() const { return caseDock_; }
  /// Creates a project from a folder (MSD, LA or plain), writes it to `projectFile` and opens its
  /// first case.
  bool newProjectFromFolder(const QString& folder, const QString& projectFile);
  /// Opens a project file and its current case; when an autosave newer than the file exists,
  /// offers to recover it (dialog "recoveryDialog"; see setRecoverWithoutAsking).
  bool openProjectFile(const QString& path);
  /// Saves the open case's label edits (into "<project>.labels/") and the project file, then
  /// removes the autosave.
  bool saveProject();
  /// Opens case `index`; unsaved label edits are offered for saving first (dialog
  /// "saveChangesDialog": Save / Discard / Cancel). False when cancelled or unreadable.
  bool openCase(int index);
  /// Writes the selected masks and the label table; asks before overwriting (dialog
  /// "overwriteDialog", No by default).
  bool exportMasks(const MaskExportOptions& options);
  /// Recovery is accepted without a dialog (--accept-recovery).
  void setRecoverWithoutAsking(bool recover) { recoverWithoutAsking_ = recover; }
  /// Whether the last openProjectFile() found an autosave to recover.
  bool recoveryOffered() const { return recoveryOffered_; }
  /// Opens the most recent project that has an autosave to recover (start without arguments
  /// after a crash); false when there is none.
  bool reopenCrashedProject();
  /// Recent project files, newest first (QSettings).
  QStringList recentProjects() const;

  // Training and review (main_window_training.cpp): the "Training" dock, the worker it
  // supervises and the live preview drawn over the slice views.
  TrainingController* trainingController() const { return training_; }
  LivePreviewModel* livePreview() const { return preview_; }
  TrainingPanel* trainingPanel() const { return trainingPanel_; }
  QDockWidget* trainingDock() const { return trainingDock_; }

  // The stitched-grid view (main_window_mosaic.cpp): the "Mosaic" dock (View > Mosaic).
  MosaicModel* mosaicModel() const { return mosaic_; }
  MosaicView* mosaicView() const { return mosaicView_; }
  QDockWidget* mosaicDock() const { return mosaicDock_; }

 Q_SIGNALS:
  /// A file could not be opened (also shown as a dialog when error dialogs are enabled).
  void openFailed(const QString& path, const QString& problem);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void chooseImageFile();
  void chooseLabelFile();
  void showOpenError(const QString& path, const QString& problem);
  void showOpened(OpenedImage opened, const QString& path);
  void updateTitle();
  // Projects (main_window_project.cpp).
  void setUpProjects();
  void addProjectActions(QMenu* file);
  void chooseProjectFolder();
  void chooseProjectFile();
  void chooseExportOptions();
  void fillRecentMenu();
  void rememberRecentProject(const QString& path);
  /// Save / Discard / Cancel for unsaved changes; Discard drops the autosave too when
  /// `leavingProject`. False when cancelled or the save failed.
  bool askToSaveChanges(bool leavingProject);
  bool askToRecover(const RecoveryJournal& journal, const QString& path);
  bool restoreRecovery(const RecoveryJournal& journal);
  bool openCaseNow(int index);
  void showProjectError(const QString& title, const QString& subject, const QString& problem);
  QString projectTitlePrefix() const;
  // Training (main_window_training.cpp).
  void setUpTraining();
  void syncTrainingWithProject();
  // Mosaic (main_window_mosaic.cpp).
  void setUpMosaic();

  ViewerModel* model_;
  SliceView* axial_;
  SliceView* coronal_;
  SliceView* sagittal_;
  VtkView3D* view3D_;
  QLabel* cursorLabel_;
  QSlider* opacitySlider_;
  QAction* volumeRenderingAction_ = nullptr;
  LabelEditingModel* editing_;
  EditActions* editActions_;
  EditToolsPanel* toolsPanel_;
  QDockWidget* toolsDock_;
  std::optional<Vec3> spacing_;
  bool errorDialogs_ = true;
  QString lastFolder_;
  ProjectModel* project_ = nullptr;
  AutosaveController* autosave_ = nullptr;
  CaseListModel* caseModel_ = nullptr;
  CaseListDock* caseDock_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  bool recoverWithoutAsking_ = false;
  bool recoveryOffered_ = false;
  bool openingCase_ = false;
  bool syncingLabelTable_ = false;
  TrainingController* training_ = nullptr;
  LivePreviewModel* preview_ = nullptr;
  TrainingPanel* trainingPanel_ = nullptr;
  QDockWidget* trainingDock_ = nullptr;
  MosaicModel* mosaic_ = nullptr;
  MosaicView* mosaicView_ = nullptr;
  QDockWidget* mosaicDock_ = nullptr;
};

}  // namespace sfr::ui
