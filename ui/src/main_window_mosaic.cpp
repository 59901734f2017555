// The stitched-grid half of the main window: a MosaicModel on the viewer, the live preview and
// the label table, shown by a MosaicView in the "Mosaic" dock (tabbed with the other right-hand
// docks). The crop follows the cpu preset: LA-like cases (LA projects, the demo phantom, files
// opened without a project) 64 x 64 x 32 on 512², MSD and plain folders 48 x 48 x 32 on 384².
#include <QDockWidget>

#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/mosaic_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/views/mosaic_view.h"

namespace sfr::ui {

void MainWindow::setUpMosaic() {
  mosaic_ = new MosaicModel(model_, preview_, editing_->labelTable(), this);
  mosaicView_ = new MosaicView(mosaic_);
  mosaicDock_ = new QDockWidget(tr("Mosaic"));
  mosaicDock_->setObjectName(QStringLiteral("mosaicDock"));
  mosaicDock_->setWidget(mosaicView_);
  mosaicDock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                           QDockWidget::DockWidgetClosable);
  addDockWidget(Qt::RightDockWidgetArea, mosaicDock_);
  tabifyDockWidget(toolsDock_, mosaicDock_);
  toolsDock_->raise();
  connect(editing_, &LabelEditingModel::labelEdited, mosaic_, &MosaicModel::invalidate);
  connect(model_, &ViewerModel::imageChanged, mosaic_, [this] {
    const bool laLike = !project_ || !project_->isOpen() || project_->project().layout == "la";
    const MosaicSettings wanted = MosaicSettings::cpuPreset(laLike);
    if (wanted.crop != mosaic_->settings().crop || wanted.canvas != mosaic_->settings().canvas)
      mosaic_->setSettings(wanted);
  });
}

}  // namespace sfr::ui
