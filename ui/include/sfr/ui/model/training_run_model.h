#pragma once
// What the training panel shows and may do, without widgets: the run's state, its last progress
// and ETA, the loss curves and the final V-Net, and which of start/pause/resume/stop is allowed.
// Every action goes through a WorkerClient (the `sfr serve` child process), so nothing here
// blocks the event loop.
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <QVector>

namespace sfr::ui {

class WorkerClient;

/// One point of a loss curve.
struct LossPoint {
  qint64 iteration = 0;
  double value = 0.0;
  bool operator==(const LossPoint& o) const { return iteration == o.iteration && value == o.value; }
};

/// A loss curve's owner: SAM fine-tuning and each SFR+ round count their own iterations.
struct LossKey {
  QString stage;  ///< "fine-tune" or "train"
  int round = 0;
  bool operator<(const LossKey& o) const {
    return stage != o.stage ? stage < o.stage : round < o.round;
  }
  bool operator==(const LossKey& o) const { return stage == o.stage && round == o.round; }
};

/// The last progress event of the run.
struct RunProgress {
  QString stage;  ///< load, fine-tune, train, score, evaluate
  qint64 done = 0;
  qint64 total = 0;  ///< 0 = unknown
  double itPerSecond = 0.0;
  double etaSeconds = -1.0;  ///< negative while unknown
  QString message;
};

class TrainingRunModel : public QObject {
  Q_OBJECT
  Q_PROPERTY(bool canStart READ canStart NOTIFY actionsChanged)
  Q_PROPERTY(bool canPause READ canPause NOTIFY actionsChanged)
  Q_PROPERTY(bool canResume READ canResume NOTIFY actionsChanged)
  Q_PROPERTY(bool canStop READ canStop NOTIFY actionsChanged)

 public:
  enum class State { Idle, Running, Paused, Stopped, Finished, Failed };
  Q_ENUM(State)

  /// `worker` is not owned and must outlive the model; the model starts it when needed.
  explicit TrainingRunModel(WorkerClient* worker, QObject* parent = nullptr);

  State state() const { return state_; }
  /// Why the run failed (or how the worker was lost); empty otherwise.
  const QString& errorMessage() const { return error_; }
  const RunProgress& progress() const { return progress_; }
  /// `vnet_final.pt` of a finished run, empty before.
  const QString& finalVNetPath() const { return finalVNet_; }
  const QString& runDir() const { return runDir_; }
  const QJsonObject& config() const { return config_; }

  /// The curves that have points, in (stage, round) order.
  QList<LossKey> lossKeys() const { return losses_.keys(); }
  /// Loss terms of one curve ("loss" is the back-propagated total).
  QStringList lossTerms(const LossKey& key) const;
  /// Points of one term in iteration order; a resumed run that repeats iterations after its last
  /// checkpoint replaces the repeated points, so iterations never go backwards or repeat.
  QVector<LossPoint> lossSeries(const LossKey& key,
                                const QString& term = QStringLiteral("loss")) const;
  /// Last value of every `metric` name (learning_rate, consistency_weight, ...).
  const QVariantMap& lastMetrics() const { return metrics_; }

  /// A request is on its way (its answer has not arrived): every button is disabled meanwhile.
  bool busy() const { return pending_ != Pending::None; }
  bool canStart() const;
  bool canPause() const;
  /// Paused: `resume`. Stopped, or failed because the worker was lost: `start` + `resume: true`
  /// from the run folder's latest checkpoint.
  bool canResume() const;
  bool canStop() const;

  /// Starts (or, with `resume`, continues) a run; starts the worker process first when it is not
  /// running. Returns false when not allowed (canStart()) or the worker cannot take requests.
  bool start(const QJsonObject& config, const QString& runDir, bool resume = false);
  bool pause();
  bool resume();
  bool stop();

 Q_SIGNALS:
  void stateChanged(sfr::ui::TrainingRunModel::State state);
  void actionsChanged();
  void progressChanged();
  /// A point was appended to curve `key` (after dropping repeated iterations of a resumed run).
  void lossAppended(const sfr::ui::LossKey& key, qint64 iteration);
  /// The curves were cleared (a new run).
  void lossesCleared();
  void metricChanged(const QString& name, double value, qint64 iteration);
  void finalVNetChanged(const QString& path);
  void errorChanged(const QString& message);

 private:
  enum class Pending { None, Start, Pause, Resume, Stop };

  void setState(State state);
  void setPending(Pending pending);
  void setError(const QString& message);
  void onReply(qint64 id, const QString& request, const QJsonObject& result);
  void onError(qint64 id, const QString& request, const QString& message);
  void onProgress(qint64 id, const QString& stage, qint64 done, qint64 total, double etaSeconds,
                  const QString& message, double itPerSecond);
  void onLoss(qint64 id, const QString& stage, int round, qint64 iteration,
              const QVariantMap& values);
  void onMetric(qint64 id, const QString& name, double value, qint64 iteration,
                const QJsonObject& event);
  void onState(qint64 id, const QString& state, const QString& message);
  void onWorkerLost(const QString& reason);

  WorkerClient* worker_;
  State state_ = State::Idle;
  Pending pending_ = Pending::None;
  qint64 pendingId_ = -1;   ///< id of the request in flight
  qint64 runId_ = -1;       ///< id of the start request: the run's events carry it
  bool resumable_ = false;  ///< a stopped run or the run of a lost worker can continue
  QJsonObject config_;
  QString runDir_;
  QString error_;
  RunProgress progress_;
  QString finalVNet_;
  QMap<LossKey, QMap<QString, QVector<LossPoint>>> losses_;
  QVariantMap metrics_;
};

}  // namespace sfr::ui
