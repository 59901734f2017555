#include "sfr/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QImageWriter>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QSaveFile>
#include <QSlider>
#include <QStatusBar>
#include <QThread>
#include <cmath>
#include <exception>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/views/edit_actions.h"
#include "sfr/ui/editing/views/edit_tools_panel.h"
#include "sfr/ui/model/dropped_files.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/volume_files.h"
#include "sfr/ui/project/views/case_list_dock.h"
#include "sfr/ui/views/language_menu.h"
#include "sfr/ui/views/slice_view.h"
#include "sfr/ui/views/vtk_view3d.h"

namespace sfr::ui {

namespace {

// Busy cursor for the duration of a read, restored on every exit path.
struct WaitCursor {
  WaitCursor() { QApplication::setOverrideCursor(Qt::WaitCursor); }
  ~WaitCursor() { QApplication::restoreOverrideCursor(); }
  WaitCursor(const WaitCursor&) = delete;
  WaitCursor& operator=(const WaitCursor&) = delete;
};

QStringList localFiles(const QMimeData* mime) {
  QStringList files;
  if (!mime || !mime->hasUrls()) return files;
  for (const QUrl& url : mime->urls())
    if (url.isLocalFile()) files << url.toLocalFile();
  return files;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      model_(new ViewerModel(this)),
      axial_(new SliceView(model_, SliceAxis::Axial)),
      coronal_(new SliceView(model_, SliceAxis::Coronal)),
      sagittal_(new SliceView(model_, SliceAxis::Sagittal)),
      view3D_(new VtkView3D(model_)),
      cursorLabel_(new QLabel),
      opacitySlider_(new QSlider(Qt::Horizontal)),
      editing_(new LabelEditingModel(model_, this)),
      editActions_(new EditActions(editing_, this)),
      toolsPanel_(new EditToolsPanel(editing_, editActions_)),
      toolsDock_(new QDockWidget(tr("Label Editing"))) {
  auto* central = new QWidget;
  auto* grid = new QGridLayout(central);
  grid->setContentsMargins(2, 2, 2, 2);
  grid->setSpacing(2);
  grid->addWidget(axial_, 0, 0);
  grid->addWidget(coronal_, 0, 1);
  grid->addWidget(sagittal_, 1, 0);
  grid->addWidget(view3D_, 1, 1);
  grid->setRowStretch(0, 1);
  grid->setRowStretch(1, 1);
  grid->setColumnStretch(0, 1);
  grid->setColumnStretch(1, 1);
  setCentralWidget(central);
  for (SliceView* view : {axial_, coronal_, sagittal_}) view->setEditingModel(editing_);
  toolsDock_->setObjectName(QStringLiteral("labelEditingDock"));
  toolsDock_->setWidget(toolsPanel_);
  toolsDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::RightDockWidgetArea, toolsDock_);

  statusBar()->addWidget(cursorLabel_, 1);
  connect(model_, &ViewerModel::cursorChanged, this,
          [this] { cursorLabel_->setText(model_->describeCursor()); });
  cursorLabel_->setText(model_->describeCursor());

  opacitySlider_->setRange(0, 100);
  opacitySlider_->setValue(static_cast<int>(std::lround(model_->labelOpacity() * 100.0)));
  opacitySlider_->setMaximumWidth(140);
  opacitySlider_->setToolTip(tr("Opacity of the label overlay"));
  statusBar()->addPermanentWidget(new QLabel(tr("Label opacity")));
  statusBar()->addPermanentWidget(opacitySlider_);
  connect(opacitySlider_, &QSlider::valueChanged, model_,
          [this](int percent) { model_->setLabelOpacity(percent / 100.0); });
  connect(model_, &ViewerModel::labelOpacityChanged, opacitySlider_, [this] {
    opacitySlider_->setValue(static_cast<int>(std::lround(model_->labelOpacity() * 100.0)));
  });

  setUpProjects();
  setUpTraining();
  setUpMosaic();
  buildMenus();
  setAcceptDrops(true);
  resize(1380, 860);
  updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* openImage = file->addAction(tr("Open &Image..."), this, &MainWindow::chooseImageFile);
  openImage->setShortcut(QKeySequence::Open);
  QAction* openLabel = file->addAction(tr("Open &Label..."), this, &MainWindow::chooseLabelFile);
  openLabel->setShortcut(QKeySequence(tr("Ctrl+L")));
  file->addAction(tr("Open &Demo Phantom"), this, &MainWindow::openDemo);
  addProjectActions(file);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(editActions_->undoAction());
  edit->addAction(editActions_->redoAction());
  edit->addSeparator();
  edit->addActions(editActions_->toolActions());

  QMenu* view = menuBar()->addMenu(tr("&View"));
  volumeRenderingAction_ = view->addAction(tr("&Volume Rendering"));
  volumeRenderingAction_->setCheckable(true);
  volumeRenderingAction_->setShortcut(QKeySequence(tr("Ctrl+R")));
  connect(volumeRenderingAction_, &QAction::toggled, model_,
          &ViewerModel::setVolumeRenderingEnabled);
  connect(model_, &ViewerModel::volumeRenderingChanged, volumeRenderingAction_,
          &QAction::setChecked);
  view->addAction(tr("Reset &Window/Level"), model_, &ViewerModel::resetWindowLevel);
  view->addAction(tr("Reset 3D &Camera"), view3D_, &VtkView3D::resetCamera);
  view->addSeparator();
  view->addAction(toolsDock_->toggleViewAction());
  view->addAction(caseDock_->toggleViewAction());
  view->addAction(trainingDock_->toggleViewAction());
  view->addAction(mosaicDock_->toggleViewAction());
  view->addSeparator();
  view->addMenu(createLanguageMenu(this));
}

SliceView* MainWindow::sliceView(SliceAxis axis) const {
  switch (axis) {
    case SliceAxis::Axial:
      return axial_;
    case SliceAxis::Coronal:
      return coronal_;
    case SliceAxis::Sagittal:
      return sagittal_;
  }
  return axial_;
}

QString MainWindow::cursorStatusText() const {
  return cursorLabel_->text();
}

void MainWindow::chooseImageFile() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open Image"), lastFolder_,
      tr("Volumes (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)"));
  if (!path.isEmpty()) openImageFile(path);
}

