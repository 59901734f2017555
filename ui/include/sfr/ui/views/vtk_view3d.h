#pragma once
// The 3D view: label surfaces, the volume outline and (on request) direct volume rendering of the
// image, rotated/zoomed with the mouse (VTK trackball camera). It rebuilds its scene from the
// ViewerModel's signals and keeps no other state.
#include <vector>

#include <vtkSmartPointer.h>

#include "sfr/ui/views/vtk_opengl_widget.h"

class vtkActor;
class vtkVolume;

namespace sfr::ui {

class ViewerModel;

class VtkView3D : public VtkOpenGLWidget {
  Q_OBJECT

 public:
  explicit VtkView3D(ViewerModel* model, QWidget* parent = nullptr);
  ~VtkView3D() override;

  /// Number of label surface actors in the scene.
  int surfaceCount() const { return static_cast<int>(surfaces_.size()); }
  /// True while the volume rendering is part of the scene.
  bool showsVolume() const { return volume_ != nullptr; }
  /// Background colour of the renderer (tests count the pixels that differ from it).
  QColor backgroundColor() const;
  /// Looks at the volume from the front (anterior), superior up, slightly from the side.
  void resetCamera();

  QSize sizeHint() const override { return {320, 320}; }
  QSize minimumSizeHint() const override { return {120, 120}; }

 private:
  void rebuildImage();
  void rebuildSurfaces();
  void updateVolumeRendering();

  ViewerModel* model_;
  std::vector<vtkSmartPointer<vtkActor>> surfaces_;
  vtkSmartPointer<vtkActor> outline_;
  vtkSmartPointer<vtkVolume> volume_;
};

}  // namespace sfr::ui
