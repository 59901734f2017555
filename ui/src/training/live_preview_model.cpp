#include "sfr/ui/training/live_preview_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QThread>
#include <exception>
#include <set>
#include <utility>
#include <vector>

#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/worker_client.h"
#include "sfr/ui/training/training_settings.h"

namespace sfr::ui {

namespace {

constexpr std::uint8_t kIgnore = 255;

// Runs `work` on a new thread, then `done` (with work's result) on `receiver`'s thread, unless
// the receiver is gone by then.
template <typename Result, typename Work, typename Done>
void runInBackground(QObject* receiver, Work work, Done done) {
  QPointer<QObject> guard(receiver);
  QThread* thread = QThread::create([guard, work = std::move(work), done = std::move(done)]() {
    auto result = std::make_shared<Result>(work());
    // Posted to the application object, which outlives the receiver; the guard says whether the
    // receiver still exists when the GUI thread gets to it.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [guard, result, done] {
          if (guard) done(std::move(*result));
        },
        Qt::QueuedConnection);
  });
  QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  thread->start(QThread::LowPriority);
}

struct LoadedPreview {
  std::optional<LabelVolume> labels;
  std::optional<ImageVolume> confidence;
  QString problem;
};

}  // namespace

LabelDelta predictionDelta(const LabelVolume& current, const LabelVolume& prediction, int label,
                           const LabelTable& table) {
  requireSameGrid(current.geometry(), prediction.geometry(), "prediction");
  std::vector<VoxelChange> changes;
  const auto& cur = current.voxels();
  const auto& pred = prediction.voxels();
  for (std::size_t n = 0; n < cur.size(); ++n) {
    const std::uint8_t before = cur[n];
    std::uint8_t after = before;
    if (label < 0)
      after = pred[n];
    else if (pred[n] == label)
      after = static_cast<std::uint8_t>(label);
    else if (before == label)
      after = 0;
    if (after == before || before == kIgnore || after == kIgnore) continue;
    if (table.isLocked(before) || (after != 0 && table.isLocked(after))) continue;
    changes.push_back({n, before, after});
  }
  return LabelDelta::fromChanges(std::move(changes));
}

LivePreviewModel::LivePreviewModel(WorkerClient* worker, TrainingRunModel* run, ViewerModel* viewer,
                                   LabelEditingModel* editing, QObject* parent)
    : QObject(parent), worker_(worker), run_(run), viewer_(viewer), editing_(editing) {
  timer_.setInterval(3000);
  connect(&timer_, &QTimer::timeout, this, &LivePreviewModel::refresh);
  connect(worker_, &WorkerClient::replyReceived, this, &LivePreviewModel::onReply);
  connect(worker_, &WorkerClient::errorReceived, this, &LivePreviewModel::onError);
  connect(worker_, &WorkerClient::workerLost, this, [this] {
    // The request died with the worker; the next tick asks the new one.
    predictId_ = -1;
    rankId_ = -1;
  });
  connect(run_, &TrainingRunModel::stateChanged, this, &LivePreviewModel::onRunState);
  connect(viewer_, &ViewerModel::imageChanged, this, &LivePreviewModel::onImageChanged);
}

LivePreviewModel::~LivePreviewModel() = default;

void LivePreviewModel::setInterval(int ms) {
  timer_.setInterval(std::max(100, ms));
}

void LivePreviewModel::setEnabled(bool enabled) {
  if (enabled == enabled_) return;
  enabled_ = enabled;
  onRunState();
}

QList<int> LivePreviewModel::previewLabels() const {
  QList<int> labels;
  if (!preview_) return labels;
  bool seen[256] = {};
  for (std::uint8_t v : preview_->voxels()) seen[v] = true;
  for (int l = 1; l < 256; ++l)
    if (seen[l]) labels << l;
  return labels;
}

void LivePreviewModel::setOpacity(double opacity) {
  opacity = std::clamp(opacity, 0.0, 1.0);
  if (opacity == opacity_) return;
  opacity_ = opacity;
  Q_EMIT displayChanged();
}

