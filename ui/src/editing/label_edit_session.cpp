#include "sfr/ui/editing/label_edit_session.h"

#include <vector>

#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

LabelEditSession::LabelEditSession(LabelVolume& label, const LabelTable& table)
    : label_(label),
      table_(table),
      active_(table.activeLabel()),
      overwrite_(table.overwriteOtherLabels()) {}

bool LabelEditSession::canPaint(std::size_t n) const {
  const std::uint8_t current = label_.data()[n];
  if (current == active_ || table_.isLocked(active_) || table_.isLocked(current)) return false;
  return current == 0 || overwrite_;
}

bool LabelEditSession::paint(std::size_t n) {
  if (!canPaint(n)) return false;
  write(n, active_);
  return true;
}

bool LabelEditSession::erase(std::size_t n) {
  const std::uint8_t current = label_.data()[n];
  if (current == 0 || table_.isLocked(current)) return false;
  if (current != active_ && !overwrite_) return false;
  write(n, 0);
  return true;
}

void LabelEditSession::write(std::size_t n, std::uint8_t value) {
  std::uint8_t& voxel = label_.data()[n];
  original_.emplace(n, voxel);  // keeps the first (original) value when touched again
  voxel = value;
  ++writes_;
}

LabelDelta LabelEditSession::takeDelta() {
  std::vector<VoxelChange> changes;
  changes.reserve(original_.size());
  for (const auto& [n, before] : original_) changes.push_back({n, before, label_.data()[n]});
  original_.clear();
  return LabelDelta::fromChanges(std::move(changes));
}

void LabelEditSession::revert() {
  for (const auto& [n, before] : original_) label_.data()[n] = before;
  original_.clear();
}

}  // namespace sfr::ui
