#include "sfr/ui/editing/views/edit_tools_panel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/views/edit_actions.h"
#include "sfr/ui/editing/views/label_table_widget.h"
#include "sfr/ui/editing/views/sam_panel.h"
#include "sfr/ui/model/viewer_model.h"

namespace sfr::ui {

namespace {

QToolButton* toolButtonFor(QAction* action) {
  auto* button = new QToolButton;
  button->setDefaultAction(action);  // the button shows the action's iconText, "Brush (B)"
  button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  return button;
}

}  // namespace

EditToolsPanel::EditToolsPanel(LabelEditingModel* editing, EditActions* actions, QWidget* parent)
    : QWidget(parent),
      editing_(editing),
      hint_(new QLabel),
      brushGroup_(new QGroupBox(tr("Brush"))),
      brushSize_(new QDoubleSpinBox),
      threeD_(new QCheckBox(tr("3D (sphere brush, 3D flood fill)"))),
      thresholdGroup_(new QGroupBox(tr("Threshold"))),
      thresholdLower_(new QDoubleSpinBox),
      thresholdUpper_(new QDoubleSpinBox),
      floodGroup_(new QGroupBox(tr("Flood Fill"))),
      floodMode_(new QComboBox),
      floodTolerance_(new QDoubleSpinBox),
      samPanel_(new SamPanel(editing)),
      labels_(new LabelTableWidget(editing->labelTable())),
      overwrite_(new QCheckBox(tr("Overwrite other labels"))) {
  auto* toolsGroup = new QGroupBox(tr("Tools"));
  auto* toolsGrid = new QGridLayout(toolsGroup);
  toolsGrid->setSpacing(2);
  const QList<QAction*>& tools = actions->toolActions();
  for (int i = 0; i < tools.size(); ++i) {
    QToolButton* button = toolButtonFor(tools[i]);
    toolButtons_ << button;
    toolsGrid->addWidget(button, i / 2, i % 2);
  }
  auto* undoButton = new QToolButton;
  undoButton->setDefaultAction(actions->undoAction());
  auto* redoButton = new QToolButton;
  redoButton->setDefaultAction(actions->redoAction());
  for (QToolButton* b : {undoButton, redoButton}) {
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  }
  const int undoRow = static_cast<int>((tools.size() + 1) / 2);
  toolsGrid->addWidget(undoButton, undoRow, 0);
  toolsGrid->addWidget(redoButton, undoRow, 1);
  hint_->setWordWrap(true);
  hint_->setMinimumHeight(hint_->fontMetrics().lineSpacing() * 2);
  toolsGrid->addWidget(hint_, undoRow + 1, 0, 1, 2);

  brushSize_->setRange(0.1, 100.0);
  brushSize_->setDecimals(2);
  brushSize_->setSingleStep(0.5);
  brushSize_->setSuffix(tr(" mm"));
  brushSize_->setToolTip(tr("Brush radius in millimetres (anisotropic spacing is respected)"));
  auto* brushForm = new QFormLayout(brushGroup_);
  brushForm->addRow(tr("Radius"), brushSize_);
  brushForm->addRow(threeD_);

  auto* thresholdForm = new QFormLayout(thresholdGroup_);
  thresholdForm->addRow(tr("Lower"), thresholdLower_);
  thresholdForm->addRow(tr("Upper"), thresholdUpper_);

  floodMode_->addItem(tr("Same label"), static_cast<int>(FloodFillMode::SameLabel));
  floodMode_->addItem(tr("Intensity within tolerance"), static_cast<int>(FloodFillMode::Intensity));
  floodTolerance_->setDecimals(4);
  auto* floodForm = new QFormLayout(floodGroup_);
  floodForm->addRow(tr("Region"), floodMode_);
  floodForm->addRow(tr("Tolerance"), floodTolerance_);

  auto* labelsGroup = new QGroupBox(tr("Labels"));
  auto* labelsLayout = new QVBoxLayout(labelsGroup);
  labelsLayout->addWidget(labels_);
  overwrite_->setToolTip(tr("Paint over other (unlocked) labels and erase every unlocked label"));
  labelsLayout->addWidget(overwrite_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(toolsGroup);
  layout->addWidget(samPanel_);
  layout->addWidget(brushGroup_);
  layout->addWidget(thresholdGroup_);
  layout->addWidget(floodGroup_);
  layout->addWidget(labelsGroup, 1);

  // Controls -> models. Invalid combinations (lower above upper) are refused by the model and the
  // controls snap back to its values.
  const auto guarded = [this](auto&& apply) {
    try {
      apply();
    } catch (const Error&) {
      syncOptions();
    }
  };
  connect(brushSize_, &QDoubleSpinBox::valueChanged, this,
          [this, guarded](double v) { guarded([&] { editing_->setBrushRadiusMm(v); }); });
  connect(threeD_, &QCheckBox::toggled, editing_, &LabelEditingModel::setThreeD);
  connect(thresholdLower_, &QDoubleSpinBox::valueChanged, this, [this, guarded](double v) {
    guarded(
        [&] { editing_->setThresholdRange(v, std::max(v, editing_->options().thresholdUpper)); });
  });
  connect(thresholdUpper_, &QDoubleSpinBox::valueChanged, this, [this, guarded](double v) {
    guarded(
        [&] { editing_->setThresholdRange(std::min(v, editing_->options().thresholdLower), v); });
  });
  connect(floodMode_, &QComboBox::currentIndexChanged, this, [this](int) {
    editing_->setFloodMode(static_cast<FloodFillMode>(floodMode_->currentData().toInt()));
  });
  connect(floodTolerance_, &QDoubleSpinBox::valueChanged, this,
          [this, guarded](double v) { guarded([&] { editing_->setFloodTolerance(v); }); });
  LabelTable* table = editing_->labelTable();
  connect(overwrite_, &QCheckBox::toggled, table, &LabelTable::setOverwriteOtherLabels);

  // Models -> controls.
  connect(editing_, &LabelEditingModel::optionsChanged, this, &EditToolsPanel::syncOptions);
  connect(editing_, &LabelEditingModel::activeEffectChanged, this, &EditToolsPanel::syncActiveTool);
  connect(table, &LabelTable::overwriteChanged, this, [this, table] {
    const QSignalBlocker block(overwrite_);
    overwrite_->setChecked(table->overwriteOtherLabels());
  });
  connect(editing_->viewer(), &ViewerModel::imageChanged, this,
          &EditToolsPanel::syncIntensityRange);
  overwrite_->setChecked(table->overwriteOtherLabels());
  syncIntensityRange();
  syncActiveTool();
}

QToolButton* EditToolsPanel::toolButton(int index) const {
  return (index >= 0 && index < toolButtons_.size()) ? toolButtons_[index] : nullptr;
}

void EditToolsPanel::syncIntensityRange() {
  // Spin boxes cover the image's intensities (and the current values, so nothing is clipped).
  const EditOptions& o = editing_->options();
  double lo = o.thresholdLower, hi = o.thresholdUpper;
  if (editing_->viewer()->hasImage()) {
    const IntensityStats& s = editing_->viewer()->intensityStats();
    lo = std::min(lo, static_cast<double>(s.minimum));
    hi = std::max(hi, static_cast<double>(s.maximum));
  }
  const double span = std::max(hi - lo, 1e-6);
  // Enough decimals for about a thousand steps over the range.
  const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(span))), 0, 6);
  for (QDoubleSpinBox* box : {thresholdLower_, thresholdUpper_, floodTolerance_}) {
    const QSignalBlocker block(box);
    box->setDecimals(decimals);
    box->setSingleStep(span / 100.0);
  }
  {
    const QSignalBlocker a(thresholdLower_), b(thresholdUpper_), c(floodTolerance_);
    thresholdLower_->setRange(lo, hi);
    thresholdUpper_->setRange(lo, hi);
    floodTolerance_->setRange(0.0, span);
  }
  syncOptions();
}

