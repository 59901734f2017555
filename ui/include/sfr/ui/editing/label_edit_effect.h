#pragma once
// One label-editing tool = one effect behind this interface (Slicer's Segment Editor effects).
// The editing model feeds an effect the strokes of the left mouse button on a slice view in
// voxel and physical coordinates; the effect writes only through the LabelEditSession, which
// applies the label table's lock/overwrite rules and records the undo delta. Effects hold no
// widgets: the tools panel builds its controls from name(), shortcut(), iconName() and
// usesSetting(), and the slice view draws the brush outline and pending vertices it reports.
#include <QKeySequence>
#include <QString>
#include <Qt>
#include <vector>

#include "sfr/base/volume.h"
#include "sfr/ui/editing/edit_options.h"
#include "sfr/ui/editing/label_edit_session.h"
#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

/// A point of a stroke: the slice view it happened in and the voxel under the pointer (its index
/// along fixedDimension(geometry, axis) is the view's slice).
struct StrokePoint {
  SliceAxis axis = SliceAxis::Axial;
  VoxelIndex voxel{0, 0, 0};
  Vec3 position{0.0, 0.0, 0.0};  ///< physical position of the voxel centre (mm, ITK/LPS)
  /// Keys held when the button went down or the pointer moved (SAM: Shift = negative point).
  Qt::KeyboardModifiers modifiers = Qt::NoModifier;
};

/// What an effect works with during a stroke.
struct EditContext {
  const ImageVolume& image;
  LabelEditSession& session;
  const EditOptions& options;
};

/// The shared settings an effect reads (the tools panel enables the matching controls).
enum class EffectSetting { BrushSize, ThreeD, ThresholdRange, FloodFill };

class LabelEditEffect {
 public:
  virtual ~LabelEditEffect() = default;

  /// Tool name for buttons and menus ("Brush").
  virtual QString name() const = 0;
  /// Name of the undo step one completed edit makes ("Brush stroke").
  virtual QString undoName() const = 0;
  /// One-line usage hint for the tools panel.
  virtual QString hint() const = 0;
  /// Single-key shortcut that selects the tool.
  virtual QKeySequence shortcut() const = 0;
  /// Freedesktop icon-theme name (QIcon::fromTheme); buttons fall back to the name.
  virtual QString iconName() const = 0;
  /// Mouse cursor over a slice view while the tool is active.
  virtual Qt::CursorShape cursorShape() const { return Qt::CrossCursor; }
  virtual bool usesSetting(EffectSetting setting) const = 0;
  /// True when the slice view should draw the brush footprint under the pointer.
  virtual bool showsBrushOutline() const { return false; }

  /// The left button went down on a slice.
  virtual void beginStroke(EditContext& context, const StrokePoint& point) = 0;
  /// The pointer moved with the button down (clamped into the slice).
  virtual void continueStroke(EditContext& context, const StrokePoint& point) {
    (void)context;
    (void)point;
  }
  /// The button went up. True when the edit is complete, so its writes become one undo step;
  /// false while the effect waits for more input (polygon vertices).
  virtual bool endStroke(EditContext& context, const StrokePoint& point) = 0;
  /// Completes pending multi-click input (Enter, double click); true when that completed an edit.
  virtual bool finish(EditContext& context) {
    (void)context;
    return false;
  }
  /// Forgets pending input (Esc, another tool). Writes already made are reverted by the model.
  virtual void cancel() {}
  /// Vertices of pending input the view draws (polygon), all on one slice of pendingAxis().
  virtual std::vector<VoxelIndex> pendingVertices() const { return {}; }
  virtual SliceAxis pendingAxis() const { return SliceAxis::Axial; }
};

}  // namespace sfr::ui
