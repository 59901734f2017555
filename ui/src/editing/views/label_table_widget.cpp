#include "sfr/ui/editing/views/label_table_widget.h"

#include <QColorDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

namespace {

QPixmap swatch(QRgb color) {
  QPixmap pixmap(16, 16);
  pixmap.fill(QColor(color));
  QPainter painter(&pixmap);
  painter.setPen(QColor(40, 40, 40));
  painter.drawRect(0, 0, 15, 15);
  return pixmap;
}

}  // namespace

LabelTableItemModel::LabelTableItemModel(LabelTable* table, QObject* parent)
    : QAbstractTableModel(parent), table_(table) {
  // Any change may add or remove rows; tables have a handful of rows, so a reset is cheap.
  connect(table_, &LabelTable::entriesChanged, this, [this] {
    beginResetModel();
    endResetModel();
  });
}

int LabelTableItemModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(table_->entries().size());
}

int LabelTableItemModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant LabelTableItemModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const LabelEntry& e = table_->entries()[static_cast<std::size_t>(index.row())];
  switch (index.column()) {
    case ColorColumn:
      if (role == Qt::DecorationRole) return swatch(e.color);
      if (role == Qt::ToolTipRole) return tr("Double-click to change the colour");
      break;
    case ValueColumn:
      if (role == Qt::DisplayRole) return e.value;
      break;
    case NameColumn:
      if (role == Qt::DisplayRole || role == Qt::EditRole) return e.name;
      break;
    case VisibleColumn:
      if (role == Qt::CheckStateRole) return e.visible ? Qt::Checked : Qt::Unchecked;
      if (role == Qt::ToolTipRole) return tr("Show this label in the slice views");
      break;
    case LockedColumn:
      if (role == Qt::CheckStateRole) return e.locked ? Qt::Checked : Qt::Unchecked;
      if (role == Qt::ToolTipRole) return tr("Lock: no tool changes this label's voxels");
      break;
    default:
      break;
  }
  return {};
}

bool LabelTableItemModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.row() >= rowCount()) return false;
  const std::uint8_t label = table_->entries()[static_cast<std::size_t>(index.row())].value;
  const bool checked = value.toInt() == Qt::Checked;
  if (index.column() == NameColumn && role == Qt::EditRole) {
    table_->setName(label, value.toString());
    return true;
  }
  if (index.column() == VisibleColumn && role == Qt::CheckStateRole) {
    table_->setVisible(label, checked);
    return true;
  }
  if (index.column() == LockedColumn && role == Qt::CheckStateRole) {
    table_->setLocked(label, checked);
    return true;
  }
  return false;
}

QVariant LabelTableItemModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColorColumn:
      return QString();
    case ValueColumn:
      return tr("Value");
    case NameColumn:
      return tr("Name");
    case VisibleColumn:
      return tr("Show");
    case LockedColumn:
      return tr("Lock");
    default:
      return {};
  }
}

Qt::ItemFlags LabelTableItemModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == NameColumn) f |= Qt::ItemIsEditable;
  if (index.column() == VisibleColumn || index.column() == LockedColumn)
    f |= Qt::ItemIsUserCheckable;
  return f;
}

int LabelTableItemModel::rowOfLabel(int value) const {
  const auto& entries = table_->entries();
  for (std::size_t r = 0; r < entries.size(); ++r)
    if (entries[r].value == value) return static_cast<int>(r);
  return -1;
}

LabelTableWidget::LabelTableWidget(LabelTable* table, QWidget* parent)
    : QWidget(parent),
      table_(table),
      items_(new LabelTableItemModel(table, this)),
      view_(new QTableView),
      add_(new QPushButton(tr("Add"))),
      remove_(new QPushButton(tr("Remove"))) {
  view_->setModel(items_);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setSelectionMode(QAbstractItemView::SingleSelection);
  view_->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
  view_->verticalHeader()->hide();
  view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  view_->horizontalHeader()->setSectionResizeMode(LabelTableItemModel::NameColumn,
                                                  QHeaderView::Stretch);
  view_->setMinimumHeight(110);
  add_->setToolTip(tr("Add a label with the smallest unused value"));
  remove_->setToolTip(tr("Remove the selected label from the table (its voxels stay)"));

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(add_);
  buttons->addWidget(remove_);
  buttons->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
  layout->addLayout(buttons);

  connect(add_, &QPushButton::clicked, this, [this] {
    if (table_->entries().size() < 254) table_->setActiveLabel(table_->addNewEntry());
  });
  connect(remove_, &QPushButton::clicked, this,
          [this] { table_->removeEntry(table_->activeLabel()); });
  connect(
      view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
      [this](const QModelIndex& current) {
        if (current.isValid() && current.row() < static_cast<int>(table_->entries().size()))
          table_->setActiveLabel(table_->entries()[static_cast<std::size_t>(current.row())].value);
      });
  connect(view_, &QTableView::doubleClicked, this, &LabelTableWidget::chooseColor);
  connect(table_, &LabelTable::activeLabelChanged, this, &LabelTableWidget::selectActiveRow);
  connect(items_, &QAbstractItemModel::modelReset, this, &LabelTableWidget::selectActiveRow);
  selectActiveRow();
}

void LabelTableWidget::selectActiveRow() {
  const int row = items_->rowOfLabel(table_->activeLabel());
  remove_->setEnabled(table_->entries().size() > 1);
  if (row < 0 || view_->currentIndex().row() == row) return;
  view_->setCurrentIndex(items_->index(row, LabelTableItemModel::NameColumn));
}

void LabelTableWidget::chooseColor(const QModelIndex& index) {
  if (index.column() != LabelTableItemModel::ColorColumn) return;
  const LabelEntry& e = table_->entries()[static_cast<std::size_t>(index.row())];
  const std::uint8_t value = e.value;
  const QColor color = QColorDialog::getColor(QColor(e.color), this, tr("Label Colour"));
  if (color.isValid()) table_->setColor(value, color.rgb());
}

}  // namespace sfr::ui
