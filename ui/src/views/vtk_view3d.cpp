#include "sfr/ui/views/vtk_view3d.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkRenderer.h>
#include <vtkVolume.h>
#include <QColor>

#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/views/vtk_scene.h"

namespace sfr::ui {

namespace {
constexpr double kBackground[3] = {0.10, 0.10, 0.18};
}

VtkView3D::VtkView3D(ViewerModel* model, QWidget* parent) : VtkOpenGLWidget(parent), model_(model) {
  renderer()->SetBackground(kBackground[0], kBackground[1], kBackground[2]);
  connect(model_, &ViewerModel::imageChanged, this, &VtkView3D::rebuildImage);
  connect(model_, &ViewerModel::labelChanged, this, &VtkView3D::rebuildSurfaces);
  connect(model_, &ViewerModel::volumeRenderingChanged, this, &VtkView3D::updateVolumeRendering);
  connect(model_, &ViewerModel::windowLevelChanged, this, [this] {
    if (volume_) {
      setVolumeWindowLevel(volume_, model_->windowLevel());
      requestRender();
    }
  });
  rebuildImage();
  rebuildSurfaces();
}

VtkView3D::~VtkView3D() = default;

QColor VtkView3D::backgroundColor() const {
  return QColor::fromRgbF(kBackground[0], kBackground[1], kBackground[2]);
}

void VtkView3D::rebuildImage() {
  if (outline_) renderer()->RemoveActor(outline_);
  outline_ = nullptr;
  if (volume_) renderer()->RemoveVolume(volume_);
  volume_ = nullptr;
  if (model_->hasImage()) {
    outline_ = buildOutline(model_->image().geometry());
    renderer()->AddActor(outline_);
  }
  updateVolumeRendering();
  resetCamera();
}

void VtkView3D::rebuildSurfaces() {
  for (const auto& actor : surfaces_) renderer()->RemoveActor(actor);
  surfaces_.clear();
  if (const LabelVolume* label = model_->label()) surfaces_ = buildLabelSurfaces(*label);
  for (const auto& actor : surfaces_) renderer()->AddActor(actor);
  requestRender();
}

void VtkView3D::updateVolumeRendering() {
  const bool wanted = model_->volumeRenderingEnabled() && model_->hasImage();
  if (wanted && !volume_) {
    volume_ = buildVolumeRendering(model_->image(), model_->windowLevel());
    renderer()->AddVolume(volume_);
  } else if (!wanted && volume_) {
    renderer()->RemoveVolume(volume_);
    volume_ = nullptr;
  }
  requestRender();
}

void VtkView3D::resetCamera() {
  vtkCamera* camera = renderer()->GetActiveCamera();
  // LPS: the patient's front is -y and the head +z.
  camera->SetFocalPoint(0.0, 0.0, 0.0);
  camera->SetPosition(0.0, -1.0, 0.0);
  camera->SetViewUp(0.0, 0.0, 1.0);
  camera->Azimuth(-30.0);
  camera->Elevation(20.0);
  camera->OrthogonalizeViewUp();
  renderer()->ResetCamera();
  camera->Zoom(1.3);  // ResetCamera leaves a wide margin around the bounding box
  requestRender();
}

}  // namespace sfr::ui
