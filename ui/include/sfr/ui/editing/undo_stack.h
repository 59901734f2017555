#pragma once
// Undo/redo of label edits: a list of named steps ("Brush stroke", "Flood fill", ...), each one
// sparse LabelDelta, within a memory bound. When the steps together exceed the bound the oldest
// undo steps are dropped first (then redo steps), but the newest step is always kept so that the
// last edit can be undone. Plain C++ on the volume it is given: the editing model owns the volume.
#include <QString>
#include <cstddef>
#include <deque>

#include "sfr/ui/editing/label_delta.h"

namespace sfr::ui {

struct UndoStep {
  QString name;
  LabelDelta delta;

  /// delta.memoryBytes() plus the name's characters.
  std::size_t memoryBytes() const;
};

class UndoStack {
 public:
  static constexpr std::size_t kDefaultMemoryLimit = std::size_t(256) << 20;  // 256 MiB

  explicit UndoStack(std::size_t memoryLimitBytes = kDefaultMemoryLimit);

  /// Records an edit that was already applied to the volume. Clears the redo steps, then drops
  /// the oldest steps while over the memory limit. An empty delta is not recorded.
  void push(const QString& name, LabelDelta delta);

  bool canUndo() const { return !undo_.empty(); }
  bool canRedo() const { return !redo_.empty(); }
  int undoCount() const { return static_cast<int>(undo_.size()); }
  int redoCount() const { return static_cast<int>(redo_.size()); }
  /// Name of the step undo() / redo() would apply (empty when none).
  QString undoName() const;
  QString redoName() const;

  /// Restores the old values of the newest step in `label`; false when there is none.
  bool undo(LabelVolume& label);
  /// Re-applies the step undone last; false when there is none.
  bool redo(LabelVolume& label);

  void clear();
  /// Sum of memoryBytes() of every undo and redo step.
  std::size_t memoryBytes() const { return bytes_; }
  std::size_t memoryLimit() const { return limit_; }
  /// Changes the bound and drops steps as push() does.
  void setMemoryLimit(std::size_t bytes);
  /// Steps dropped because of the memory bound since construction.
  int droppedCount() const { return dropped_; }

 private:
  void trim();

  std::deque<UndoStep> undo_;  // oldest first
  std::deque<UndoStep> redo_;  // the step undone last is at the back
  std::size_t bytes_ = 0;
  std::size_t limit_;
  int dropped_ = 0;
};

}  // namespace sfr::ui
