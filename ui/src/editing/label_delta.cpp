#include "sfr/ui/editing/label_delta.h"

#include <algorithm>
#include <limits>
#include <string>

#include "sfr/base/error.h"

namespace sfr::ui {

LabelDelta LabelDelta::fromChanges(std::vector<VoxelChange> changes) {
  changes.erase(std::remove_if(changes.begin(), changes.end(),
                               [](const VoxelChange& c) { return c.before == c.after; }),
                changes.end());
  std::sort(changes.begin(), changes.end(),
            [](const VoxelChange& a, const VoxelChange& b) { return a.index < b.index; });
  LabelDelta delta;
  delta.before_.reserve(changes.size());
  delta.after_.reserve(changes.size());
  for (std::size_t n = 0; n < changes.size(); ++n) {
    const VoxelChange& c = changes[n];
    if (n > 0 && changes[n - 1].index == c.index)
      throw Error("label delta", "voxel " + std::to_string(c.index) + " is changed twice");
    const bool extends = !delta.runs_.empty() &&
                         delta.runs_.back().start + delta.runs_.back().length == c.index &&
                         delta.runs_.back().length < std::numeric_limits<std::uint32_t>::max();
    if (extends)
      ++delta.runs_.back().length;
    else
      delta.runs_.push_back({static_cast<std::uint64_t>(c.index), 1});
    delta.before_.push_back(c.before);
    delta.after_.push_back(c.after);
  }
  delta.runs_.shrink_to_fit();
  return delta;
}

std::size_t LabelDelta::memoryBytes() const {
  return sizeof(LabelDelta) + runs_.size() * sizeof(Run) + before_.size() + after_.size();
}

void LabelDelta::apply(LabelVolume& label, const std::vector<std::uint8_t>& values) const {
  if (!runs_.empty()) {
    const Run& last = runs_.back();
    if (last.start + last.length > label.voxelCount())
      throw Error("label delta", "voxel " + std::to_string(last.start + last.length - 1) +
                                     " is outside the label volume of " +
                                     std::to_string(label.voxelCount()) + " voxels");
  }
  std::uint8_t* out = label.data();
  std::size_t n = 0;
  for (const Run& run : runs_) {
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(n), run.length, out + run.start);
    n += run.length;
  }
}

void LabelDelta::applyAfter(LabelVolume& label) const {
  apply(label, after_);
}

void LabelDelta::applyBefore(LabelVolume& label) const {
  apply(label, before_);
}

void LabelDelta::forEach(const std::function<void(const VoxelChange&)>& visit) const {
  std::size_t n = 0;
  for (const Run& run : runs_)
    for (std::uint32_t r = 0; r < run.length; ++r, ++n)
      visit({static_cast<std::size_t>(run.start + r), before_[n], after_[n]});
}

}  // namespace sfr::ui