void LivePreviewModel::setShowConfidence(bool show) {
  if (show == showConfidence_) return;
  showConfidence_ = show;
  Q_EMIT displayChanged();
}

void LivePreviewModel::setError(const QString& message) {
  lastError_ = message;
  Q_EMIT errorOccurred(message);
}

void LivePreviewModel::onRunState() {
  using State = TrainingRunModel::State;
  const State s = run_->state();
  if (enabled_ && (s == State::Running || s == State::Paused)) {
    if (!timer_.isActive()) timer_.start();
  } else {
    timer_.stop();
  }
  // The run's last V-Net (vnet_final.pt) is worth one more look.
  if (enabled_ && (s == State::Finished || s == State::Stopped)) refresh();
}

void LivePreviewModel::onImageChanged() {
  ++imageGeneration_;
  imageFile_.clear();
  if (preview_ || confidence_) {
    preview_.reset();
    confidence_.reset();
    previewVNet_.clear();
    Q_EMIT previewChanged();
  }
}

QString LivePreviewModel::previewFolder() const {
  return run_->runDir().isEmpty() ? QString()
                                  : QDir(run_->runDir()).filePath(QStringLiteral("preview"));
}

QJsonObject LivePreviewModel::windowFields() const {
  // The run's own sliding window (config.json's resolved settings), so the preview sees the
  // volume the way the run scores it.
  QFile file(QDir(run_->runDir()).filePath(QStringLiteral("config.json")));
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QJsonObject config = QJsonDocument::fromJson(file.readAll()).object();
  QJsonObject window = config.value(QStringLiteral("resolved"))
                           .toObject()
                           .value(QStringLiteral("window"))
                           .toObject();
  if (window.isEmpty()) window = config.value(QStringLiteral("window")).toObject();
  QJsonObject fields;
  if (window.value(QStringLiteral("patch")).isArray())
    fields.insert(QStringLiteral("patch"), window.value(QStringLiteral("patch")));
  if (window.value(QStringLiteral("stride_xy")).isDouble() &&
      window.value(QStringLiteral("stride_z")).isDouble())
    fields.insert(QStringLiteral("stride"), QJsonArray{window.value(QStringLiteral("stride_xy")),
                                                       window.value(QStringLiteral("stride_z"))});
  return fields;
}

void LivePreviewModel::refresh() {
  if (!enabled_ || requestInFlight() || writingImage_ || !viewer_->hasImage() ||
      run_->runDir().isEmpty() || !worker_->isRunning())
    return;
  QDateTime modified;
  const QString vnet = newestVNet(run_->runDir(), &modified);
  if (vnet.isEmpty()) return;
  if (vnet == lastVNet_ && modified == lastVNetTime_ && imageGeneration_ == lastGeneration_)
    return;  // nothing new since the last request
  if (writtenGeneration_ != imageGeneration_ || imageFile_.isEmpty()) {
    writeVisibleImage();  // refresh() runs again once it is written
    return;
  }
  sendPredict(vnet, modified);
}

void LivePreviewModel::writeVisibleImage() {
  const QString folder = previewFolder();
  if (!QDir().mkpath(folder)) {
    setError(tr("cannot create the preview folder %1").arg(folder));
    return;
  }
  writingImage_ = true;
  const int generation = imageGeneration_;
  const QString path = QDir(folder).filePath(QStringLiteral("visible_%1.nii.gz").arg(generation));
  // A copy, so the viewer may replace its image while the helper thread writes.
  auto image = std::make_shared<ImageVolume>(viewer_->image());
  runInBackground<QString>(
      this,
      [image, path]() -> QString {
        try {
          io::writeImage(*image, path.toStdString());
          return {};
        } catch (const std::exception& e) {
          return QString::fromUtf8(e.what());
        }
      },
      [this, generation, path](QString problem) {
        writingImage_ = false;
        if (!problem.isEmpty()) {
          setError(problem);
          return;
        }
        if (generation != imageGeneration_) return;  // another image by now
        imageFile_ = path;
        writtenGeneration_ = generation;
        refresh();
      });
}

