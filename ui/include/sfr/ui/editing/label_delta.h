#pragma once
// What one edit changed in a label volume, stored sparsely so that undo never needs a copy of the
// volume: the changed voxels' linear indices as runs of consecutive voxels (start, length), and
// each changed voxel's old and new value. A brush stroke over 10 000 voxels costs about 20 kB
// however large the volume is.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "sfr/base/volume.h"

namespace sfr::ui {

/// One voxel's change: linear index (i + nx (j + ny k)), value before and after.
struct VoxelChange {
  std::size_t index = 0;
  std::uint8_t before = 0;
  std::uint8_t after = 0;
};

class LabelDelta {
 public:
  /// A run of `length` consecutive linear indices starting at `start`.
  struct Run {
    std::uint64_t start = 0;
    std::uint32_t length = 0;
  };

  LabelDelta() = default;
  /// From changes in any order. Changes with before == after are dropped; an index given twice
  /// throws sfr::Error("label delta", ...).
  static LabelDelta fromChanges(std::vector<VoxelChange> changes);

  bool empty() const { return before_.empty(); }
  /// Number of changed voxels.
  std::size_t voxelCount() const { return before_.size(); }
  /// Number of runs of consecutive indices.
  std::size_t runCount() const { return runs_.size(); }
  const std::vector<Run>& runs() const { return runs_; }

  /// Bytes this delta holds: sizeof(LabelDelta) + runCount() * sizeof(Run) + 2 * voxelCount()
  /// (the buffers are trimmed to their sizes when the delta is built).
  std::size_t memoryBytes() const;

  /// Writes the new values (redo). Throws sfr::Error when an index is outside `label`.
  void applyAfter(LabelVolume& label) const;
  /// Writes the old values (undo). Throws sfr::Error when an index is outside `label`.
  void applyBefore(LabelVolume& label) const;

  /// Calls `visit` for every change in ascending index order.
  void forEach(const std::function<void(const VoxelChange&)>& visit) const;

 private:
  void apply(LabelVolume& label, const std::vector<std::uint8_t>& values) const;

  std::vector<Run> runs_;
  std::vector<std::uint8_t> before_;
  std::vector<std::uint8_t> after_;
};

}  // namespace sfr::ui
