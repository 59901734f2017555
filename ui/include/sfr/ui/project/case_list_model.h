#pragma once
// The project's cases as a table for the case list dock (a Qt item model, no widgets): case id
// with a state-coloured marker, state, confidence. Cases under tau (flagged, or any known
// confidence < 0.985) get a highlighted background; the open case is bold.
#include <QAbstractTableModel>

namespace sfr::ui {

class ProjectModel;

class CaseListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { CaseColumn = 0, StateColumn, ConfidenceColumn, ColumnCount };
  enum Role {
    StateRole = Qt::UserRole + 1,  ///< int(CaseState)
    ConfidenceRole,                ///< double, invalid when unknown
    FlaggedRole,                   ///< bool: under tau
  };
  /// Background of flagged rows.
  static QColor flaggedBackground();

  explicit CaseListModel(ProjectModel* project, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  void onCaseChanged(int row);

  ProjectModel* project_;
};

}  // namespace sfr::ui
