#include "sfr/ui/editing/sam_assist_model.h"

#include <QJsonArray>
#include <QJsonObject>
#include <chrono>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/worker_client.h"

namespace sfr::ui {

namespace {

// A propagated mask this much smaller than the previous slice's is a speck left over where the
// structure ended, not the structure.
constexpr double kVanishedFraction = 0.02;

double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SamAssistModel::SamAssistModel(ViewerModel* viewer, QObject* parent)
    : QObject(parent), viewer_(viewer) {
  // Another image makes every prompt and proposal meaningless.
  connect(viewer_, &ViewerModel::imageChanged, this, &SamAssistModel::clear);
}

SamAssistModel::~SamAssistModel() = default;

void SamAssistModel::setWorkerClient(WorkerClient* client) {
  if (client == client_) return;
  if (client_) {
    client_->disconnect(this);
    if (ownClient_) client_->deleteLater();
  }
  client_ = client;
  ownClient_ = false;
  pending_ = -1;
  propagation_.reset();
  if (!client_) return;
  connect(client_, &WorkerClient::replyReceived, this, &SamAssistModel::onReply);
  connect(client_, &WorkerClient::errorReceived, this, &SamAssistModel::onError);
  connect(client_, &WorkerClient::workerLost, this, &SamAssistModel::onWorkerLost);
}

WorkerClient* SamAssistModel::workerClient() {
  if (!client_) {
    setWorkerClient(new WorkerClient(this));
    ownClient_ = true;
  }
  return client_;
}

void SamAssistModel::setDragBox(const std::optional<QRect>& box) {
  dragBox_ = box;
  Q_EMIT changed();
}

void SamAssistModel::startPrompt(SliceAxis axis, int slice) {
  if (prompt_.axis != axis || prompt_.slice != slice) {
    prompt_ = SamPrompt{};
    prompt_.axis = axis;
    prompt_.slice = slice;
  }
  // Proposals made from the previous prompt (its own and propagated ones) are replaced.
  proposals_.clear();
  keys_.clear();
  if (propagation_) {
    propagation_.reset();
    pending_ = -1;  // its answer is of no use any more
  }
  dragBox_.reset();
}

void SamAssistModel::setBox(SliceAxis axis, int slice, const QRect& box) {
  startPrompt(axis, slice);
  prompt_.box = box.normalized();
  requestPrompt();
  Q_EMIT changed();
}

void SamAssistModel::addPoint(SliceAxis axis, int slice, const QPoint& pixel, bool positive) {
  startPrompt(axis, slice);
  prompt_.points.push_back({pixel, positive});
  requestPrompt();
  Q_EMIT changed();
}

const SamMask* SamAssistModel::proposal(SliceAxis axis, int slice) const {
  if (axis != prompt_.axis) return nullptr;
  const auto it = proposals_.find(slice);
  return it == proposals_.end() ? nullptr : &it->second;
}

void SamAssistModel::clear() {
  prompt_ = SamPrompt{};
  proposals_.clear();
  keys_.clear();
  dragBox_.reset();
  propagation_.reset();
  pending_ = -1;  // an answer still to come is dropped
  promptDirty_ = false;
  lastError_.clear();
  setStatus(QString());
}

void SamAssistModel::requestPrompt() {
  if (prompt_.empty() || !viewer_->hasImage()) return;
  if (busy()) {
    promptDirty_ = true;  // sent when the answer in flight arrives
    return;
  }
  send(prompt_.slice, prompt_.box, prompt_.points);
  setStatus(tr("Asking SAM for slice %1...").arg(prompt_.slice + 1));
}

void SamAssistModel::send(int slice, const std::optional<QRect>& box,
                          const std::vector<SamPoint>& points, const QString& maskInputKey) {
  const ImageVolume& image = viewer_->image();
  const SlicePlane plane = slicePlane(image.geometry(), prompt_.axis);
  QByteArray grey;
  try {
    grey = sliceGreyPixels(image, prompt_.axis, slice, viewer_->windowLevel());
  } catch (const Error& e) {
    fail(QString::fromStdString(e.what()));
    return;
  }
  QJsonObject fields;
  fields.insert(QStringLiteral("image"),
                QJsonObject{{QStringLiteral("width"), plane.width},
                            {QStringLiteral("height"), plane.height},
                            {QStringLiteral("pixels"), QString::fromLatin1(grey.toBase64())}});
  if (box)
    fields.insert(QStringLiteral("box"),
                  QJsonArray{box->left(), box->top(), box->right(), box->bottom()});
  if (!points.empty()) {
    QJsonArray list;
    for (const SamPoint& p : points)
      list.append(QJsonArray{p.pixel.x(), p.pixel.y(), p.positive ? 1 : 0});
    fields.insert(QStringLiteral("points"), list);
  }
  if (!maskInputKey.isEmpty()) fields.insert(QStringLiteral("mask_input_key"), maskInputKey);
  WorkerClient* client = workerClient();
  if (!client->isRunning()) client->start();
  pending_ = client->send(QStringLiteral("sam_prompt"), fields);
  pendingSlice_ = slice;
  sentAtMs_ = static_cast<qint64>(nowMs());
  if (pending_ < 0) fail(tr("the engine worker is not running"));
}

bool SamAssistModel::propagate(int slices) {
  const SamMask* seed = proposal(prompt_.axis, prompt_.slice);
  if (busy() || slices < 1 || !seed || seed->area() == 0) return false;
  const SamMask keep = *seed;
  const QString key = keys_[prompt_.slice];
  proposals_.clear();
  keys_.clear();
  proposals_[prompt_.slice] = keep;
  keys_[prompt_.slice] = key;
  Propagation p;
  p.limit = slices;
  p.previous = prompt_.slice;
  // A prompt of points only has no box: the mask's own bounds stand in for it.
  p.seedBox = prompt_.box ? *prompt_.box : *keep.bounds();
  p.previousBox = p.seedBox;
  propagation_ = p;
  propagateNext();
  Q_EMIT changed();
  return true;
}

void SamAssistModel::propagateNext() {
  Propagation& p = *propagation_;
  const int count = viewer_->sliceCount(prompt_.axis);
  for (;;) {
    const int next = p.previous + p.direction;
    if (std::abs(next - prompt_.slice) <= p.limit && next >= 0 && next < count) {
      const SamMask& previous = proposals_.at(p.previous);
      p.box = previous.bounds()
                  ->adjusted(-margin_, -margin_, margin_, margin_)
                  .intersected(p.previousBox.adjusted(-margin_, -margin_, margin_, margin_))
                  .intersected(QRect(0, 0, previous.width, previous.height));
      // The anchor: the previous mask's deepest pixel (in mm, so thick slices of coronal and
      // sagittal views are weighed true to scale) lies inside the box and, the structure
      // moving little between neighbours, inside the structure on this slice too.
      const SlicePlane plane = slicePlane(viewer_->image().geometry(), prompt_.axis);
      const QPoint anchor = *deepestPoint(previous, plane.pixelWidthMm, plane.pixelHeightMm);
      send(next, p.box, {SamPoint{anchor, true}}, keys_[p.previous]);
      setStatus(tr("Propagating: slice %1...").arg(next + 1));
      return;
    }
    if (p.direction < 0) break;
    p.direction = -1;  // upwards done: now downwards from the prompt slice
    p.previous = prompt_.slice;
    p.previousBox = p.seedBox;
  }
  finishPropagation();
}

void SamAssistModel::finishPropagation() {
  const int added = propagation_->added;
  propagation_.reset();
  setStatus(tr("Propagated to %n slice(s); Enter accepts all", nullptr, added));
  Q_EMIT propagationFinished(added);
}

void SamAssistModel::onReply(qint64 id, const QString& request, const QJsonObject& result) {
  if (id != pending_ || request != QLatin1String("sam_prompt")) return;
  pending_ = -1;
  roundTripMs_ = nowMs() - static_cast<double>(sentAtMs_);
  embedSeconds_ = result.value(QStringLiteral("embed_seconds")).toDouble();
  decodeSeconds_ = result.value(QStringLiteral("decode_seconds")).toDouble();
  iou_ = result.value(QStringLiteral("iou")).toDouble();
  if (!propagation_ && promptDirty_) {
    promptDirty_ = false;  // this answers an older prompt
    requestPrompt();
    return;
  }
  SamMask mask;
  try {
    const SlicePlane plane = slicePlane(viewer_->image().geometry(), prompt_.axis);
    mask = SamMask::fromRunLengths(result.value(QStringLiteral("mask_rle")).toArray(), plane.width,
                                   plane.height);
  } catch (const Error& e) {
    propagation_.reset();
    fail(QString::fromStdString(e.what()));
    return;
  }
  lastError_.clear();
  const int slice = pendingSlice_;
  const QString key = result.value(QStringLiteral("key")).toString();
  if (propagation_) {
    Propagation& p = *propagation_;
    const QRect keep = p.box.adjusted(-margin_, -margin_, margin_, margin_);
    for (int y = 0; y < mask.height; ++y)
      for (int x = 0; x < mask.width; ++x)
        if (!keep.contains(x, y)) mask.bits[static_cast<std::size_t>(y) * mask.width + x] = 0;
    const int previousArea = proposals_.at(p.previous).area();
    if (mask.area() == 0 || mask.area() < kVanishedFraction * previousArea) {
      if (p.direction < 0) {
        finishPropagation();
        Q_EMIT changed();
        return;
      }
      p.direction = -1;  // the structure ended upwards
      p.previous = prompt_.slice;
      p.previousBox = p.seedBox;
    } else {
      proposals_[slice] = std::move(mask);
      keys_[slice] = key;
      p.previous = slice;
      p.previousBox = p.box;
      ++p.added;
      Q_EMIT proposalReady(slice);
    }
    propagateNext();
    Q_EMIT changed();
    return;
  }
  const int area = mask.area();
  proposals_[slice] = std::move(mask);
  keys_[slice] = key;
  setStatus(tr("Proposal: %1 pixels, predicted IoU %2 (embedding %3 s, decoder %4 s); Enter "
               "accepts")
                .arg(area)
                .arg(iou_, 0, 'f', 2)
                .arg(embedSeconds_, 0, 'f', 2)
                .arg(decodeSeconds_, 0, 'f', 2));
  Q_EMIT proposalReady(slice);
}

void SamAssistModel::onError(qint64 id, const QString& request, const QString& message) {
  if (id != pending_ || (request != QLatin1String("sam_prompt") && !request.isEmpty())) return;
  pending_ = -1;
  promptDirty_ = false;
  propagation_.reset();
  fail(message);
}

void SamAssistModel::onWorkerLost(const QString& reason) {
  if (!busy()) return;
  pending_ = -1;
  promptDirty_ = false;
  propagation_.reset();
  fail(reason);
}

void SamAssistModel::fail(const QString& message) {
  lastError_ = message;
  setStatus(tr("SAM failed: %1").arg(message));
  Q_EMIT failed(message);
}

void SamAssistModel::setStatus(const QString& status) {
  status_ = status;
  Q_EMIT changed();
}

}  // namespace sfr::ui
