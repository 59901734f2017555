#pragma once
// Autosave without widgets: after the first unsaved change (a project edit or a label edit of the
// open case) it writes the recovery area within interval() ms (default 10 s, at most 30 s), then
// again after the next change. It never touches the project file or the user's label files.
#include <QObject>
#include <QString>
#include <QTimer>

namespace sfr::ui {

class ProjectModel;
class ViewerModel;

class AutosaveController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDefaultIntervalMs = 10000;
  static constexpr int kMaxIntervalMs = 30000;

  AutosaveController(ProjectModel* project, ViewerModel* viewer, QObject* parent = nullptr);

  int interval() const { return timer_.interval(); }
  /// Clamped to 1..kMaxIntervalMs.
  void setInterval(int ms);
  /// A write is scheduled.
  bool pending() const { return timer_.isActive(); }
  /// Number of recovery writes so far.
  int writes() const { return writes_; }

 public Q_SLOTS:
  /// Writes the recovery area now when the project has unsaved changes; returns false (and
  /// emits failed()) when the write fails, true otherwise.
  bool flush();
  /// Cancels a scheduled write and removes the recovery area (explicit save, clean exit).
  void discard();

 Q_SIGNALS:
  void autosaved();
  void failed(const QString& problem);

 private:
  void schedule();

  ProjectModel* project_;
  ViewerModel* viewer_;
  QTimer timer_;
  int writes_ = 0;
};

}  // namespace sfr::ui
