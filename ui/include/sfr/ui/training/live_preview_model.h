#pragma once
// The live overlay and review (issue 5 item 5), without widgets. While a run trains, the newest
// V-Net of its folder (checkpoints/vnet_preview_round*.pt at every checkpoint, then
// vnet_round*.pt, vnet_final.pt) is run on the visible case through the worker's `predict`: at
// most one request in flight and at most one per interval(). The prediction and its per-voxel
// confidence are held here as a preview layer, never in the clinician's label map, until
// acceptPreview() copies it (whole case or one label) as ONE undo step through the
// LabelEditingModel; rejectPreview() drops it. After the run, rankCases() asks the worker's
// `rank` for the cases' confidences (least confident first); those under τ are flagged.
//
// Nothing blocks the event loop: the visible image is written for the worker, and the worker's
// files are read back, on a helper thread; results of an older case or image are dropped.
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <optional>

#include "sfr/base/volume.h"
#include "sfr/ui/editing/label_delta.h"

namespace sfr::ui {

class LabelEditingModel;
class LabelTable;
class TrainingRunModel;
class ViewerModel;
class WorkerClient;

/// The delta that accepting `prediction` into `current` makes. `label` < 0: the whole case (every
/// voxel takes the predicted value); otherwise one label L (voxels predicted L become L, voxels
/// that are L but not predicted L become 0, the rest stay). Voxels of a locked label, voxels
/// labelled 255 ("ignore") and writes of a locked label are left alone. Throws sfr::Error when
/// the grids differ.
LabelDelta predictionDelta(const LabelVolume& current, const LabelVolume& prediction, int label,
                           const LabelTable& table);

/// One volume of a `rank` reply.
struct RankedVolume {
  QString image;
  double confidence = 0.0;
  QString labels;         ///< the label map written for it, when rankCases() asked for files
  QString confidenceMap;  ///< its per-voxel confidence map, likewise
};

class LivePreviewModel : public QObject {
  Q_OBJECT

 public:
  static constexpr double kDefaultTau = 0.985;

  /// None of the pointers is owned; all must outlive the model.
  LivePreviewModel(WorkerClient* worker, TrainingRunModel* run, ViewerModel* viewer,
                   LabelEditingModel* editing, QObject* parent = nullptr);
  ~LivePreviewModel() override;

  /// Milliseconds between two predict requests at most (default 3000).
  int interval() const { return timer_.interval(); }
  void setInterval(int ms);
  /// Live refresh on (default) or off.
  bool isEnabled() const { return enabled_; }
  void setEnabled(bool enabled);

  bool hasPreview() const { return preview_.has_value(); }
  /// The preview label map (null when none), on the viewer image's grid.
  const LabelVolume* preview() const { return preview_ ? &*preview_ : nullptr; }
  /// Per-voxel confidence of the preview (the winning class's probability), null when none.
  const ImageVolume* confidence() const { return confidence_ ? &*confidence_ : nullptr; }
  double meanConfidence() const { return meanConfidence_; }
  /// The checkpoint the preview was predicted with.
  const QString& previewVNet() const { return previewVNet_; }
  /// Labels present in the preview (without 0), ascending.
  QList<int> previewLabels() const;

  double opacity() const { return opacity_; }
  void setOpacity(double opacity);
  bool showConfidence() const { return showConfidence_; }
  void setShowConfidence(bool show);

  /// Copies the preview (label < 0: all of it; else one label) into the label map as one undo
  /// step named "Accept prediction" / "Accept prediction (label N)". The whole-case accept clears
  /// the preview. False when there is no preview or nothing would change.
  /// Shows `labels` and `confidence` as the preview without asking the worker (benchmarks,
  /// screenshots); both must be on the viewer's image grid, else sfr::Error.
  void showPrediction(LabelVolume labels, ImageVolume confidence, double meanConfidence);

  /// Reads a stored prediction (a case's label map and confidence map, as rankCases() wrote
  /// them) on a helper thread and shows it as the preview of the visible image, unless the image
  /// changed meanwhile. A file that cannot be read or is on another grid: errorOccurred().
  void showStoredPrediction(const QString& labels, const QString& confidenceMap,
                            double meanConfidence);

