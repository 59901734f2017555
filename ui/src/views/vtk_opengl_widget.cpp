#include "sfr/ui/views/vtk_opengl_widget.h"

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkRenderer.h>
#include <QCoreApplication>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLWindow>
#include <QSurfaceFormat>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace sfr::ui {

void setDefaultSurfaceFormat() {
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setSwapBehavior(QSurfaceFormat::DoubleBuffer);
  format.setRedBufferSize(8);
  format.setGreenBufferSize(8);
  format.setBlueBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(0);
  format.setSamples(0);
  QSurfaceFormat::setDefaultFormat(format);
}

// The native OpenGL surface. It only hands its GL callbacks and its input to the widget, so the
// widget's handlers serve events sent to either (the window system sends them to this window,
// tests and accessibility to the widget).
class VtkOpenGLWidget::Surface : public QOpenGLWindow {
 public:
  explicit Surface(VtkOpenGLWidget* owner)
      : QOpenGLWindow(QOpenGLWindow::NoPartialUpdate), owner_(owner) {
    // Keyboard focus stays with the widgets, so the main window's shortcuts keep working after
    // a click into the 3D view.
    setFlag(Qt::WindowDoesNotAcceptFocus);
  }
  void detach() { owner_ = nullptr; }

 protected:
  void initializeGL() override {
    if (owner_) owner_->initializeGraphics();
  }
  void resizeGL(int w, int h) override {
    if (owner_) owner_->resizeGraphics(w, h);
  }
  void paintGL() override {
    if (owner_) owner_->paintGraphics();
  }
  bool event(QEvent* event) override {
    switch (event->type()) {
      case QEvent::MouseButtonPress:
      case QEvent::MouseButtonRelease:
      case QEvent::MouseButtonDblClick:
      case QEvent::MouseMove:
      case QEvent::Wheel:
        if (owner_) return QCoreApplication::sendEvent(owner_, event);
        break;
      default:
        break;
    }
    return QOpenGLWindow::event(event);
  }

 private:
  VtkOpenGLWidget* owner_;
};

VtkOpenGLWidget::VtkOpenGLWidget(QWidget* parent)
    : QWidget(parent),
      renderWindow_(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New()),
      renderer_(vtkSmartPointer<vtkRenderer>::New()),
      interactor_(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New()) {
  setFocusPolicy(Qt::ClickFocus);
  // The container is native, and so become its ancestors; its siblings need not.
  QCoreApplication::setAttribute(Qt::AA_DontCreateNativeWidgetSiblings);
  surface_ = new Surface(this);
  QWidget* container = QWidget::createWindowContainer(surface_, this);
  container->setFocusPolicy(Qt::NoFocus);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(container);

  renderWindow_->AddRenderer(renderer_);
  // Nothing may render before Qt has created the context (initializeGL).
  renderWindow_->SetReadyForRendering(false);
  // We blit VTK's framebuffer into Qt's ourselves in paintGL.
  renderWindow_->SetFrameBlitModeToNoBlit();
  const unsigned long events[] = {vtkCommand::WindowMakeCurrentEvent,
                                  vtkCommand::WindowIsCurrentEvent, vtkCommand::WindowFrameEvent,
                                  vtkCommand::EndEvent};
  for (int n = 0; n < 4; ++n)
    observerIds_[n] =
        renderWindow_->AddObserver(events[n], this, &VtkOpenGLWidget::onRenderWindowEvent);

  interactor_->SetRenderWindow(renderWindow_);
  interactor_->SetInteractorStyle(vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New());
  // Interaction only requests a repaint; paintGL does the render with Qt's context current.
  interactor_->EnableRenderOff();
  renderObserverId_ = interactor_->AddObserver(vtkCommand::RenderEvent, this,
                                               &VtkOpenGLWidget::onRenderWindowEvent);
  interactor_->Initialize();
}

VtkOpenGLWidget::~VtkOpenGLWidget() {
  // The surface outlives this destructor (the container, a child, deletes it later): it must not
  // call back, and the aboutToBeDestroyed connection must not run into a destroyed object.
  surface_->detach();
  if (QOpenGLContext* context = surface_->context()) {
    disconnect(context, nullptr, this, nullptr);
    if (glReady_) {
      surface_->makeCurrent();
      releaseGraphics();
      surface_->doneCurrent();
    }
  }
  interactor_->RemoveObserver(renderObserverId_);
  for (unsigned long id : observerIds_) renderWindow_->RemoveObserver(id);
}

