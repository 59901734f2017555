#pragma once
// The label table as a widget: one row per label with its colour swatch, value, name (editable),
// "show" and "lock" check boxes; the selected row is the active label. Double-clicking a swatch
// picks a new colour. A thin adapter (LabelTableItemModel) exposes the LabelTable to QTableView;
// every change goes through the LabelTable's setters.
#include <QAbstractTableModel>
#include <QWidget>

class QPushButton;
class QTableView;

namespace sfr::ui {

class LabelTable;

class LabelTableItemModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    ColorColumn = 0,
    ValueColumn,
    NameColumn,
    VisibleColumn,
    LockedColumn,
    ColumnCount
  };

  explicit LabelTableItemModel(LabelTable* table, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  /// Row of label `value`, -1 when it has no entry.
  int rowOfLabel(int value) const;

 private:
  LabelTable* table_;
};

class LabelTableWidget : public QWidget {
  Q_OBJECT

 public:
  explicit LabelTableWidget(LabelTable* table, QWidget* parent = nullptr);

  QTableView* view() const { return view_; }
  LabelTableItemModel* itemModel() const { return items_; }
  QPushButton* addButton() const { return add_; }
  QPushButton* removeButton() const { return remove_; }

 private:
  void selectActiveRow();
  void chooseColor(const QModelIndex& index);

  LabelTable* table_;
  LabelTableItemModel* items_;
  QTableView* view_;
  QPushButton* add_;
  QPushButton* remove_;
};

}  // namespace sfr::ui