  bool acceptPreview(int label = -1);
  /// Drops the preview; it comes back with the next newer V-Net.
  void rejectPreview();

  /// Asks the worker to rank `images` with `vnet` (default: the run's newest V-Net). With
  /// `labelOutputs` and `confidenceOutputs` (one path each per image, or both empty) the worker
  /// also writes each image's label map and confidence map there, and ranking() names them.
  /// `spacing` (mm, 3 values) is for image files that store none (HDF5).
  bool rankCases(const QStringList& images, const QString& vnet = {},
                 const QStringList& labelOutputs = {}, const QStringList& confidenceOutputs = {},
                 const QList<double>& spacing = {});
  const QList<RankedVolume>& ranking() const { return ranking_; }
  double tau() const { return tau_; }
  void setTau(double tau) { tau_ = tau; }

  /// The visible image as written for the worker (empty until written).
  const QString& visibleImageFile() const { return imageFile_; }
  /// Requests sent, previews shown, and the last request's round trip (ms, -1 before).
  int requestCount() const { return requests_; }
  int previewCount() const { return previews_; }
  qint64 lastRoundTripMs() const { return lastRoundTripMs_; }
  const QString& lastError() const { return lastError_; }
  bool requestInFlight() const { return predictId_ >= 0 || loading_ > 0; }

 public Q_SLOTS:
  /// Looks for a newer V-Net now (the timer calls this).
  void refresh();

 Q_SIGNALS:
  /// The preview layer appeared, changed or was cleared.
  void previewChanged();
  /// Opacity or the confidence toggle changed.
  void displayChanged();
  void rankingChanged();
  /// A predict or rank request failed, or a file could not be read.
  void errorOccurred(const QString& message);

 private:
  void onRunState();
  void onReply(qint64 id, const QString& request, const QJsonObject& result);
  void onError(qint64 id, const QString& request, const QString& message);
  void onImageChanged();
  void writeVisibleImage();
  void sendPredict(const QString& vnet, const QDateTime& modified);
  void setError(const QString& message);
  /// Reads `labels` and `confidenceMap` on a helper thread (removing them afterwards when
  /// `removeFiles`), then shows them as the preview if the image is still `generation`.
  void loadPreview(const QString& labels, const QString& confidenceMap, double meanConfidence,
                   const QString& vnet, int generation, bool removeFiles);
  QString previewFolder() const;
  QJsonObject windowFields() const;

  WorkerClient* worker_;
  TrainingRunModel* run_;
  ViewerModel* viewer_;
  LabelEditingModel* editing_;
  QTimer timer_;
  bool enabled_ = true;
  double opacity_ = 0.5;
  bool showConfidence_ = false;
  double tau_ = kDefaultTau;

  int imageGeneration_ = 0;     ///< bumps when the viewer's image changes
  int writtenGeneration_ = -1;  ///< generation of imageFile_
  bool writingImage_ = false;
  QString imageFile_;

  qint64 predictId_ = -1;
  int predictGeneration_ = -1;
  QString predictVNet_;
  QDateTime predictVNetTime_;
  QElapsedTimer roundTrip_;
  int loading_ = 0;                    ///< prediction files being read
  bool lastRoundTripPending_ = false;  ///< the load in progress ends a predict round trip
  int sequence_ = 0;

  QString lastVNet_;  ///< newest V-Net a preview was requested for, and its time
  QDateTime lastVNetTime_;
  int lastGeneration_ = -1;

  std::optional<LabelVolume> preview_;
  std::optional<ImageVolume> confidence_;
  double meanConfidence_ = 0.0;
  QString previewVNet_;

  qint64 rankId_ = -1;
  QList<RankedVolume> ranking_;

  int requests_ = 0;
  int previews_ = 0;
  qint64 lastRoundTripMs_ = -1;
  QString lastError_;
};

}  // namespace sfr::ui
