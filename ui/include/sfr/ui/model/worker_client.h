#pragma once
// The studio's side of the `sfr serve` JSON-lines protocol (docs/protocol.md, version 1). The
// engine runs in a child process so that the studio never links LibTorch and never blocks on
// training: everything here is asynchronous (QProcess signals), nothing waits on the worker.
#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace sfr::ui {

/// Owns one `sfr serve` process: writes requests (one JSON object per line, `"v": 1`, ids 1, 2,
/// 3, ... per client), parses every stdout line into a reply, an error or an event and emits a
/// typed signal for it; stderr is kept as the worker's log.
///
/// Crashes: when the process dies without having been asked to (a signal, a non-zero exit, a
/// zero exit without a shutdown request, or a failure to start), workerLost() is emitted once and
/// the client can be started again with start(). A run that was running or paused in the lost
/// worker is continued by the new one with `startRun(config, runDir, /*resume=*/true)`: the worker
/// resumes from the latest checkpoint in `runDir` (written every `checkpoint_every` iterations),
/// so the iterations after that checkpoint are trained again and their events repeat
/// (TrainingRunModel replaces the repeated points of its loss series).
///
/// Malformed worker output (not JSON, not an object, wrong version, missing `type`, unknown
/// `type`) is reported through malformedLine() and otherwise ignored.
class WorkerClient : public QObject {
  Q_OBJECT

 public:
  explicit WorkerClient(QObject* parent = nullptr);
  /// Ends the worker the way the protocol allows a run to save its state: closes its stdin (the
  /// worker then stops a running run, saving it, and exits), waits up to 5 s, then kills it.
  ~WorkerClient() override;

  /// `sfr` next to the running executable (where the studio's package installs it).
  static QString defaultProgram();

  /// The executable and its arguments; the default arguments are {"serve"}. Takes effect at the
  /// next start().
  void setProgram(const QString& program, const QStringList& arguments = {QStringLiteral("serve")});
  const QString& program() const { return program_; }
  const QStringList& arguments() const { return arguments_; }

  /// The worker's scheduling niceness (Unix `nice`, 0..19; default 10): training takes every
  /// core it is given, and the clinician's GUI must still get the CPU at once when it needs it.
  /// Takes effect at the next start(); ignored where the platform has no nice().
  void setNiceness(int niceness) { niceness_ = niceness; }
  int niceness() const { return niceness_; }
  /// The running worker's process id (0 when none).
  qint64 processId() const { return process_.processId(); }

  /// Starts the worker process (asynchronously; requests sent before it runs are queued). Returns
  /// false when a worker is already running or starting. Clears the log of a previous process.
  bool start();
  /// True from start() until the process has ended.
  bool isRunning() const { return process_.state() != QProcess::NotRunning; }
  /// Sends `shutdown`: the worker stops a running run (saving its state), replies and exits;
  /// exited() follows, not workerLost().
  qint64 shutdown();
  /// Kills the worker at once (no state is saved); reported as workerLost().
  void kill();

  /// Sends one request of `type` with `fields` added to the envelope; returns its id, or -1 when
  /// no worker is running (after start() it is queued until the process runs).
  qint64 send(const QString& type, const QJsonObject& fields = {});
  qint64 hello() { return send(QStringLiteral("hello")); }
  qint64 devices() { return send(QStringLiteral("devices")); }
  qint64 status() { return send(QStringLiteral("status")); }
  /// `start` with the run configuration (docs/run-config.md) and run folder.
  qint64 startRun(const QJsonObject& config, const QString& runDir, bool resume = false);
  qint64 pause() { return send(QStringLiteral("pause")); }
  /// `resume` of a paused run (a stopped run or one of a lost worker: startRun(..., true)).
  qint64 resume() { return send(QStringLiteral("resume")); }
  qint64 stop() { return send(QStringLiteral("stop")); }

  /// Everything the current (or last) process wrote to stderr.
  const QString& log() const { return log_; }

 Q_SIGNALS:
  /// The process runs (queued requests have been written).
  void started();
  /// A `reply` to request `id`.
  void replyReceived(qint64 id, const QString& request, const QJsonObject& result);
  /// An `error` reply to request `id` (-1 when the worker could not read the id), or the `error`
  /// event of a failed run (id of its start request, `request` empty).
  void errorReceived(qint64 id, const QString& request, const QString& message);
  /// A `progress` event of the run or predict/rank request `id`. `etaSeconds` is negative while
  /// unknown, `total` 0 when unknown.
  void progress(qint64 id, const QString& stage, qint64 done, qint64 total, double etaSeconds,
                const QString& message, double itPerSecond);
  /// A `loss` event: `stage` ("fine-tune", "train") and SFR+ `round` (0 when absent), iteration
  /// (steps completed in that stage and round) and the loss terms.
  void loss(qint64 id, const QString& stage, int round, qint64 iteration,
            const QVariantMap& values);
  /// A `metric` event; `event` is the whole message for the fields some metrics add (`stage`,
  /// `round`, `message`, `path` of "finished", ...).
  void metric(qint64 id, const QString& name, double value, qint64 iteration,
              const QJsonObject& event);
  /// A `state` event: running, paused, stopped, finished or failed (`message` for failed).
  void stateChanged(qint64 id, const QString& state, const QString& message);
  /// A stdout line that is not a protocol message, and why.
  void malformedLine(const QString& line, const QString& reason);
  /// One stderr line of the worker (also appended to log()).
  void logLine(const QString& line);
  /// The worker exited with code 0 after shutdown().
  void exited(int exitCode);
  /// The worker died or could not start; `reason` says how (exit code, signal, last log line).
  void workerLost(const QString& reason);

 private:
  void writeLine(const QByteArray& line);
  void readStdout();
  void readStderr();
  void handleLine(const QByteArray& line);
  void onStarted();
  void onFinished(int exitCode, QProcess::ExitStatus status);
  void onError(QProcess::ProcessError error);

  QProcess process_;
  QString program_;
  int niceness_ = 10;
  QStringList arguments_{QStringLiteral("serve")};
  qint64 nextId_ = 1;
  QList<QByteArray> queued_;  ///< requests sent while the process was starting
  QByteArray stdoutBuffer_, stderrBuffer_;
  QString log_;
  bool shutdownRequested_ = false;
  bool lostReported_ = false;
};

}  // namespace sfr::ui
