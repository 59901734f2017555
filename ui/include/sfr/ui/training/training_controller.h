#pragma once
// The training panel's logic, without widgets: it owns the studio's `sfr serve` worker
// (WorkerClient) and the run's state (TrainingRunModel), turns the panel's settings into a run
// configuration and a new run folder, asks the worker for its devices, keeps the run history, and
// supervises the worker: when it dies while a run is running or paused, it is started again and
// the run continues from its last checkpoint (`start` with `resume: true` and the same run
// folder), at most maxRestarts() times without progress in between. Everything it tells the user
// goes through statusMessage().
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QVector>
#include <functional>

#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/training/training_settings.h"

namespace sfr::ui {

class TrainingRunModel;
class WorkerClient;

class TrainingController : public QObject {
  Q_OBJECT

 public:
  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;

  WorkerClient* worker() const { return worker_; }
  TrainingRunModel* run() const { return run_; }

  const TrainingPanelSettings& settings() const { return settings_; }
  void setSettings(const TrainingPanelSettings& settings);
  /// Where the cases come from (a dataset folder, or empty for the demo phantoms).
  const TrainingData& data() const { return data_; }
  void setData(const TrainingData& data);
  /// Merged over the configuration the settings make (docs/run-config.md keys), e.g. smaller
  /// phantoms or crops; empty by default.
  const QJsonObject& configOverrides() const { return overrides_; }
  void setConfigOverrides(const QJsonObject& overrides) { overrides_ = overrides; }
  /// The configuration the next start() sends.
  QJsonObject runConfig() const { return toRunConfig(settings_, data_, overrides_); }
  /// Called by start() before anything else, e.g. to save label edits and set data() (the
  /// studio: the project's label files); returning false cancels the start (the hook has told
  /// the user why).
  void setBeforeStart(std::function<bool()> hook) { beforeStart_ = std::move(hook); }

  /// Folder that holds the run folders (run-<date>-<time>); created on start.
  const QString& runsRoot() const { return runsRoot_; }
  void setRunsRoot(const QString& folder);
  const QList<RunHistoryEntry>& history() const { return history_; }
  /// Re-reads the run folders under runsRoot().
  void refreshHistory();

  /// Starts the worker when it is not running and asks for its devices.
  void ensureWorker();
  /// Devices of the worker's last `devices` reply (the CPU alone before it).
  const QList<ComputeDevice>& devices() const { return devices_; }

  /// Starts a new run in a new folder under runsRoot(); false (with statusMessage) when not
  /// allowed or the folder cannot be made.
  bool start();
  bool pause();
  bool resume();
  bool stop();

  /// Restarts after a lost worker since the last progress of the run (default limit 3).
  int restartCount() const { return restarts_; }
  int maxRestarts() const { return maxRestarts_; }
  void setMaxRestarts(int n) { maxRestarts_ = n; }
  /// Total restarts of the worker by this controller.
  int totalRestarts() const { return totalRestarts_; }

  /// Curves of the run's `metric` events that the panel plots: "learning_rate" and every name
  /// containing "dice" (validation Dice, when the run reports one), keyed by name and stage/round
  /// ("learning_rate train 0"); iterations never repeat (a resumed run replaces its points).
  QStringList metricCurves() const { return metricSeries_.keys(); }
  QVector<LossPoint> metricSeries(const QString& curve) const { return metricSeries_.value(curve); }

 Q_SIGNALS:
  /// For the status bar.
  void statusMessage(const QString& message);
  void devicesChanged();
  void historyChanged();
  /// A new run was started (not a resume) in `runDir` with `config`.
  void runStarted(const QString& runDir, const QJsonObject& config);
  /// The run finished, stopped or failed for good.
  void runEnded(const QString& runDir);
  /// The worker was lost and started again; `resuming` when a run continues.
  void workerRestarted(bool resuming);
  /// A point was added to metricSeries(curve).
  void metricAppended(const QString& curve);

 private:
  void onWorkerLost(const QString& reason);
  void onReply(qint64 id, const QString& request, const QJsonObject& result);
  void onRunState();
  void onMetric(const QString& name, double value, qint64 iteration, const QJsonObject& event);

  WorkerClient* worker_;
  TrainingRunModel* run_;
  TrainingPanelSettings settings_;
  TrainingData data_;
  QJsonObject overrides_;
  std::function<bool()> beforeStart_;
  QString runsRoot_;
  QList<RunHistoryEntry> history_;
  QList<ComputeDevice> devices_;
  qint64 devicesId_ = -1;
  int restarts_ = 0;
  int maxRestarts_ = 3;
  int totalRestarts_ = 0;
  QMap<QString, QVector<LossPoint>> metricSeries_;
};

}  // namespace sfr::ui
