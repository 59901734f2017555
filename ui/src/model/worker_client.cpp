#include "sfr/ui/model/worker_client.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <algorithm>
#include <utility>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace sfr::ui {

namespace {

constexpr int kProtocolVersion = 1;
// A worker that writes this much without a newline is not speaking the protocol; dropping the
// buffer keeps a runaway process from growing the studio's memory without bound.
constexpr qsizetype kMaxLineBytes = 64 * 1024 * 1024;

qint64 idOf(const QJsonValue& id) {
  if (id.isDouble()) return id.toInteger(-1);
  if (id.isString()) {
    bool ok = false;
    const qint64 n = id.toString().toLongLong(&ok);
    return ok ? n : -1;
  }
  return -1;
}

QString shortened(const QByteArray& line) {
  constexpr qsizetype kShown = 200;
  QString text = QString::fromUtf8(line.left(kShown));
  if (line.size() > kShown) text += QStringLiteral("...");
  return text;
}

}  // namespace

WorkerClient::WorkerClient(QObject* parent) : QObject(parent), program_(defaultProgram()) {
  connect(&process_, &QProcess::started, this, &WorkerClient::onStarted);
  connect(&process_, &QProcess::readyReadStandardOutput, this, &WorkerClient::readStdout);
  connect(&process_, &QProcess::readyReadStandardError, this, &WorkerClient::readStderr);
  connect(&process_, &QProcess::finished, this, &WorkerClient::onFinished);
  connect(&process_, &QProcess::errorOccurred, this, &WorkerClient::onError);
}

WorkerClient::~WorkerClient() {
  if (process_.state() == QProcess::NotRunning) return;
  // No signals from a half-destroyed object.
  process_.disconnect(this);
  process_.closeWriteChannel();
  if (!process_.waitForFinished(5000)) {
    process_.kill();
    process_.waitForFinished(1000);
  }
}

QString WorkerClient::defaultProgram() {
  const QString dir =
      QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QDir::currentPath();
  return QDir(dir).filePath(QStringLiteral("sfr"));
}

void WorkerClient::setProgram(const QString& program, const QStringList& arguments) {
  program_ = program;
  arguments_ = arguments;
}

bool WorkerClient::start() {
  if (process_.state() != QProcess::NotRunning) return false;
  queued_.clear();
  stdoutBuffer_.clear();
  stderrBuffer_.clear();
  log_.clear();
  shutdownRequested_ = false;
  lostReported_ = false;
  process_.setProgram(program_);
  process_.setArguments(arguments_);
#ifdef Q_OS_UNIX
  // Runs in the child between fork and exec: only async-signal-safe calls (nice is one).
  const int niceness = std::clamp(niceness_, 0, 19);
  process_.setChildProcessModifier([niceness] {
    if (niceness > 0) (void)::nice(niceness);
  });
#endif
  process_.start();
  return true;
}

qint64 WorkerClient::shutdown() {
  const qint64 id = send(QStringLiteral("shutdown"));
  if (id >= 0) shutdownRequested_ = true;
  return id;
}

void WorkerClient::kill() {
  if (process_.state() != QProcess::NotRunning) process_.kill();
}

