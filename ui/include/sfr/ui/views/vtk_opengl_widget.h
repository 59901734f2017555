#pragma once
// Hosts a VTK render window in a Qt 6 QOpenGLWidget. Debian's VTK GUISupportQt is built against
// Qt 5, so this replaces QVTKOpenGLNativeWidget with the same technique (see the stack notes §3):
// VTK renders into its own framebuffer inside paintGL, which is then blitted into Qt's.
// Qt mouse/wheel events are forwarded to a vtkGenericRenderWindowInteractor whose renders are
// turned into update() calls, so all rendering happens in paintGL with Qt's context current.
#include <vtkSmartPointer.h>
#include <QOpenGLWidget>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;
class vtkRenderer;

namespace sfr::ui {

/// Makes OpenGL 3.2 core (double buffer, RGBA8, depth 24) the default for every context. Must run
/// before the QApplication is created: VTK 9 needs a core profile.
void setDefaultSurfaceFormat();

class VtkOpenGLWidget : public QOpenGLWidget {
  Q_OBJECT

 public:
  explicit VtkOpenGLWidget(QWidget* parent = nullptr);
  ~VtkOpenGLWidget() override;

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkRenderer* renderer() const;
  vtkGenericRenderWindowInteractor* interactor() const;
  /// Number of frames VTK has rendered so far (tests wait for the first).
  int renderedFrames() const { return renderedFrames_; }

 protected:
  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  void onRenderWindowEvent(vtkObject* caller, unsigned long eventId, void* callData);
  void releaseGraphics();
  void forwardMouse(QMouseEvent* event, unsigned long vtkEvent, int repeatCount = 0);

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> renderWindow_;
  vtkSmartPointer<vtkRenderer> renderer_;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
  unsigned long observerIds_[4] = {0, 0, 0, 0};
  unsigned long renderObserverId_ = 0;
  bool glReady_ = false;
  int renderedFrames_ = 0;
};

}  // namespace sfr::ui
