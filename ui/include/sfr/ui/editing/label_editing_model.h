#pragma once
// The editing state of the studio, without widgets: the label table, the shared effect options,
// the effects (one per tool), which one is active (none = navigate), the stroke in progress and
// the undo stack. Slice views hand it left-button strokes in voxel coordinates; it runs the
// active effect through a LabelEditSession on the ViewerModel's label map and turns every
// completed edit into one named undo step.
//
// Repainting: labelEdited() fires after every write (slice views re-render at once); the
// ViewerModel's labelChanged(), which also rebuilds the 3D surfaces, fires at most once per
// surfaceUpdateDelay() after completed edits, undo and redo, so strokes stay fluid on large
// volumes.
#include <QObject>
#include <QString>
#include <QTimer>
#include <memory>
#include <vector>

#include "sfr/ui/editing/edit_options.h"
#include "sfr/ui/editing/label_edit_effect.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/editing/undo_stack.h"

namespace sfr::ui {

class SamAssistModel;
class ViewerModel;

class LabelEditingModel : public QObject {
  Q_OBJECT

 public:
  /// Index of each standard effect in effect().
  enum EffectId {
    Brush = 0,
    Eraser,
    Polygon,
    FloodFill,
    ThresholdBrush,
    FillBetweenSlices,
    SamAssist,
    EffectCount
  };
  static constexpr int kNavigate = -1;

  explicit LabelEditingModel(ViewerModel* viewer, QObject* parent = nullptr);
  ~LabelEditingModel() override;

  ViewerModel* viewer() const { return viewer_; }
  LabelTable* labelTable() const { return table_; }
  /// Prompts and proposals of the SAM tool (its worker link, propagation).
  SamAssistModel* samAssist() const { return samAssist_; }

  int effectCount() const { return static_cast<int>(effects_.size()); }
  LabelEditEffect* effect(int index) const;
  /// The active effect, null while navigating.
  LabelEditEffect* activeEffect() const { return effect(active_); }
  int activeEffectIndex() const { return active_; }
  /// Selects an effect (kNavigate or an index out of range: navigate). Pending input of the
  /// previous effect is cancelled.
  void setActiveEffect(int index);

  const EditOptions& options() const { return options_; }
  /// Applies options after validate() (throws sfr::Error for invalid ones, nothing changes).
  void setOptions(const EditOptions& options);
  void setBrushRadiusMm(double mm);
  void setThreeD(bool threeD);
  void setThresholdRange(double lower, double upper);
  void setFloodMode(FloodFillMode mode);
  void setFloodTolerance(double tolerance);

  // Strokes from the slice views (left button). press() returns false when no effect is active or
  // no image is loaded (the view then navigates). Without a label map an empty one is created.
  bool press(SliceAxis axis, const VoxelIndex& voxel,
             Qt::KeyboardModifiers modifiers = Qt::NoModifier);
  void move(SliceAxis axis, const VoxelIndex& voxel,
            Qt::KeyboardModifiers modifiers = Qt::NoModifier);
  void release(SliceAxis axis, const VoxelIndex& voxel,
               Qt::KeyboardModifiers modifiers = Qt::NoModifier);
  /// Completes pending input (polygon vertices, SAM proposals); Enter, double click, Accept.
  void finish();
  /// Drops the stroke or pending input and reverts its writes; Esc.
  void cancel();
  bool strokeInProgress() const { return stroking_; }

  const UndoStack& undoStack() const { return undo_; }
  bool canUndo() const { return undo_.canUndo(); }
  bool canRedo() const { return undo_.canRedo(); }
  QString undoName() const { return undo_.undoName(); }
  QString redoName() const { return undo_.redoName(); }
  void setUndoMemoryLimit(std::size_t bytes);
  /// Applies an edit made outside the tools (an accepted prediction) as one named undo step:
  /// cancels pending input, creates an empty label map when there is none, writes the delta's
  /// new values and pushes it. False (nothing changes) for an empty delta or no image; throws
  /// sfr::Error when an index lies outside the label map.
  bool applyDelta(const QString& name, LabelDelta delta);

  /// Milliseconds between the first edit and the 3D rebuild (default 400).
  int surfaceUpdateDelay() const { return surfaceTimer_.interval(); }
  void setSurfaceUpdateDelay(int ms) { surfaceTimer_.setInterval(ms); }
  /// True while a 3D rebuild is scheduled.
  bool surfaceUpdatePending() const { return surfaceTimer_.isActive(); }
  /// Runs a scheduled 3D rebuild now.
  void flushSurfaceUpdate();

 public Q_SLOTS:
  void undo();
  void redo();

 Q_SIGNALS:
  void activeEffectChanged();
  void optionsChanged();
  /// The undo/redo steps or their names changed.
  void undoStateChanged();
  /// Voxels of the label map changed (slice views re-render).
  void labelEdited();
  /// Pending input (polygon vertices) changed (slice views repaint).
  void pendingChanged();

 private:
  StrokePoint strokePoint(SliceAxis axis, const VoxelIndex& voxel,
                          Qt::KeyboardModifiers modifiers) const;
  LabelVolume& editableLabel();
  void ensureLabel();
  void commit(const QString& name);
  void afterWrites();
  void dropSession();
  void scheduleSurfaceUpdate();
  void onViewerLabelChanged();
  void onViewerImageChanged();

  ViewerModel* viewer_;
  LabelTable* table_;
  SamAssistModel* samAssist_;
  EditOptions options_;
  std::vector<std::unique_ptr<LabelEditEffect>> effects_;
  int active_ = kNavigate;
  std::unique_ptr<LabelEditSession> session_;
  std::size_t writesSeen_ = 0;
  bool stroking_ = false;
  UndoStack undo_;
  QTimer surfaceTimer_;
  bool notifyingViewer_ = false;  // our own labelChanged() must not reset the undo stack
};

}  // namespace sfr::ui