vtkGenericOpenGLRenderWindow* VtkOpenGLWidget::renderWindow() const {
  return renderWindow_;
}
vtkRenderer* VtkOpenGLWidget::renderer() const {
  return renderer_;
}
vtkGenericRenderWindowInteractor* VtkOpenGLWidget::interactor() const {
  return interactor_;
}

void VtkOpenGLWidget::requestRender() {
  surface_->update();
}

QImage VtkOpenGLWidget::grabFramebuffer() {
  if (!glReady_ || !surface_->context()) return {};
  // Render once more and read the back buffer before any swap: after a swap its contents are
  // undefined, so reading the window's framebuffer later would not be a picture of the scene.
  surface_->makeCurrent();
  paintGraphics();
  const qreal dpr = surface_->devicePixelRatio();
  const int w = static_cast<int>(surface_->width() * dpr),
            h = static_cast<int>(surface_->height() * dpr);
  QImage image(w, h, QImage::Format_RGBA8888);
  QOpenGLExtraFunctions* f = surface_->context()->extraFunctions();
  f->glBindFramebuffer(GL_READ_FRAMEBUFFER, surface_->defaultFramebufferObject());
  if (surface_->defaultFramebufferObject() == 0) f->glReadBuffer(GL_BACK);
  f->glPixelStorei(GL_PACK_ALIGNMENT, 4);
  f->glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, image.bits());
  surface_->doneCurrent();
  image = image.mirrored();  // OpenGL rows run bottom-up
  image.setDevicePixelRatio(dpr);
  return image;
}

void VtkOpenGLWidget::releaseGraphics() {
  if (!glReady_) return;
  renderer_->ReleaseGraphicsResources(renderWindow_);
  renderWindow_->Finalize();
  renderWindow_->SetReadyForRendering(false);
  glReady_ = false;
}

void VtkOpenGLWidget::onRenderWindowEvent(vtkObject*, unsigned long eventId, void* callData) {
  QOpenGLContext* context = surface_->context();
  switch (eventId) {
    case vtkCommand::WindowMakeCurrentEvent:
      // NOT QOpenGLWindow::makeCurrent(): that rebinds Qt's framebuffer behind vtkOpenGLState's
      // cache and VTK then attaches its textures to it (stack notes §3, the costly pitfall).
      if (context && QOpenGLContext::currentContext() != context) context->makeCurrent(surface_);
      break;
    case vtkCommand::WindowIsCurrentEvent:
      *static_cast<bool*>(callData) =
          context != nullptr && QOpenGLContext::currentContext() == context;
      break;
    case vtkCommand::WindowFrameEvent:
      break;  // presenting is Qt's job
    case vtkCommand::EndEvent:
      ++renderedFrames_;
      break;
    case vtkCommand::RenderEvent:
      requestRender();
      break;
    default:
      break;
  }
}

void VtkOpenGLWidget::initializeGraphics() {
  renderWindow_->SetForceMaximumHardwareLineWidth(1);
  renderWindow_->SetOwnContext(0);
  renderWindow_->SetReadyForRendering(true);
  renderWindow_->OpenGLInitContext();
  glReady_ = true;
  // The context may go away before the widget does (the surface is destroyed or re-created).
  connect(surface_->context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] {
    surface_->makeCurrent();
    releaseGraphics();
    surface_->doneCurrent();
  });
}

void VtkOpenGLWidget::resizeGraphics(int w, int h) {
  const double dpr = surface_->devicePixelRatio();
  interactor_->UpdateSize(static_cast<int>(w * dpr), static_cast<int>(h * dpr));
}

