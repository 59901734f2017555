#pragma once
// The only way effects write into the label volume. A session applies the label table's rules to
// every write and remembers each touched voxel's original value, so that the finished edit becomes
// one sparse undo step (takeDelta) or is rolled back (revert).
//
// Rules, with a = the active label when the session started:
//   paint(n):  voxel n becomes a unless it already is a, a is locked, its current label is
//              locked, or it carries another label (not background) and "overwrite other labels"
//              is off.
//   erase(n):  voxel n becomes 0 when it carries a, or any unlocked label when overwriting is on.
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "sfr/base/volume.h"
#include "sfr/ui/editing/label_delta.h"

namespace sfr::ui {

class LabelTable;

class LabelEditSession {
 public:
  /// `label` and `table` must outlive the session; the table's active label and overwrite flag
  /// are read once, here, so one stroke keeps its meaning; locks are read at every write.
  LabelEditSession(LabelVolume& label, const LabelTable& table);

  LabelEditSession(const LabelEditSession&) = delete;
  LabelEditSession& operator=(const LabelEditSession&) = delete;

  std::uint8_t activeLabel() const { return active_; }
  const LabelVolume& label() const { return label_; }

  /// True when paint(n) would change voxel n.
  bool canPaint(std::size_t n) const;
  /// Paints the active label into voxel n under the rules above; true when the voxel changed.
  bool paint(std::size_t n);
  /// Erases voxel n under the rules above; true when the voxel changed.
  bool erase(std::size_t n);

  /// Number of writes that changed a voxel so far (grows with every successful paint/erase; the
  /// editing model repaints the views when it grows).
  std::size_t writeCount() const { return writes_; }
  /// Number of distinct voxels written so far.
  std::size_t touchedCount() const { return original_.size(); }

  /// The changes so far as one delta (voxels written back to their original value are left out);
  /// the session starts over empty afterwards.
  LabelDelta takeDelta();
  /// Restores every touched voxel's original value and starts over empty.
  void revert();

 private:
  void write(std::size_t n, std::uint8_t value);

  LabelVolume& label_;
  const LabelTable& table_;
  std::uint8_t active_;
  bool overwrite_;
  std::unordered_map<std::size_t, std::uint8_t> original_;
  std::size_t writes_ = 0;
};

}  // namespace sfr::ui
