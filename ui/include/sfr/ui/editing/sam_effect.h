#pragma once
// SAM: the label tool that asks the engine's pretrained SAM for a mask. Drag a box, or click
// positive points (Shift+click: negative), on a slice; the proposal appears as a preview (it is
// not in the label map). Enter (or Accept) writes every pending proposal, the prompt slice's
// and the propagated ones, into the active label as one undo step; Esc drops them. The state
// lives in SamAssistModel; this effect only turns strokes into prompts and writes on finish().
#include <QCoreApplication>

#include "sfr/ui/editing/label_edit_effect.h"

namespace sfr::ui {

class SamAssistModel;

class SamEffect : public LabelEditEffect {
  Q_DECLARE_TR_FUNCTIONS(sfr::ui::SamEffect)

 public:
  /// A drag shorter than this (pixels in either direction) is a click.
  static constexpr int kMinimumBoxSide = 3;

  explicit SamEffect(SamAssistModel* model) : model_(model) {}

  QString name() const override { return tr("SAM"); }
  QString undoName() const override;
  QString hint() const override;
  QKeySequence shortcut() const override { return QKeySequence(Qt::Key_S); }
  QString iconName() const override { return QStringLiteral("tools-wizard"); }
  bool usesSetting(EffectSetting) const override { return false; }

  void beginStroke(EditContext& context, const StrokePoint& point) override;
  void continueStroke(EditContext& context, const StrokePoint& point) override;
  bool endStroke(EditContext& context, const StrokePoint& point) override;
  /// Writes the pending proposals (paint rules of the session apply); true when there were any.
  bool finish(EditContext& context) override;
  void cancel() override;

 private:
  QRect dragRect(const EditContext& context, const StrokePoint& point) const;

  SamAssistModel* model_;
  SliceAxis axis_ = SliceAxis::Axial;
  int slice_ = 0;
  VoxelIndex start_{0, 0, 0};
  Qt::KeyboardModifiers modifiers_;
  int acceptedSlices_ = 0;
};

}  // namespace sfr::ui
