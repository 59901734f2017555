#include "sfr/ui/project/views/case_list_dock.h"

#include <QHeaderView>
#include <QTableView>

#include "sfr/ui/project/case_list_model.h"

namespace sfr::ui {

CaseListDock::CaseListDock(CaseListModel* model, QWidget* parent)
    : QDockWidget(tr("Cases"), parent), table_(new QTableView) {
  setObjectName(QStringLiteral("caseListDock"));
  table_->setObjectName(QStringLiteral("caseListView"));
  table_->setModel(model);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setTabKeyNavigation(false);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(CaseListModel::CaseColumn, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(CaseListModel::StateColumn,
                                                   QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(CaseListModel::ConfidenceColumn,
                                                   QHeaderView::ResizeToContents);
  table_->setFocusPolicy(Qt::StrongFocus);
  // activated: double click, or Enter/Return on the current row.
  connect(table_, &QAbstractItemView::activated, this,
          [this](const QModelIndex& index) { Q_EMIT caseActivated(index.row()); });
  setWidget(table_);
  setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
              QDockWidget::DockWidgetClosable);
}

void CaseListDock::showCase(int row) {
  if (row < 0 || row >= table_->model()->rowCount()) {
    table_->clearSelection();
    return;
  }
  const QModelIndex index = table_->model()->index(row, 0);
  table_->setCurrentIndex(index);
  table_->scrollTo(index);
}

}  // namespace sfr::ui
