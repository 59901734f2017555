#include "sfr/ui/editing/views/edit_actions.h"

#include <QAction>
#include <QActionGroup>
#include <QIcon>

#include "sfr/ui/editing/label_editing_model.h"

namespace sfr::ui {

EditActions::EditActions(LabelEditingModel* editing, QObject* parent)
    : QObject(parent), editing_(editing), group_(new QActionGroup(this)) {
  group_->setExclusive(true);
  navigate_ = new QAction(QIcon::fromTheme(QStringLiteral("transform-move")), tr("Navigate"), this);
  navigate_->setShortcut(QKeySequence(Qt::Key_Escape));
  navigate_->setToolTip(tr("Navigate (Esc): the left button moves the cursor"));
  tools_ << navigate_;
  for (int i = 0; i < editing_->effectCount(); ++i) {
    const LabelEditEffect* effect = editing_->effect(i);
    auto* action = new QAction(QIcon::fromTheme(effect->iconName()), effect->name(), this);
    action->setShortcut(effect->shortcut());
    action->setToolTip(tr("%1 (%2): %3")
                           .arg(effect->name(),
                                effect->shortcut().toString(QKeySequence::NativeText),
                                effect->hint()));
    action->setData(i);
    tools_ << action;
  }
  navigate_->setData(LabelEditingModel::kNavigate);
  for (QAction* action : tools_) {
    // Buttons show the icon text: the key in it teaches the shortcut. Menus list it anyway.
    action->setIconText(
        tr("%1 (%2)", "tool (key)")
            .arg(action->text(), action->shortcut().toString(QKeySequence::NativeText)));
    action->setCheckable(true);
    group_->addAction(action);
    connect(action, &QAction::triggered, editing_,
            [this, action] { editing_->setActiveEffect(action->data().toInt()); });
  }
  connect(editing_, &LabelEditingModel::activeEffectChanged, this, &EditActions::syncChecked);
  syncChecked();

  undo_ = new QAction(QIcon::fromTheme(QStringLiteral("edit-undo")), tr("&Undo"), this);
  undo_->setShortcut(QKeySequence::Undo);
  redo_ = new QAction(QIcon::fromTheme(QStringLiteral("edit-redo")), tr("&Redo"), this);
  redo_->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
  connect(undo_, &QAction::triggered, editing_, &LabelEditingModel::undo);
  connect(redo_, &QAction::triggered, editing_, &LabelEditingModel::redo);
  connect(editing_, &LabelEditingModel::undoStateChanged, this, &EditActions::syncUndo);
  syncUndo();
}

QAction* EditActions::toolAction(int index) const {
  return (index >= 0 && index + 1 < tools_.size()) ? tools_[index + 1] : nullptr;
}

void EditActions::syncChecked() {
  const int active = editing_->activeEffectIndex();
  QAction* checked = active == LabelEditingModel::kNavigate ? navigate_ : toolAction(active);
  if (checked) checked->setChecked(true);
}

void EditActions::syncUndo() {
  undo_->setEnabled(editing_->canUndo());
  undo_->setText(editing_->canUndo() ? tr("&Undo %1").arg(editing_->undoName()) : tr("&Undo"));
  redo_->setEnabled(editing_->canRedo());
  redo_->setText(editing_->canRedo() ? tr("&Redo %1").arg(editing_->redoName()) : tr("&Redo"));
}

}  // namespace sfr::ui
