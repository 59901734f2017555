#pragma once
// Autosave without widgets: after the first unsaved change (a project edit or a label edit of the
// open case) it writes the recovery area within interval() ms (default 10 s, at most 30 s), then
// again after the next change. It never touches the project file or the user's label files.
//
// The timed writes run on a background thread: on a 512 x 512 x 300 label map the recovery write
// takes about 325 ms (bench_studio_io), which would freeze painting every interval; the GUI thread
// only copies the project and the label map (about 28 ms) and hears back when the write is done.
#include <QObject>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <thread>

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
  /// A timed write is running on the background thread.
  bool writing() const { return writing_; }

  ~AutosaveController() override;

 public Q_SLOTS:
  /// Writes the recovery area now, on the calling thread, when the project has unsaved changes
  /// (after a background write in flight has finished); returns false (and emits failed()) when
  /// the write fails, true otherwise.
  bool flush();
  /// Cancels a scheduled write, waits for one in flight and removes the recovery area (explicit
  /// save, clean exit).
  void discard();

 Q_SIGNALS:
  /// A timed write has taken its snapshot and runs on the background thread.
  void writeStarted();
  void autosaved();
  void failed(const QString& problem);

 private:
  void schedule();
  /// The timer's write: a snapshot on this thread, the files on the background thread.
  void writeInBackground();
  /// Joins the background write and reports it (autosaved() or failed()); no-op when none runs.
  void collectWrite();

  ProjectModel* project_;
  ViewerModel* viewer_;
  QTimer timer_;
  int writes_ = 0;
  std::thread writer_;
  bool writing_ = false;
  bool rewrite_ = false;       ///< a change came while writing: write again when it is done
  std::uint64_t writeId_ = 0;  ///< tells a stale completion message from the current write
  bool writeOk_ = true;        ///< written by the background thread before it posts completion
  QString writeProblem_;
};

}  // namespace sfr::ui