void VtkOpenGLWidget::paintGraphics() {
  if (!glReady_) return;
  renderWindow_->Render();

  vtkOpenGLFramebufferObject* rendered = renderWindow_->GetRenderFramebuffer();
  if (!rendered) return;  // VTK could not set up its framebuffer; it has logged why

  QOpenGLExtraFunctions* f = surface_->context()->extraFunctions();
  f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, surface_->defaultFramebufferObject());
  if (surface_->defaultFramebufferObject() != 0) {
    // The window's own framebuffer (0) draws to its back buffer already.
    const GLenum buffers[1] = {GL_COLOR_ATTACHMENT0};
    f->glDrawBuffers(1, buffers);
  }
  const int* size = rendered->GetLastSize();
  const double dpr = surface_->devicePixelRatio();
  const int w = static_cast<int>(surface_->width() * dpr),
            h = static_cast<int>(surface_->height() * dpr);
  renderWindow_->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, w, h, GL_COLOR_BUFFER_BIT,
                                        GL_LINEAR);
  // Opaque alpha, else Mesa blends the picture with whatever is behind the window.
  GLboolean mask[4];
  f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
  GLfloat clear[4];
  f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
  f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  f->glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
  f->glClear(GL_COLOR_BUFFER_BIT);
  f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
  f->glClearColor(clear[0], clear[1], clear[2], clear[3]);
}

void VtkOpenGLWidget::forwardMouse(QMouseEvent* event, unsigned long vtkEvent, int repeatCount) {
  const double dpr = devicePixelRatioF();
  const QPointF p = event->position() * dpr;
  const Qt::KeyboardModifiers mods = event->modifiers();
  interactor_->SetEventInformationFlipY(static_cast<int>(p.x()), static_cast<int>(p.y()),
                                        (mods & Qt::ControlModifier) ? 1 : 0,
                                        (mods & Qt::ShiftModifier) ? 1 : 0, 0, repeatCount);
  interactor_->SetAltKey((mods & Qt::AltModifier) ? 1 : 0);
  interactor_->InvokeEvent(vtkEvent, nullptr);
  event->accept();
}

namespace {
unsigned long pressEvent(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton:
      return vtkCommand::LeftButtonPressEvent;
    case Qt::MiddleButton:
      return vtkCommand::MiddleButtonPressEvent;
    case Qt::RightButton:
      return vtkCommand::RightButtonPressEvent;
    default:
      return vtkCommand::NoEvent;
  }
}
unsigned long releaseEvent(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton:
      return vtkCommand::LeftButtonReleaseEvent;
    case Qt::MiddleButton:
      return vtkCommand::MiddleButtonReleaseEvent;
    case Qt::RightButton:
      return vtkCommand::RightButtonReleaseEvent;
    default:
      return vtkCommand::NoEvent;
  }
}
}  // namespace

void VtkOpenGLWidget::mousePressEvent(QMouseEvent* event) {
  setFocus(Qt::MouseFocusReason);  // the native surface takes no focus itself
  if (const unsigned long e = pressEvent(event->button()); e != vtkCommand::NoEvent)
    forwardMouse(event, e);
}

void VtkOpenGLWidget::mouseDoubleClickEvent(QMouseEvent* event) {
  // VTK reads double clicks from the repeat count of a press.
  if (const unsigned long e = pressEvent(event->button()); e != vtkCommand::NoEvent)
    forwardMouse(event, e, 1);
}

void VtkOpenGLWidget::mouseReleaseEvent(QMouseEvent* event) {
  if (const unsigned long e = releaseEvent(event->button()); e != vtkCommand::NoEvent)
    forwardMouse(event, e);
}

void VtkOpenGLWidget::mouseMoveEvent(QMouseEvent* event) {
  forwardMouse(event, vtkCommand::MouseMoveEvent);
}

void VtkOpenGLWidget::wheelEvent(QWheelEvent* event) {
  const double dpr = devicePixelRatioF();
  const QPointF p = event->position() * dpr;
  interactor_->SetEventInformationFlipY(static_cast<int>(p.x()), static_cast<int>(p.y()));
  const int delta = event->angleDelta().y();
  if (delta > 0) interactor_->InvokeEvent(vtkCommand::MouseWheelForwardEvent, nullptr);
  if (delta < 0) interactor_->InvokeEvent(vtkCommand::MouseWheelBackwardEvent, nullptr);
  event->accept();
}

}  // namespace sfr::ui