void LivePreviewModel::sendPredict(const QString& vnet, const QDateTime& modified) {
  const QDir folder(previewFolder());
  const int n = ++sequence_;
  QJsonObject fields = windowFields();
  fields.insert(QStringLiteral("vnet"), vnet);
  fields.insert(QStringLiteral("image"), imageFile_);
  fields.insert(QStringLiteral("out"),
                folder.filePath(QStringLiteral("prediction_%1.nii.gz").arg(n)));
  fields.insert(QStringLiteral("confidence_out"),
                folder.filePath(QStringLiteral("confidence_%1.nii.gz").arg(n)));
  const QString device = run_->config().value(QStringLiteral("device")).toString();
  if (!device.isEmpty()) fields.insert(QStringLiteral("device"), device);
  const qint64 id = worker_->send(QStringLiteral("predict"), fields);
  if (id < 0) return;
  predictId_ = id;
  predictGeneration_ = imageGeneration_;
  predictVNet_ = vnet;
  predictVNetTime_ = modified;
  lastVNet_ = vnet;
  lastVNetTime_ = modified;
  lastGeneration_ = imageGeneration_;
  ++requests_;
  roundTrip_.start();
}

void LivePreviewModel::onReply(qint64 id, const QString&, const QJsonObject& result) {
  if (id == rankId_) {
    rankId_ = -1;
    ranking_.clear();
    // A malformed entry (no image path or no numeric confidence) is reported, never read as 0.
    for (const QJsonValue& v : result.value(QStringLiteral("volumes")).toArray()) {
      const QJsonObject o = v.toObject();
      const QJsonValue image = o.value(QStringLiteral("image"));
      const QJsonValue confidence = o.value(QStringLiteral("confidence"));
      if (!image.isString() || !confidence.isDouble()) {
        setError(tr("the worker's ranking has an entry without an image or a confidence"));
        continue;
      }
      ranking_ << RankedVolume{image.toString(), confidence.toDouble(),
                               o.value(QStringLiteral("labels")).toString(),
                               o.value(QStringLiteral("confidence_map")).toString()};
    }
    Q_EMIT rankingChanged();
    return;
  }
  if (id != predictId_) return;
  predictId_ = -1;
  const QJsonValue mean = result.value(QStringLiteral("mean_confidence"));
  if (!mean.isDouble()) {
    setError(tr("the worker's prediction reply has no mean confidence"));
    return;
  }
  lastRoundTripPending_ = true;
  loadPreview(result.value(QStringLiteral("labels")).toString(),
              result.value(QStringLiteral("confidence")).toString(), mean.toDouble(), predictVNet_,
              predictGeneration_, true);
}

void LivePreviewModel::showStoredPrediction(const QString& labels, const QString& confidenceMap,
                                            double meanConfidence) {
  loadPreview(labels, confidenceMap, meanConfidence, {}, imageGeneration_, false);
}

void LivePreviewModel::loadPreview(const QString& labelsPath, const QString& confidencePath,
                                   double mean, const QString& vnet, int generation,
                                   bool removeFiles) {
  ++loading_;
  runInBackground<LoadedPreview>(
      this,
      [labelsPath, confidencePath, removeFiles]() {
        LoadedPreview loaded;
        try {
          loaded.labels = io::readLabel(labelsPath.toStdString());
          loaded.confidence = io::readImage(confidencePath.toStdString());
        } catch (const std::exception& e) {
          loaded.problem = QString::fromUtf8(e.what());
        }
        if (removeFiles) {
          // The files were only the way here; the next request writes new ones.
          QFile::remove(labelsPath);
          QFile::remove(confidencePath);
        }
        return loaded;
      },
      [this, generation, vnet, mean](LoadedPreview loaded) {
        --loading_;
        if (lastRoundTripPending_) {
          lastRoundTripPending_ = false;
          lastRoundTripMs_ = roundTrip_.elapsed();
        }
        if (!loaded.problem.isEmpty()) {
          setError(loaded.problem);
          return;
        }
        if (generation != imageGeneration_ || !viewer_->hasImage()) return;
        const Geometry& grid = viewer_->image().geometry();
        if (!grid.sameGrid(loaded.labels->geometry(), 1e-4) ||
            !grid.sameGrid(loaded.confidence->geometry(), 1e-4)) {
          setError(tr("the prediction is not on the visible image's grid"));
          return;
        }
        // Exactly the viewer's grid (the files round-trip the geometry through NIfTI floats).
        loaded.labels->geometry() = grid;
        loaded.confidence->geometry() = grid;
        preview_ = std::move(loaded.labels);
        confidence_ = std::move(loaded.confidence);
        meanConfidence_ = mean;
        previewVNet_ = vnet;
        ++previews_;
        Q_EMIT previewChanged();
      });
}

