#pragma once
// The label-editing panel (a dock of the main window): tool buttons bound to EditActions, the
// active tool's hint, undo/redo buttons, the SAM group, brush size (mm) and 2D/3D, threshold range,
// flood-fill mode and tolerance, the label table and "overwrite other labels". Every control writes
// through the LabelEditingModel / LabelTable setters and follows their signals; controls of
// settings the active tool does not use are disabled.
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QToolButton;

namespace sfr::ui {

class EditActions;
class LabelEditingModel;
class LabelTableWidget;
class SamPanel;

class EditToolsPanel : public QWidget {
  Q_OBJECT

 public:
  EditToolsPanel(LabelEditingModel* editing, EditActions* actions, QWidget* parent = nullptr);

  QDoubleSpinBox* brushSizeSpinBox() const { return brushSize_; }
  QCheckBox* threeDCheckBox() const { return threeD_; }
  QDoubleSpinBox* thresholdLowerSpinBox() const { return thresholdLower_; }
  QDoubleSpinBox* thresholdUpperSpinBox() const { return thresholdUpper_; }
  QComboBox* floodModeComboBox() const { return floodMode_; }
  QDoubleSpinBox* floodToleranceSpinBox() const { return floodTolerance_; }
  QCheckBox* overwriteCheckBox() const { return overwrite_; }
  LabelTableWidget* labelTableWidget() const { return labels_; }
  /// The SAM tool's status, Accept, Propagate and Clear.
  SamPanel* samPanel() const { return samPanel_; }
  QLabel* hintLabel() const { return hint_; }
  /// Button of tool action `index` of EditActions::toolActions() (0 = navigate).
  QToolButton* toolButton(int index) const;

 private:
  void syncOptions();
  void syncActiveTool();
  void syncIntensityRange();

  LabelEditingModel* editing_;
  QList<QToolButton*> toolButtons_;
  QLabel* hint_;
  QGroupBox* brushGroup_;
  QDoubleSpinBox* brushSize_;
  QCheckBox* threeD_;
  QGroupBox* thresholdGroup_;
  QDoubleSpinBox* thresholdLower_;
  QDoubleSpinBox* thresholdUpper_;
  QGroupBox* floodGroup_;
  QComboBox* floodMode_;
  QDoubleSpinBox* floodTolerance_;
  SamPanel* samPanel_;
  LabelTableWidget* labels_;
  QCheckBox* overwrite_;
};

}  // namespace sfr::ui
