#pragma once
// Hosts a VTK render window in Qt 6. Debian's VTK GUISupportQt is built against Qt 5, so this
// replaces QVTKOpenGLNativeWidget with the same technique (see the stack notes §3): VTK renders
// into its own framebuffer inside paintGL, which is then blitted into Qt's.
//
// The OpenGL surface is a QOpenGLWindow in a window container, not a QOpenGLWidget: a
// QOpenGLWidget makes Qt compose the WHOLE top-level window through OpenGL on every repaint of
// any widget. Under a software renderer (Mesa llvmpipe, as on Xvfb) that costs 50-100 ms per
// frame on 2 cores and held the studio's event loop that long while training updated the
// progress labels; with the container the rest of the window stays raster-composed and only
// the 3D view itself is drawn with OpenGL, when it changes.
//
// Qt mouse/wheel events are forwarded to a vtkGenericRenderWindowInteractor whose renders are
// turned into requestRender() calls, so all rendering happens in paintGL with Qt's context
// current.
#include <vtkSmartPointer.h>
#include <QImage>
#include <QWidget>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkObject;
class vtkRenderer;

namespace sfr::ui {

/// Makes OpenGL 3.2 core (double buffer, RGBA8, depth 24) the default for every context. Must run
/// before the QApplication is created: VTK 9 needs a core profile.
void setDefaultSurfaceFormat();

class VtkOpenGLWidget : public QWidget {
  Q_OBJECT

 public:
  explicit VtkOpenGLWidget(QWidget* parent = nullptr);
  ~VtkOpenGLWidget() override;

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkRenderer* renderer() const;
  vtkGenericRenderWindowInteractor* interactor() const;
  /// Number of frames VTK has rendered so far (tests wait for the first).
  int renderedFrames() const { return renderedFrames_; }
  /// Schedules one render of the scene (the next frame the window system asks for).
  void requestRender();
  /// The last rendered frame at device pixels: the GL surface is a native child window, so
  /// QWidget::grab() of this widget or an ancestor does not contain it.
  QImage grabFramebuffer();
  /// True once the GL surface has rendered and can be grabbed.
  bool graphicsReady() const { return glReady_; }

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  class Surface;
  friend class Surface;

  void initializeGraphics();
  void resizeGraphics(int w, int h);
  void paintGraphics();
  void onRenderWindowEvent(vtkObject* caller, unsigned long eventId, void* callData);
  void releaseGraphics();
  void forwardMouse(QMouseEvent* event, unsigned long vtkEvent, int repeatCount = 0);

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> renderWindow_;
  vtkSmartPointer<vtkRenderer> renderer_;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
  Surface* surface_ = nullptr;  ///< owned by the window container, a child of this widget
  unsigned long observerIds_[4] = {0, 0, 0, 0};
  unsigned long renderObserverId_ = 0;
  bool glReady_ = false;
  int renderedFrames_ = 0;
};

}  // namespace sfr::ui
