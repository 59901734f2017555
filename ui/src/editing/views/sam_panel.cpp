#include "sfr/ui/editing/views/sam_panel.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/sam_assist_model.h"

namespace sfr::ui {

SamPanel::SamPanel(LabelEditingModel* editing, QWidget* parent)
    : QGroupBox(tr("SAM"), parent),
      editing_(editing),
      status_(new QLabel),
      accept_(new QPushButton(tr("Accept (Enter)"))),
      propagate_(new QPushButton(tr("Propagate"))),
      slices_(new QSpinBox),
      clear_(new QPushButton(tr("Clear"))) {
  status_->setWordWrap(true);
  status_->setMinimumHeight(status_->fontMetrics().lineSpacing() * 2);
  accept_->setToolTip(tr("Write every pending proposal into the active label (one undo step)"));
  propagate_->setToolTip(
      tr("Prompt the neighbouring slices with the box of the previous "
         "slice's mask, until the mask vanishes"));
  slices_->setRange(1, 200);
  slices_->setValue(5);
  slices_->setPrefix(tr("\u00b1"));
  slices_->setSuffix(tr(" slices"));
  auto* grid = new QGridLayout(this);
  grid->addWidget(status_, 0, 0, 1, 3);
  grid->addWidget(accept_, 1, 0);
  grid->addWidget(propagate_, 1, 1);
  grid->addWidget(slices_, 1, 2);
  grid->addWidget(clear_, 2, 0);

  SamAssistModel* sam = editing_->samAssist();
  connect(accept_, &QPushButton::clicked, editing_, &LabelEditingModel::finish);
  connect(propagate_, &QPushButton::clicked, this,
          [this, sam] { sam->propagate(slices_->value()); });
  connect(clear_, &QPushButton::clicked, sam, &SamAssistModel::clear);
  connect(sam, &SamAssistModel::changed, this, &SamPanel::sync);
  connect(editing_, &LabelEditingModel::activeEffectChanged, this, &SamPanel::sync);
  sync();
}

void SamPanel::sync() {
  const SamAssistModel* sam = editing_->samAssist();
  setEnabled(editing_->activeEffectIndex() == LabelEditingModel::SamAssist);
  status_->setText(sam->status().isEmpty() ? tr("Drag a box or click a point on a slice.")
                                           : sam->status());
  accept_->setEnabled(sam->hasProposals());
  propagate_->setEnabled(!sam->busy() && sam->proposal(sam->prompt().axis, sam->prompt().slice));
  clear_->setEnabled(!sam->prompt().empty() || sam->hasProposals());
}

}  // namespace sfr::ui