qint64 WorkerClient::send(const QString& type, const QJsonObject& fields) {
  if (process_.state() == QProcess::NotRunning) return -1;
  QJsonObject request = fields;
  const qint64 id = nextId_++;
  request.insert(QStringLiteral("v"), kProtocolVersion);
  request.insert(QStringLiteral("id"), id);
  request.insert(QStringLiteral("type"), type);
  // Compact JSON has no newlines, so one request is exactly one line.
  writeLine(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
  return id;
}

qint64 WorkerClient::startRun(const QJsonObject& config, const QString& runDir, bool resume) {
  QJsonObject fields;
  fields.insert(QStringLiteral("config"), config);
  fields.insert(QStringLiteral("run_dir"), runDir);
  fields.insert(QStringLiteral("resume"), resume);
  return send(QStringLiteral("start"), fields);
}

void WorkerClient::writeLine(const QByteArray& line) {
  if (process_.state() == QProcess::Running)
    process_.write(line);
  else
    queued_.append(line);
}

void WorkerClient::onStarted() {
  for (const QByteArray& line : std::as_const(queued_)) process_.write(line);
  queued_.clear();
  Q_EMIT started();
}

void WorkerClient::readStdout() {
  stdoutBuffer_ += process_.readAllStandardOutput();
  qsizetype begin = 0;
  for (qsizetype end; (end = stdoutBuffer_.indexOf('\n', begin)) >= 0; begin = end + 1)
    handleLine(stdoutBuffer_.mid(begin, end - begin));
  stdoutBuffer_.remove(0, begin);
  if (stdoutBuffer_.size() > kMaxLineBytes) {
    Q_EMIT malformedLine(shortened(stdoutBuffer_), tr("line longer than 64 MiB"));
    stdoutBuffer_.clear();
  }
}

void WorkerClient::readStderr() {
  stderrBuffer_ += process_.readAllStandardError();
  qsizetype begin = 0;
  for (qsizetype end; (end = stderrBuffer_.indexOf('\n', begin)) >= 0; begin = end + 1) {
    const QString line = QString::fromUtf8(stderrBuffer_.mid(begin, end - begin));
    log_ += line + QLatin1Char('\n');
    Q_EMIT logLine(line);
  }
  stderrBuffer_.remove(0, begin);
  if (stderrBuffer_.size() > kMaxLineBytes) stderrBuffer_.clear();
}

void WorkerClient::handleLine(const QByteArray& raw) {
  const QByteArray line = raw.trimmed();
  if (line.isEmpty()) return;  // the protocol ignores blank lines in both directions
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
  if (parseError.error != QJsonParseError::NoError) {
    Q_EMIT malformedLine(shortened(line), tr("not JSON: %1").arg(parseError.errorString()));
    return;
  }
  if (!doc.isObject()) {
    Q_EMIT malformedLine(shortened(line), tr("not a JSON object"));
    return;
  }
  const QJsonObject m = doc.object();
  if (m.value(QStringLiteral("v")).toInt(-1) != kProtocolVersion) {
    Q_EMIT malformedLine(shortened(line), tr("not protocol version %1").arg(kProtocolVersion));
    return;
  }
  const QJsonValue typeValue = m.value(QStringLiteral("type"));
  if (!typeValue.isString()) {
    Q_EMIT malformedLine(shortened(line), tr("no message type"));
    return;
  }
  const QString type = typeValue.toString();
  const qint64 id = idOf(m.value(QStringLiteral("id")));
  const auto str = [&m](const char* key) { return m.value(QLatin1String(key)).toString(); };
  const auto integer = [&m](const char* key) { return m.value(QLatin1String(key)).toInteger(0); };

  if (type == QLatin1String("reply")) {
    Q_EMIT replyReceived(id, str("request"), m.value(QStringLiteral("result")).toObject());
  } else if (type == QLatin1String("error")) {
    Q_EMIT errorReceived(id, str("request"), str("message"));
  } else if (type == QLatin1String("progress")) {
    // eta_s is null while the rate is unknown.
    const QJsonValue eta = m.value(QStringLiteral("eta_s"));
    Q_EMIT progress(id, str("stage"), integer("done"), integer("total"),
                    eta.isDouble() ? eta.toDouble() : -1.0, str("message"),
                    m.value(QStringLiteral("it_per_s")).toDouble(0.0));
  } else if (type == QLatin1String("loss")) {
    Q_EMIT loss(id, str("stage"), static_cast<int>(integer("round")), integer("iteration"),
                m.value(QStringLiteral("values")).toObject().toVariantMap());
  } else if (type == QLatin1String("metric")) {
    Q_EMIT metric(id, str("name"), m.value(QStringLiteral("value")).toDouble(0.0),
                  integer("iteration"), m);
  } else if (type == QLatin1String("state")) {
    Q_EMIT stateChanged(id, str("state"), str("message"));
  } else {
    Q_EMIT malformedLine(shortened(line), tr("unknown message type '%1'").arg(type));
  }
}

void WorkerClient::onFinished(int exitCode, QProcess::ExitStatus status) {
  // The last lines may still be unread, and a final line may lack its newline.
  readStdout();
  if (!stdoutBuffer_.isEmpty()) {
    handleLine(stdoutBuffer_);
    stdoutBuffer_.clear();
  }
  readStderr();
  if (!stderrBuffer_.isEmpty()) {
    const QString line = QString::fromUtf8(stderrBuffer_);
    log_ += line + QLatin1Char('\n');
    stderrBuffer_.clear();
    Q_EMIT logLine(line);
  }
  queued_.clear();
  if (status == QProcess::NormalExit && exitCode == 0 && shutdownRequested_) {
    Q_EMIT exited(exitCode);
    return;
  }
  if (lostReported_) return;
  lostReported_ = true;
  QString reason = status == QProcess::CrashExit
                       ? tr("the engine worker crashed (%1)").arg(process_.errorString())
                       : tr("the engine worker exited with code %1").arg(exitCode);
  const QString lastLog = log_.trimmed().section(QLatin1Char('\n'), -1);
  if (!lastLog.isEmpty()) reason += tr("; last log line: %1").arg(lastLog);
  Q_EMIT workerLost(reason);
}

void WorkerClient::onError(QProcess::ProcessError error) {
  // Every other error of a started process ends in finished(), which reports it.
  if (error != QProcess::FailedToStart || lostReported_) return;
  lostReported_ = true;
  queued_.clear();
  Q_EMIT workerLost(
      tr("the engine worker '%1' could not start: %2").arg(program_, process_.errorString()));
}

}  // namespace sfr::ui