void MainWindow::chooseLabelFile() {
  if (!model_->hasImage()) {
    QMessageBox::information(this, tr("Open Label"), tr("Open an image first."));
    return;
  }
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open Label"), lastFolder_,
      tr("Label maps (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)"));
  if (!path.isEmpty()) openLabelFile(path);
}

bool MainWindow::openImageFile(const QString& path) {
  lastFolder_ = QFileInfo(path).absolutePath();
  OpenedImage opened;
  try {
    const WaitCursor busy;
    opened = sfr::ui::openImageFile(path, spacing_);
  } catch (const Error& e) {
    showOpenError(path, QString::fromStdString(e.problem()));
    return false;
  }
  showOpened(std::move(opened), path);
  return true;
}

bool MainWindow::openLabelFile(const QString& path) {
  lastFolder_ = QFileInfo(path).absolutePath();
  try {
    const WaitCursor busy;
    LabelVolume label = sfr::ui::openLabelFile(path, spacing_);
    model_->setLabel(std::move(label), QFileInfo(path).fileName());
  } catch (const Error& e) {
    showOpenError(path, QString::fromStdString(e.problem()));
    return false;
  }
  updateTitle();
  return true;
}

void MainWindow::openDemo() {
  showOpened(openDemoCase(), QString());
}

void MainWindow::showOpened(OpenedImage opened, const QString& path) {
  model_->clearLabel();
  model_->setImage(std::move(opened.image), opened.name);
  if (opened.label) {
    try {
      model_->setLabel(std::move(*opened.label), opened.name);
    } catch (const Error& e) {
      opened.labelProblem = QString::fromStdString(e.problem());
    }
  }
  if (!opened.labelProblem.isEmpty())
    statusBar()->showMessage(
        tr("%1 has no usable label map: %2").arg(QFileInfo(path).fileName(), opened.labelProblem),
        8000);
  updateTitle();
}

void MainWindow::showOpenError(const QString& path, const QString& problem) {
  Q_EMIT openFailed(path, problem);
  if (!errorDialogs_) return;
  QMessageBox box(QMessageBox::Critical, tr("Cannot Open File"),
                  tr("Could not open \"%1\".").arg(QDir::toNativeSeparators(path)), QMessageBox::Ok,
                  this);
  box.setObjectName(QStringLiteral("openErrorDialog"));
  box.setInformativeText(problem);
  box.exec();
}

void MainWindow::updateTitle() {
  QString title = tr("SFR Studio");
  if (model_->hasImage()) {
    title = tr("%1 - SFR Studio").arg(model_->imageName());
    if (model_->hasLabel() && model_->labelName() != model_->imageName())
      title = tr("%1 + %2 - SFR Studio").arg(model_->imageName(), model_->labelName());
  }
  setWindowTitle(projectTitlePrefix() + title);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!localFiles(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QStringList files = localFiles(event->mimeData());
  if (files.isEmpty()) return;
  event->acceptProposedAction();
  const DroppedFiles dropped = classifyDroppedFiles(files);
  if (!dropped.image.isEmpty()) {
    if (!openImageFile(dropped.image)) return;
    if (!dropped.label.isEmpty()) openLabelFile(dropped.label);
  } else if (model_->hasImage()) {
    openLabelFile(dropped.label);
  } else {
    // A label map alone is still a volume worth looking at.
    openImageFile(dropped.label);
  }
}

bool MainWindow::saveScreenshot(const QString& path, int timeoutMs) {
  editing_->flushSurfaceUpdate();  // the picture shows the latest edits in 3D too
  QDeadlineTimer deadline(timeoutMs);
  while (view3D_->renderedFrames() == 0 && !deadline.hasExpired()) {
    QApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(10);
  }
  QApplication::processEvents();
  QImage picture = grab().toImage();
  // The 3D view draws into a native child window that grab() cannot see: paint its frame in.
  if (view3D_->isVisible() && !view3D_->visibleRegion().isEmpty()) {
    const QImage frame = view3D_->grabFramebuffer();
    if (!frame.isNull()) {
      QPainter painter(&picture);
      painter.drawImage(QRect(view3D_->mapTo(this, QPoint(0, 0)), view3D_->size()), frame);
    }
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  QImageWriter writer(&file, QFileInfo(path).suffix().toLatin1());
  if (!writer.write(picture)) return false;
  return file.commit();
}

}  // namespace sfr::ui
