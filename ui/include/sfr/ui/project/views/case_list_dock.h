#pragma once
// The "Cases" dock: a table view on a CaseListModel. Double click or Enter on a row asks to open
// that case (caseActivated); arrows, Home/End and PageUp/PageDown move through the list. No logic:
// the main window decides what opening means.
#include <QDockWidget>

class QTableView;

namespace sfr::ui {

class CaseListModel;

class CaseListDock : public QDockWidget {
  Q_OBJECT

 public:
  explicit CaseListDock(CaseListModel* model, QWidget* parent = nullptr);

  QTableView* tableView() const { return table_; }
  /// Selects and shows row `row` (the open case), without activating it.
  void showCase(int row);

 Q_SIGNALS:
  void caseActivated(int row);

 private:
  QTableView* table_;
};

}  // namespace sfr::ui
