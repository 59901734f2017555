#pragma once
// The SAM group of the label-editing panel: what SAM is doing (or why it failed), Accept
// (= Enter: writes the pending proposals as one undo step), Propagate with the number of slices
// each way, and Clear. Enabled while the SAM tool is active; all state is in SamAssistModel.
#include <QGroupBox>

class QLabel;
class QPushButton;
class QSpinBox;

namespace sfr::ui {

class LabelEditingModel;

class SamPanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit SamPanel(LabelEditingModel* editing, QWidget* parent = nullptr);

  QLabel* statusLabel() const { return status_; }
  QPushButton* acceptButton() const { return accept_; }
  QPushButton* propagateButton() const { return propagate_; }
  /// Slices each way that Propagate prompts (default 5).
  QSpinBox* propagationSlicesSpinBox() const { return slices_; }
  QPushButton* clearButton() const { return clear_; }

 private:
  void sync();

  LabelEditingModel* editing_;
  QLabel* status_;
  QPushButton* accept_;
  QPushButton* propagate_;
  QSpinBox* slices_;
  QPushButton* clear_;
};

}  // namespace sfr::ui
