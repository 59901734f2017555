#include "sfr/ui/editing/undo_stack.h"

namespace sfr::ui {

std::size_t UndoStep::memoryBytes() const {
  return delta.memoryBytes() + static_cast<std::size_t>(name.size()) * sizeof(QChar);
}

UndoStack::UndoStack(std::size_t memoryLimitBytes) : limit_(memoryLimitBytes) {}

void UndoStack::push(const QString& name, LabelDelta delta) {
  if (delta.empty()) return;
  for (const UndoStep& step : redo_) bytes_ -= step.memoryBytes();
  redo_.clear();
  undo_.push_back({name, std::move(delta)});
  bytes_ += undo_.back().memoryBytes();
  trim();
}

QString UndoStack::undoName() const {
  return undo_.empty() ? QString() : undo_.back().name;
}

QString UndoStack::redoName() const {
  return redo_.empty() ? QString() : redo_.back().name;
}

bool UndoStack::undo(LabelVolume& label) {
  if (undo_.empty()) return false;
  undo_.back().delta.applyBefore(label);
  redo_.push_back(std::move(undo_.back()));
  undo_.pop_back();
  return true;
}

bool UndoStack::redo(LabelVolume& label) {
  if (redo_.empty()) return false;
  redo_.back().delta.applyAfter(label);
  undo_.push_back(std::move(redo_.back()));
  redo_.pop_back();
  return true;
}

void UndoStack::clear() {
  undo_.clear();
  redo_.clear();
  bytes_ = 0;
}

void UndoStack::setMemoryLimit(std::size_t bytes) {
  limit_ = bytes;
  trim();
}

void UndoStack::trim() {
  // The oldest undo steps go first; redo steps only once a single undo step is left, and the
  // newest undo step (the last edit) is never dropped.
  while (bytes_ > limit_ && undo_.size() > 1) {
    bytes_ -= undo_.front().memoryBytes();
    undo_.pop_front();
    ++dropped_;
  }
  while (bytes_ > limit_ && !redo_.empty() && (undo_.size() + redo_.size()) > 1) {
    // The redo step furthest from the present is the front.
    bytes_ -= redo_.front().memoryBytes();
    redo_.pop_front();
    ++dropped_;
  }
}

}  // namespace sfr::ui
