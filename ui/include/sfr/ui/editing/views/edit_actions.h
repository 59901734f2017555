#pragma once
// The QActions of label editing, bound to a LabelEditingModel: one checkable action per tool plus
// "Navigate" (Esc), in one exclusive group, each with the effect's single-key shortcut, and Undo
// (Ctrl+Z) / Redo (Ctrl+Shift+Z, Ctrl+Y) named after the step they apply. The main window puts
// them in its menus (which makes the shortcuts work anywhere in the window) and the tools panel
// shows them as buttons.
#include <QList>
#include <QObject>

class QAction;
class QActionGroup;

namespace sfr::ui {

class LabelEditingModel;

class EditActions : public QObject {
  Q_OBJECT

 public:
  explicit EditActions(LabelEditingModel* editing, QObject* parent = nullptr);

  QAction* navigateAction() const { return navigate_; }
  /// The action selecting effect `index` of the model (null out of range).
  QAction* toolAction(int index) const;
  /// Navigate first, then one per effect in the model's order.
  const QList<QAction*>& toolActions() const { return tools_; }
  QAction* undoAction() const { return undo_; }
  QAction* redoAction() const { return redo_; }

 private:
  void syncChecked();
  void syncUndo();

  LabelEditingModel* editing_;
  QActionGroup* group_;
  QAction* navigate_;
  QList<QAction*> tools_;
  QAction* undo_;
  QAction* redo_;
};

}  // namespace sfr::ui
