// The studio's link to the engine worker: WorkerClient against a fake `sfr serve` (a shell script
// printing canned protocol lines, malformed ones and a crash included) and TrainingRunModel
// through pause, resume, a crash and a resume from the checkpoint; then the real `sfr serve` on a
// tiny phantom run while a 10 ms timer checks that the event loop never stalls over 50 ms.
#include <QDebug>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <functional>
#include <numeric>

#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/worker_client.h"

using namespace sfr::ui;

// Readable QCOMPARE failures for loss curves.
namespace sfr::ui {
QDebug operator<<(QDebug debug, const LossPoint& p) {
  QDebugStateSaver saver(debug);
  debug.nospace() << '(' << p.iteration << ", " << p.value << ')';
  return debug;
}
}  // namespace sfr::ui

namespace {

// Copies the fake worker (tests/ui/fake_sfr_worker.sh) into `dir`, where it keeps its crash marker,
// and returns its path.
QString writeFakeWorker(const QTemporaryDir& dir) {
  const QString path = dir.filePath(QStringLiteral("fake-sfr"));
  if (!QFile::copy(QStringLiteral(SFR_FAKE_WORKER), path)) return {};
  QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  return path;
}

QVector<qint64> iterations(const QVector<LossPoint>& series) {
  QVector<qint64> out;
  for (const LossPoint& p : series) out.append(p.iteration);
  return out;
}

// Runs a real event loop (as the studio does, unlike QTRY's polling) until `done` holds after a
// state change of `model`, or `timeoutMs` has passed.
bool runUntil(TrainingRunModel& model, const std::function<bool()>& done, int timeoutMs) {
  if (done()) return true;
  QEventLoop loop;
  QTimer timeout;
  timeout.setSingleShot(true);
  QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
  QObject::connect(&model, &TrainingRunModel::stateChanged, &loop, [&] {
    if (done()) loop.quit();
  });
  timeout.start(timeoutMs);
  loop.exec();
  return done();
}

}  // namespace

class WorkerClientTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void cannedLinesBecomeTypedSignalsAndTheCrashIsReported() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WorkerClient worker;
    worker.setProgram(writeFakeWorker(dir), {QStringLiteral("canned")});
    QSignalSpy replies(&worker, &WorkerClient::replyReceived);
    QSignalSpy errors(&worker, &WorkerClient::errorReceived);
    QSignalSpy progress(&worker, &WorkerClient::progress);
    QSignalSpy losses(&worker, &WorkerClient::loss);
    QSignalSpy metrics(&worker, &WorkerClient::metric);
    QSignalSpy states(&worker, &WorkerClient::stateChanged);
    QSignalSpy malformed(&worker, &WorkerClient::malformedLine);
    QSignalSpy lost(&worker, &WorkerClient::workerLost);
    QSignalSpy exited(&worker, &WorkerClient::exited);

    QVERIFY(worker.start());
    QVERIFY(!worker.start());  // already running
    QCOMPARE(worker.hello(), qint64(1));
    QCOMPARE(worker.status(), qint64(2));  // ids increase per client
    QVERIFY(lost.wait(10000));
    QCOMPARE(lost.count(), 1);
    const QString reason = lost.at(0).at(0).toString();
    QVERIFY2(reason.contains(QStringLiteral("code 3")), qPrintable(reason));
    QVERIFY2(reason.contains(QStringLiteral("fake worker: crashing")), qPrintable(reason));
    QCOMPARE(exited.count(), 0);
    QVERIFY(!worker.isRunning());
    QVERIFY(worker.log().contains(QStringLiteral("fake worker: started in mode canned")));

    QCOMPARE(replies.count(), 1);
    QCOMPARE(replies.at(0).at(0).toLongLong(), 1);
    QCOMPARE(replies.at(0).at(1).toString(), QStringLiteral("hello"));
    QCOMPARE(replies.at(0).at(2).toJsonObject().value(QStringLiteral("protocol")).toInt(), 1);

    QCOMPARE(errors.count(), 2);
    QCOMPARE(errors.at(0).at(0).toLongLong(), 2);
    QCOMPARE(errors.at(0).at(1).toString(), QStringLiteral("start"));
    QCOMPARE(errors.at(0).at(2).toString(), QStringLiteral("run.data.labeled: unknown key"));
    QCOMPARE(errors.at(1).at(0).toLongLong(), 4);  // a failed run's error event
    QCOMPARE(errors.at(1).at(1).toString(), QString());

    // not JSON, an array, version 2, an unknown type; the blank line is ignored.
    QCOMPARE(malformed.count(), 4);
    QCOMPARE(malformed.at(0).at(0).toString(), QStringLiteral("this is not json"));
    QVERIFY(malformed.at(3).at(1).toString().contains(QStringLiteral("teleport")));

    // The expected values are the canned progress and loss lines of fake_sfr_worker.sh; the
    // indices are the signals' argument positions.
    enum { kProgId, kProgStage, kProgDone, kProgTotal, kProgEta, kProgMessage, kProgItPerSecond };
    QCOMPARE(progress.count(), 2);
    QCOMPARE(progress.at(0).at(kProgStage).toString(), QStringLiteral("load"));
    QVERIFY(progress.at(0).at(kProgEta).toDouble() < 0);  // "eta_s": null reads as unknown (-1)
    QCOMPARE(progress.at(1).at(kProgId).toLongLong(), 4);
    QCOMPARE(progress.at(1).at(kProgStage).toString(), QStringLiteral("train"));
    QCOMPARE(progress.at(1).at(kProgDone).toLongLong(), 5);
    QCOMPARE(progress.at(1).at(kProgTotal).toLongLong(), 10);
    QCOMPARE(progress.at(1).at(kProgEta).toDouble(), 2.0);  // "eta_s": 2
    QCOMPARE(progress.at(1).at(kProgMessage).toString(), QStringLiteral("loss 0.5"));
    QCOMPARE(progress.at(1).at(kProgItPerSecond).toDouble(), 2.5);  // "it_per_s": 2.5

    enum { kLossId, kLossStage, kLossRound, kLossIteration, kLossValues };
    QCOMPARE(losses.count(), 1);
    QCOMPARE(losses.at(0).at(kLossStage).toString(), QStringLiteral("train"));
    QCOMPARE(losses.at(0).at(kLossRound).toInt(), 1);
    QCOMPARE(losses.at(0).at(kLossIteration).toLongLong(), 5);
    // "values": {"loss": 0.5, "supervised": 0.25}
    const QVariantMap values = losses.at(0).at(kLossValues).toMap();
    QCOMPARE(values.value(QStringLiteral("loss")).toDouble(), 0.5);
    QCOMPARE(values.value(QStringLiteral("supervised")).toDouble(), 0.25);

    QCOMPARE(metrics.count(), 2);
    QCOMPARE(metrics.at(0).at(1).toString(), QStringLiteral("learning_rate"));
    QCOMPARE(metrics.at(0).at(2).toDouble(), 0.01);
    QCOMPARE(metrics.at(0).at(3).toLongLong(), 5);
    QCOMPARE(metrics.at(1).at(4).toJsonObject().value(QStringLiteral("path")).toString(),
             QStringLiteral("/runs/a/vnet_final.pt"));

    QCOMPARE(states.count(), 2);
    QCOMPARE(states.at(0).at(1).toString(), QStringLiteral("running"));
    QCOMPARE(states.at(1).at(1).toString(), QStringLiteral("failed"));
    QCOMPARE(states.at(1).at(2).toString(), QStringLiteral("out of memory"));

    // A lost worker can be started again.
    QVERIFY(worker.start());
    QVERIFY(lost.wait(10000));
    QCOMPARE(lost.count(), 2);
    QCOMPARE(replies.count(), 2);
  }

  void shutdownIsACleanExitNotALoss() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WorkerClient worker;
    worker.setProgram(writeFakeWorker(dir), {QStringLiteral("clean")});
    QSignalSpy replies(&worker, &WorkerClient::replyReceived);
    QSignalSpy lost(&worker, &WorkerClient::workerLost);
    QSignalSpy exited(&worker, &WorkerClient::exited);
    QCOMPARE(worker.send(QStringLiteral("hello")), qint64(-1));  // not started
    QVERIFY(worker.start());
    QCOMPARE(worker.shutdown(), qint64(1));
    QVERIFY(exited.wait(10000));
    QCOMPARE(exited.at(0).at(0).toInt(), 0);
    QCOMPARE(replies.count(), 1);
    QCOMPARE(replies.at(0).at(1).toString(), QStringLiteral("shutdown"));
    QCOMPARE(lost.count(), 0);
  }

  // The worker runs at a lower scheduling priority than the studio (nice 10 by default), so that
  // training never takes the CPU from the clinician's GUI; the level is settable (0 = the
  // studio's own). Read back from /proc/<pid>/stat (field 19, Linux).
  void theWorkerRunsNiced() {
#ifdef Q_OS_LINUX
    const auto niceOf = [](qint64 pid) {
      QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
      if (!stat.open(QIODevice::ReadOnly)) return -100;
      const QByteArray text = stat.readAll();
      // Fields after the ")" closing the command name: state is field 3, nice is field 19.
      const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
      return fields.value(19 - 3).toInt();
    };
    const int own = niceOf(QCoreApplication::applicationPid());
    for (const int wanted : {10, 0}) {
      QTemporaryDir dir;
      QVERIFY(dir.isValid());
      WorkerClient worker;
      QCOMPARE(worker.niceness(), 10);
      worker.setNiceness(wanted);
      worker.setProgram(writeFakeWorker(dir), {QStringLiteral("clean")});
      QSignalSpy started(&worker, &WorkerClient::started);
      QSignalSpy exited(&worker, &WorkerClient::exited);
      QVERIFY(worker.start());
      QVERIFY(started.wait(10000));
      const int measured = niceOf(worker.processId());
      qInfo("studio nice %d, worker nice %d (asked for %d more)", own, measured, wanted);
      QCOMPARE(measured, std::min(19, own + wanted));
      worker.shutdown();
      QVERIFY(exited.wait(10000));
    }
#else
    QSKIP("reads the niceness from /proc (Linux)");
#endif
  }

  void aMissingProgramIsReportedAsLost() {
    WorkerClient worker;
    worker.setProgram(QStringLiteral("/nonexistent/sfr"));
    QSignalSpy lost(&worker, &WorkerClient::workerLost);
    QVERIFY(worker.start());
    worker.hello();  // queued, then dropped (or refused when the start failed at once)
    QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 10000);
    QVERIFY2(lost.at(0).at(0).toString().contains(QStringLiteral("could not start")),
             qPrintable(lost.at(0).at(0).toString()));
    QVERIFY(!worker.isRunning());
  }

  void runModelPausesResumesSurvivesACrashAndResumesFromTheCheckpoint() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WorkerClient worker;
    worker.setProgram(writeFakeWorker(dir), {QStringLiteral("run")});
    TrainingRunModel model(&worker);
    QSignalSpy actions(&model, &TrainingRunModel::actionsChanged);
    QCOMPARE(model.state(), TrainingRunModel::State::Idle);
    QVERIFY(model.canStart());
    QVERIFY(!model.canPause());
    QVERIFY(!model.canResume());
    QVERIFY(!model.canStop());
    QVERIFY(!model.pause());

    const QJsonObject config{{QStringLiteral("preset"), QStringLiteral("cpu")}};
    const QString runDir = dir.filePath(QStringLiteral("run"));
    QVERIFY(model.start(config, runDir));
    QVERIFY(model.busy());
    QVERIFY(!model.canStart());  // every button waits for the reply
    QVERIFY(!model.canStop());
    QTRY_COMPARE_WITH_TIMEOUT(model.lossSeries({QStringLiteral("train"), 0}).size(), 2, 10000);
    QCOMPARE(model.state(), TrainingRunModel::State::Running);
    QVERIFY(model.canPause());
    QVERIFY(model.canStop());
    QVERIFY(!model.canStart());
    QVERIFY(!model.canResume());
    QCOMPARE(model.progress().stage, QStringLiteral("train"));
    QCOMPARE(model.progress().etaSeconds, 0.5);
    QCOMPARE(model.lossKeys().size(), 1);
    QVERIFY(actions.count() > 0);

    QVERIFY(model.pause());
    QVERIFY(!model.canPause());  // until the run says it has paused
    QTRY_COMPARE_WITH_TIMEOUT(model.state(), TrainingRunModel::State::Paused, 10000);
    QVERIFY(model.canResume());
    QVERIFY(model.canStop());
    QVERIFY(!model.canPause());
    QVERIFY(!model.canStart());

    // Resume; the worker trains iteration 3 and crashes.
    QVERIFY(model.resume());
    QTRY_COMPARE_WITH_TIMEOUT(model.state(), TrainingRunModel::State::Failed, 10000);
    QVERIFY2(model.errorMessage().contains(QStringLiteral("code 3")),
             qPrintable(model.errorMessage()));
    QVERIFY(model.canResume());
    QVERIFY(model.canStart());
    QCOMPARE(iterations(model.lossSeries({QStringLiteral("train"), 0})),
             (QVector<qint64>{1, 2, 3}));

    // A new worker continues from the checkpoint (iteration 1): 2 and 3 are trained again and
    // replace the lost worker's points.
    QVERIFY(model.resume());
    QTRY_COMPARE_WITH_TIMEOUT(model.state(), TrainingRunModel::State::Finished, 10000);
    QVERIFY(model.errorMessage().isEmpty());
    const QVector<LossPoint> series = model.lossSeries({QStringLiteral("train"), 0});
    QCOMPARE(series, (QVector<LossPoint>{{1, 0.1}, {2, 1.2}, {3, 1.3}, {4, 1.4}}));
    QCOMPARE(model.finalVNetPath(), dir.filePath(QStringLiteral("vnet_final.pt")));
    QCOMPARE(model.runDir(), runDir);
    QVERIFY(model.canStart());
    QVERIFY(!model.canResume());
    QVERIFY(!model.canPause());
    QVERIFY(!model.canStop());
  }

  void realWorkerTrainsPausesResumesWithoutBlocking() {
#ifndef SFR_EXECUTABLE
    QSKIP("this build has no `sfr` target (the engine CLI), so there is no real worker to run");
#else
    const QString sfr = QStringLiteral(SFR_EXECUTABLE);
    if (!QFileInfo::exists(sfr)) QSKIP("the `sfr` executable has not been built");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    constexpr int kIterations = 30;
    // app/sfr/tests/serve_test.cmake's tiny phantom run, with enough iterations to pause in.
    const QByteArray configJson = R"({"preset":"cpu","method":"mean-teacher",
        "checkpoint_every":2,"training":{"iterations":30,"network":{"filters":4},
        "batch":{"crop":[32,32,16]}},"data":{"source":"phantom",
        "phantom":{"size":[32,32,32],"cases":3},"labelled":1}})";
    const QJsonObject config = QJsonDocument::fromJson(configJson).object();
    QVERIFY(!config.isEmpty());

    WorkerClient worker;
    worker.setProgram(sfr,
                      {QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("serve")});
    TrainingRunModel model(&worker);
    QSignalSpy lost(&worker, &WorkerClient::workerLost);
    QSignalSpy malformed(&worker, &WorkerClient::malformedLine);

    // The stall meter: a 10 ms timer whose largest gap between two ticks is the longest time the
    // event loop was kept from running.
    QElapsedTimer clock;
    qint64 lastTick = -1, largestGap = 0;
    QTimer ticker;
    ticker.setInterval(10);
    ticker.setTimerType(Qt::PreciseTimer);
    connect(&ticker, &QTimer::timeout, this, [&] {
      const qint64 now = clock.elapsed();
      if (lastTick >= 0) largestGap = std::max(largestGap, now - lastTick);
      lastTick = now;
    });
    clock.start();
    ticker.start();

    // Pause as soon as re-training has done two steps.
    bool pauseSent = false;
    connect(&model, &TrainingRunModel::lossAppended, this,
            [&](const LossKey& key, qint64 iteration) {
              if (!pauseSent && key.stage == QLatin1String("train") && iteration >= 2)
                pauseSent = model.pause();
            });
    QVERIFY(model.start(config, dir.filePath(QStringLiteral("run"))));
    using State = TrainingRunModel::State;
    QVERIFY(runUntil(
        model,
        [&] {
          return model.state() == State::Paused || model.state() == State::Finished ||
                 model.state() == State::Failed;
        },
        120000));
    QVERIFY2(model.state() == TrainingRunModel::State::Paused,
             qPrintable(model.errorMessage() + QLatin1Char('\n') + worker.log()));
    const QVector<qint64> beforePause = iterations(model.lossSeries({QStringLiteral("train"), 0}));
    QVERIFY(!beforePause.isEmpty());
    QVERIFY(beforePause.last() < kIterations);
    QVERIFY(model.canResume());

    QVERIFY(model.resume());
    QVERIFY(runUntil(
        model, [&] { return model.state() == State::Finished || model.state() == State::Failed; },
        240000));
    ticker.stop();
    QVERIFY2(model.state() == TrainingRunModel::State::Finished,
             qPrintable(model.errorMessage() + QLatin1Char('\n') + worker.log()));
    QVector<qint64> expected(kIterations);
    std::iota(expected.begin(), expected.end(), qint64(1));
    QCOMPARE(iterations(model.lossSeries({QStringLiteral("train"), 0})), expected);
    QVERIFY(model.lastMetrics().contains(QStringLiteral("resumed_at")));
    QVERIFY2(QFileInfo::exists(model.finalVNetPath()), qPrintable(model.finalVNetPath()));
    QCOMPARE(malformed.count(), 0);
    QCOMPARE(lost.count(), 0);
    qInfo("paused after iteration %lld; largest event-loop gap %lld ms", beforePause.last(),
          largestGap);
    QVERIFY2(largestGap <= 50,
             qPrintable(QStringLiteral("the event loop stalled for %1 ms").arg(largestGap)));

    QSignalSpy exited(&worker, &WorkerClient::exited);
    QVERIFY(worker.shutdown() > 0);
    QVERIFY(exited.wait(30000));
#endif
  }
};

QTEST_GUILESS_MAIN(WorkerClientTest)
#include "tst_worker_client.moc"
