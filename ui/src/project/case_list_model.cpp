#include "sfr/ui/project/case_list_model.h"

#include <QColor>
#include <QFont>

#include "sfr/ui/project/project_model.h"

namespace sfr::ui {

QColor CaseListModel::flaggedBackground() {
  return QColor(0xff, 0xe0, 0xb2);  // light orange
}

CaseListModel::CaseListModel(ProjectModel* project, QObject* parent)
    : QAbstractTableModel(parent), project_(project) {
  connect(project_, &ProjectModel::projectReset, this, [this] {
    beginResetModel();
    endResetModel();
  });
  connect(project_, &ProjectModel::caseChanged, this, &CaseListModel::onCaseChanged);
}

int CaseListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : project_->caseCount();
}

int CaseListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant CaseListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= project_->caseCount()) return {};
  const ProjectCase& c = project_->caseAt(index.row());
  const bool flagged = c.state == CaseState::Flagged || isBelowThreshold(c.confidence);
  switch (role) {
    case Qt::DisplayRole:
      if (index.column() == CaseColumn) return QString::fromStdString(c.id);
      if (index.column() == StateColumn) return caseStateLabel(c.state);
      if (index.column() == ConfidenceColumn)
        return c.confidence ? QString::number(*c.confidence, 'f', 4) : QStringLiteral("-");
      return {};
    case Qt::DecorationRole:
      return index.column() == CaseColumn ? QVariant(caseStateColor(c.state)) : QVariant();
    case Qt::BackgroundRole:
      return flagged ? QVariant(flaggedBackground()) : QVariant();
    case Qt::FontRole: {
      if (index.row() != project_->currentCaseIndex()) return {};
      QFont font;
      font.setBold(true);
      return font;
    }
    case Qt::ToolTipRole: {
      QString tip = tr("Image: %1").arg(QString::fromStdString(c.image.string()));
      if (c.label)
        tip += QLatin1Char('\n') + tr("Label: %1").arg(QString::fromStdString(c.label->string()));
      if (c.prediction)
        tip += QLatin1Char('\n') +
               tr("Prediction: %1").arg(QString::fromStdString(c.prediction->string()));
      if (flagged)
        tip += QLatin1Char('\n') +
               tr("Confidence under %1: check this case").arg(kConfidenceThreshold);
      return tip;
    }
    case Qt::TextAlignmentRole:
      return index.column() == ConfidenceColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter))
                                                : QVariant();
    case StateRole:
      return static_cast<int>(c.state);
    case ConfidenceRole:
      return c.confidence ? QVariant(*c.confidence) : QVariant();
    case FlaggedRole:
      return flagged;
    default:
      return {};
  }
}

QVariant CaseListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case CaseColumn:
      return tr("Case");
    case StateColumn:
      return tr("State");
    case ConfidenceColumn:
      return tr("Confidence");
    default:
      return {};
  }
}

void CaseListModel::onCaseChanged(int row) {
  if (row < 0 || row >= rowCount()) return;
  Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

}  // namespace sfr::ui
