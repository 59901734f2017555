#include "sfr/ui/training/training_controller.h"

#include <QDateTime>
#include <QDir>
#include <QTimer>

#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/worker_client.h"

namespace sfr::ui {

TrainingController::TrainingController(QObject* parent)
    : QObject(parent), worker_(new WorkerClient(this)), run_(new TrainingRunModel(worker_, this)) {
  devices_ = parseDevices({});
  runsRoot_ = QDir(QDir::tempPath()).filePath(QStringLiteral("sfr-studio-runs"));
  // The run model reacts to a lost worker first (it was connected first): by now the run is
  // "failed" and resumable when it was live.
  connect(worker_, &WorkerClient::workerLost, this, &TrainingController::onWorkerLost);
  connect(worker_, &WorkerClient::replyReceived, this, &TrainingController::onReply);
  connect(worker_, &WorkerClient::started, this, [this] { devicesId_ = worker_->devices(); });
  connect(run_, &TrainingRunModel::stateChanged, this, &TrainingController::onRunState);
  // Progress after a restart shows the worker is healthy again.
  connect(run_, &TrainingRunModel::lossAppended, this, [this] { restarts_ = 0; });
  connect(run_, &TrainingRunModel::lossesCleared, this, [this] { metricSeries_.clear(); });
  // The run model keeps only the last value of a metric; the curves need the whole event.
  connect(worker_, &WorkerClient::metric, this,
          [this](qint64, const QString& name, double value, qint64 iteration,
                 const QJsonObject& event) { onMetric(name, value, iteration, event); });
}

TrainingController::~TrainingController() = default;

void TrainingController::setSettings(const TrainingPanelSettings& settings) {
  settings_ = settings;
}

void TrainingController::setData(const TrainingData& data) {
  data_ = data;
}

void TrainingController::setRunsRoot(const QString& folder) {
  if (folder == runsRoot_) return;
  runsRoot_ = folder;
  refreshHistory();
}

void TrainingController::refreshHistory() {
  history_ = readRunHistory(runsRoot_);
  Q_EMIT historyChanged();
}

void TrainingController::ensureWorker() {
  if (!worker_->isRunning()) worker_->start();
}

bool TrainingController::start() {
  if (!run_->canStart()) return false;
  if (beforeStart_ && !beforeStart_()) return false;
  const QDir root(runsRoot_);
  if (!root.mkpath(QStringLiteral("."))) {
    Q_EMIT statusMessage(tr("Cannot create the runs folder %1.").arg(runsRoot_));
    return false;
  }
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  QString name = QStringLiteral("run-%1").arg(stamp);
  for (int n = 2; root.exists(name); ++n) name = QStringLiteral("run-%1-%2").arg(stamp).arg(n);
  if (!root.mkdir(name)) {
    Q_EMIT statusMessage(tr("Cannot create the run folder %1.").arg(root.filePath(name)));
    return false;
  }
  const QString runDir = root.absoluteFilePath(name);
  const QJsonObject config = runConfig();
  restarts_ = 0;
  if (!run_->start(config, runDir)) {
    Q_EMIT statusMessage(tr("The engine worker cannot take the run."));
    return false;
  }
  Q_EMIT statusMessage(tr("Training started in %1.").arg(QDir::toNativeSeparators(runDir)));
  Q_EMIT runStarted(runDir, config);
  return true;
}

bool TrainingController::pause() {
  return run_->pause();
}

bool TrainingController::resume() {
  restarts_ = 0;
  return run_->resume();
}

bool TrainingController::stop() {
  return run_->stop();
}

void TrainingController::onWorkerLost(const QString& reason) {
  devicesId_ = -1;
  const bool live = run_->state() == TrainingRunModel::State::Failed && run_->canResume();
  if (!live) {
    // No run depends on it: start it again quietly, so the next request finds it.
    Q_EMIT statusMessage(tr("The engine worker stopped (%1); it was started again.").arg(reason));
    ++totalRestarts_;
    QTimer::singleShot(0, this, [this] {
      ensureWorker();
      Q_EMIT workerRestarted(false);
    });
    return;
  }
  if (restarts_ >= maxRestarts_) {
    Q_EMIT statusMessage(tr("The engine worker stopped %1 times without progress (%2); the run "
                            "was not resumed. Resume continues it from its last checkpoint.")
                             .arg(restarts_)
                             .arg(reason));
    Q_EMIT runEnded(run_->runDir());
    return;
  }
  ++restarts_;
  ++totalRestarts_;
  Q_EMIT statusMessage(tr("The engine worker stopped (%1). Restarting it and resuming the run "
                          "from its last checkpoint...")
                           .arg(reason));
  // Not from inside the QProcess's finished() handler: the new process starts on the next turn
  // of the event loop.
  QTimer::singleShot(0, this, [this] {
    if (run_->canResume() && run_->resume()) Q_EMIT workerRestarted(true);
  });
}

void TrainingController::onMetric(const QString& name, double value, qint64 iteration,
                                  const QJsonObject& event) {
  if (name == QLatin1String("resumed_at")) {
    Q_EMIT statusMessage(tr("The run continues from its checkpoint at iteration %1.").arg(value));
    return;
  }
  if (name != QLatin1String("learning_rate") &&
      !name.contains(QLatin1String("dice"), Qt::CaseInsensitive))
    return;
  const QString curve = QStringLiteral("%1 %2 %3")
                            .arg(name, event.value(QStringLiteral("stage")).toString())
                            .arg(event.value(QStringLiteral("round")).toInt());
  QVector<LossPoint>& series = metricSeries_[curve];
  while (!series.isEmpty() && series.last().iteration >= iteration) series.removeLast();
  series.append(LossPoint{iteration, value});
  Q_EMIT metricAppended(curve);
}

void TrainingController::onReply(qint64 id, const QString&, const QJsonObject& result) {
  if (id != devicesId_) return;
  devicesId_ = -1;
  devices_ = parseDevices(result);
  Q_EMIT devicesChanged();
}

void TrainingController::onRunState() {
  using State = TrainingRunModel::State;
  switch (run_->state()) {
    case State::Finished:
      Q_EMIT statusMessage(tr("Training finished: %1").arg(run_->finalVNetPath()));
      break;
    case State::Stopped:
      Q_EMIT statusMessage(tr("Training stopped; Resume continues from the last checkpoint."));
      break;
    case State::Failed:
      if (!run_->canResume())
        Q_EMIT statusMessage(tr("Training failed: %1").arg(run_->errorMessage()));
      break;
    case State::Paused:
      Q_EMIT statusMessage(tr("Training paused."));
      return;
    default:
      return;
  }
  refreshHistory();
  if (run_->state() != State::Failed || !run_->canResume()) Q_EMIT runEnded(run_->runDir());
}

}  // namespace sfr::ui