void LivePreviewModel::showPrediction(LabelVolume labels, ImageVolume confidence,
                                      double meanConfidence) {
  if (!viewer_->hasImage() || !viewer_->image().geometry().sameGrid(labels.geometry(), 1e-4) ||
      !viewer_->image().geometry().sameGrid(confidence.geometry(), 1e-4))
    throw Error("preview", "the prediction is not on the visible image's grid");
  preview_ = std::move(labels);
  confidence_ = std::move(confidence);
  meanConfidence_ = meanConfidence;
  ++previews_;
  Q_EMIT previewChanged();
}

void LivePreviewModel::onError(qint64 id, const QString&, const QString& message) {
  if (id == predictId_) {
    predictId_ = -1;
    // A checkpoint replaced while it was read: the next tick tries again.
    lastVNet_.clear();
    setError(message);
  } else if (id == rankId_) {
    rankId_ = -1;
    setError(message);
  }
}

bool LivePreviewModel::acceptPreview(int label) {
  if (!preview_ || !viewer_->hasImage()) return false;
  LabelDelta delta;
  if (const LabelVolume* current = viewer_->label()) {
    delta = predictionDelta(*current, *preview_, label, *editing_->labelTable());
  } else {
    delta = predictionDelta(LabelVolume(viewer_->image().geometry(), 0), *preview_, label,
                            *editing_->labelTable());
  }
  const QString name =
      label < 0 ? tr("Accept prediction") : tr("Accept prediction (label %1)").arg(label);
  const bool changed = editing_->applyDelta(name, std::move(delta));
  if (label < 0) {
    preview_.reset();
    confidence_.reset();
    Q_EMIT previewChanged();
  }
  return changed;
}

void LivePreviewModel::rejectPreview() {
  if (!preview_) return;
  preview_.reset();
  confidence_.reset();
  previewVNet_.clear();
  Q_EMIT previewChanged();
}

bool LivePreviewModel::rankCases(const QStringList& images, const QString& vnetPath,
                                 const QStringList& labelOutputs,
                                 const QStringList& confidenceOutputs,
                                 const QList<double>& spacing) {
  if (images.isEmpty() || rankId_ >= 0) return false;
  if ((!labelOutputs.isEmpty() && labelOutputs.size() != images.size()) ||
      (!confidenceOutputs.isEmpty() && confidenceOutputs.size() != images.size()))
    throw Error("ranking", "needs one output path per image");
  const QString vnet = vnetPath.isEmpty() ? newestVNet(run_->runDir()) : vnetPath;
  if (vnet.isEmpty() || !worker_->isRunning()) return false;
  QJsonObject fields = windowFields();
  fields.insert(QStringLiteral("vnet"), vnet);
  fields.insert(QStringLiteral("images"), QJsonArray::fromStringList(images));
  if (!labelOutputs.isEmpty())
    fields.insert(QStringLiteral("labels_out"), QJsonArray::fromStringList(labelOutputs));
  if (!confidenceOutputs.isEmpty())
    fields.insert(QStringLiteral("confidence_out"), QJsonArray::fromStringList(confidenceOutputs));
  if (spacing.size() == 3)
    fields.insert(QStringLiteral("spacing"), QJsonArray{spacing[0], spacing[1], spacing[2]});
  const qint64 id = worker_->send(QStringLiteral("rank"), fields);
  if (id < 0) return false;
  rankId_ = id;
  return true;
}

}  // namespace sfr::ui
