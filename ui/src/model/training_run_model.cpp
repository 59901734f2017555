#include "sfr/ui/model/training_run_model.h"

#include <QDir>

#include "sfr/ui/model/worker_client.h"

namespace sfr::ui {

TrainingRunModel::TrainingRunModel(WorkerClient* worker, QObject* parent)
    : QObject(parent), worker_(worker) {
  connect(worker_, &WorkerClient::replyReceived, this, &TrainingRunModel::onReply);
  connect(worker_, &WorkerClient::errorReceived, this, &TrainingRunModel::onError);
  connect(worker_, &WorkerClient::progress, this, &TrainingRunModel::onProgress);
  connect(worker_, &WorkerClient::loss, this, &TrainingRunModel::onLoss);
  connect(worker_, &WorkerClient::metric, this, &TrainingRunModel::onMetric);
  connect(worker_, &WorkerClient::stateChanged, this, &TrainingRunModel::onState);
  connect(worker_, &WorkerClient::workerLost, this, &TrainingRunModel::onWorkerLost);
}

QStringList TrainingRunModel::lossTerms(const LossKey& key) const {
  return losses_.value(key).keys();
}

QVector<LossPoint> TrainingRunModel::lossSeries(const LossKey& key, const QString& term) const {
  return losses_.value(key).value(term);
}

bool TrainingRunModel::canStart() const {
  return !busy() && state_ != State::Running && state_ != State::Paused;
}

bool TrainingRunModel::canPause() const {
  return !busy() && state_ == State::Running;
}

bool TrainingRunModel::canResume() const {
  if (busy()) return false;
  if (state_ == State::Paused) return true;
  return (state_ == State::Stopped || state_ == State::Failed) && resumable_ && !runDir_.isEmpty();
}

bool TrainingRunModel::canStop() const {
  return !busy() && (state_ == State::Running || state_ == State::Paused);
}

bool TrainingRunModel::start(const QJsonObject& config, const QString& runDir, bool resume) {
  if (!canStart()) return false;
  if (!worker_->isRunning()) worker_->start();
  const qint64 id = worker_->startRun(config, runDir, resume);
  if (id < 0) return false;
  config_ = config;
  runDir_ = runDir;
  runId_ = id;
  pendingId_ = id;
  setError(QString());
  if (!resume) {
    // A new run starts with empty curves; a resumed one keeps its history.
    losses_.clear();
    metrics_.clear();
    progress_ = RunProgress{};
    finalVNet_.clear();
    Q_EMIT lossesCleared();
    Q_EMIT progressChanged();
  }
  setPending(Pending::Start);
  return true;
}

bool TrainingRunModel::pause() {
  if (!canPause()) return false;
  const qint64 id = worker_->pause();
  if (id < 0) return false;
  pendingId_ = id;
  setPending(Pending::Pause);
  return true;
}

bool TrainingRunModel::resume() {
  if (!canResume()) return false;
  if (state_ != State::Paused) {
    // A stopped run, or the run of a lost worker: continue from the latest checkpoint. start()
    // is allowed in these states and restarts the worker when needed.
    return start(config_, runDir_, true);
  }
  const qint64 id = worker_->resume();
  if (id < 0) return false;
  pendingId_ = id;
  setPending(Pending::Resume);
  return true;
}

bool TrainingRunModel::stop() {
  if (!canStop()) return false;
  const qint64 id = worker_->stop();
  if (id < 0) return false;
  pendingId_ = id;
  setPending(Pending::Stop);
  return true;
}

void TrainingRunModel::setState(State state) {
  if (state == state_) return;
  state_ = state;
  Q_EMIT stateChanged(state_);
  Q_EMIT actionsChanged();
}

void TrainingRunModel::setPending(Pending pending) {
  if (pending == pending_) return;
  pending_ = pending;
  if (pending_ == Pending::None) pendingId_ = -1;
  Q_EMIT actionsChanged();
}

void TrainingRunModel::setError(const QString& message) {
  if (message == error_) return;
  error_ = message;
  Q_EMIT errorChanged(error_);
}

void TrainingRunModel::onReply(qint64 id, const QString& request, const QJsonObject& result) {
  if (id != pendingId_) return;
  // Start and resume are answered by their reply; pause and stop wait for the run's state event
  // (the run only stops between two iterations), so their buttons stay disabled until then.
  if (pending_ == Pending::Start || pending_ == Pending::Resume) {
    resumable_ = false;
    setState(State::Running);
    setPending(Pending::None);
  }
}

void TrainingRunModel::onError(qint64 id, const QString& request, const QString& message) {
  if (id == pendingId_ && pending_ != Pending::None) {
    setError(message);
    setPending(Pending::None);
    return;
  }
  // The error event of a failed run precedes its "failed" state.
  if (id == runId_ && request.isEmpty()) setError(message);
}

void TrainingRunModel::onProgress(qint64 id, const QString& stage, qint64 done, qint64 total,
                                  double etaSeconds, const QString& message, double itPerSecond) {
  if (id != runId_) return;  // predict/rank progress is not the run's
  progress_ = RunProgress{stage, done, total, itPerSecond, etaSeconds, message};
  Q_EMIT progressChanged();
}

void TrainingRunModel::onLoss(qint64 id, const QString& stage, int round, qint64 iteration,
                              const QVariantMap& values) {
  if (id != runId_) return;
  const LossKey key{stage, round};
  QMap<QString, QVector<LossPoint>>& terms = losses_[key];
  for (auto it = values.cbegin(); it != values.cend(); ++it) {
    QVector<LossPoint>& series = terms[it.key()];
    // After a crash the run resumes from its last checkpoint and trains those iterations again.
    while (!series.isEmpty() && series.last().iteration >= iteration) series.removeLast();
    series.append(LossPoint{iteration, it.value().toDouble()});
  }
  Q_EMIT lossAppended(key, iteration);
}

void TrainingRunModel::onMetric(qint64 id, const QString& name, double value, qint64 iteration,
                                const QJsonObject& event) {
  if (id != runId_) return;
  metrics_.insert(name, value);
  if (name == QLatin1String("finished")) {
    const QString path = event.value(QStringLiteral("path")).toString();
    if (!path.isEmpty() && path != finalVNet_) {
      finalVNet_ = path;
      Q_EMIT finalVNetChanged(finalVNet_);
    }
  }
  Q_EMIT metricChanged(name, value, iteration);
}

void TrainingRunModel::onState(qint64 id, const QString& state, const QString& message) {
  if (id != runId_) return;
  if (state == QLatin1String("running")) {
    setState(State::Running);
    return;
  }
  if (state == QLatin1String("paused")) {
    setState(State::Paused);
  } else if (state == QLatin1String("stopped")) {
    resumable_ = true;
    setState(State::Stopped);
  } else if (state == QLatin1String("finished")) {
    resumable_ = false;
    if (finalVNet_.isEmpty()) {
      // The "finished" metric names the file; the run folder layout is the fallback.
      finalVNet_ = QDir(runDir_).filePath(QStringLiteral("vnet_final.pt"));
      Q_EMIT finalVNetChanged(finalVNet_);
    }
    setState(State::Finished);
  } else if (state == QLatin1String("failed")) {
    resumable_ = false;
    if (!message.isEmpty()) setError(message);
    setState(State::Failed);
  } else {
    return;  // a state this version does not know
  }
  // Pause and stop are complete once the run has left "running".
  setPending(Pending::None);
}

void TrainingRunModel::onWorkerLost(const QString& reason) {
  // A stopped or finished run has saved everything; only a live run (or a request for one) is
  // lost with the worker.
  const bool active =
      state_ == State::Running || state_ == State::Paused || pending_ != Pending::None;
  setPending(Pending::None);
  if (!active) return;
  // The run folder still holds the last checkpoint: resume() continues from it in a new worker.
  resumable_ = !runDir_.isEmpty();
  setError(reason);
  setState(State::Failed);
  Q_EMIT actionsChanged();
}

}  // namespace sfr::ui