void EditToolsPanel::syncOptions() {
  const EditOptions& o = editing_->options();
  const QSignalBlocker a(brushSize_), b(threeD_), c(thresholdLower_), d(thresholdUpper_),
      e(floodMode_), f(floodTolerance_);
  brushSize_->setValue(o.brushRadiusMm);
  threeD_->setChecked(o.threeD);
  thresholdLower_->setValue(o.thresholdLower);
  thresholdUpper_->setValue(o.thresholdUpper);
  floodMode_->setCurrentIndex(floodMode_->findData(static_cast<int>(o.floodMode)));
  floodTolerance_->setValue(o.floodTolerance);
}

void EditToolsPanel::syncActiveTool() {
  const LabelEditEffect* effect = editing_->activeEffect();
  hint_->setText(effect ? effect->hint()
                        : tr("Navigate: the left button moves the cursor. Pick a tool to edit the "
                             "active label."));
  // While navigating every setting stays editable, so tools can be prepared before use.
  const auto uses = [effect](EffectSetting s) { return !effect || effect->usesSetting(s); };
  brushSize_->setEnabled(uses(EffectSetting::BrushSize));
  threeD_->setEnabled(uses(EffectSetting::ThreeD));
  brushGroup_->setEnabled(uses(EffectSetting::BrushSize) || uses(EffectSetting::ThreeD));
  thresholdGroup_->setEnabled(uses(EffectSetting::ThresholdRange));
  floodGroup_->setEnabled(uses(EffectSetting::FloodFill));
}

}  // namespace sfr::ui
