#pragma once
// The state every view of the studio shows: image, label map, cursor, window/level, overlay
// opacity, 3D options. No widgets here (ITK-SNAP's model/view split): views read it, call its
// setters and repaint on its signals, so the linking of the views is the model's job alone.
#include <QObject>
#include <QString>
#include <optional>

#include "sfr/base/volume.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/window_level.h"

namespace sfr::ui {

/// What the status bar shows about the voxel under the cursor.
struct CursorReadout {
  VoxelIndex voxel{0, 0, 0};
  Vec3 position{0.0, 0.0, 0.0};  ///< physical (mm), ITK/LPS
  float intensity = 0.0f;
  int label = -1;  ///< -1 when no label map is loaded
};

class ViewerModel : public QObject {
  Q_OBJECT

 public:
  explicit ViewerModel(QObject* parent = nullptr);

  /// Replaces the image (and drops a label map that no longer fits), centres the cursor and
  /// initialises window/level from the 1st/99th percentile. `name` is shown in the title bar.
  void setImage(ImageVolume image, const QString& name);
  /// Sets the label map; throws sfr::Error naming `name` when there is no image or the grid
  /// differs.
  void setLabel(LabelVolume label, const QString& name);
  void clearLabel();

  bool hasImage() const { return !image_.empty(); }
  bool hasLabel() const { return label_.has_value(); }
  const ImageVolume& image() const { return image_; }
  /// Null when no label map is loaded.
  const LabelVolume* label() const { return label_ ? &*label_ : nullptr; }
  /// Write access for the one label writer (the editing model), which must announce its writes
  /// with labelChanged(). Null when no label map is loaded.
  LabelVolume* mutableLabel() { return label_ ? &*label_ : nullptr; }
  const QString& imageName() const { return imageName_; }
  const QString& labelName() const { return labelName_; }
  const IntensityStats& intensityStats() const { return stats_; }

  const VoxelIndex& cursor() const { return cursor_; }
  /// Moves the cursor; each index is clamped into the image.
  void setCursor(const VoxelIndex& voxel);
  /// The slice a view along `axis` shows: the cursor's index along the fixed dimension.
  int sliceIndex(SliceAxis axis) const;
  /// Number of slices along `axis` (0 without an image).
  int sliceCount(SliceAxis axis) const;
  void setSliceIndex(SliceAxis axis, int index);
  /// Scrolls by `steps` slices (clamped at the ends).
  void moveSlice(SliceAxis axis, int steps);
  /// Moves the cursor to the voxel under picture pixel (x, y) of the view along `axis`, keeping
  /// that view's slice; ignored outside the picture. This is what links the crosshairs.
  void setCursorFromSlicePixel(SliceAxis axis, int x, int y);
  CursorReadout cursorReadout() const;
  /// One line for the status bar: voxel, physical position, intensity and label.
  QString describeCursor() const;

  const WindowLevel& windowLevel() const { return windowLevel_; }
  void setWindowLevel(const WindowLevel& wl);
  /// Back to the 1st/99th-percentile default.
  void resetWindowLevel();

  double labelOpacity() const { return labelOpacity_; }
  /// Clamped to [0, 1].
  void setLabelOpacity(double opacity);

  bool volumeRenderingEnabled() const { return volumeRendering_; }
  void setVolumeRenderingEnabled(bool enabled);

 Q_SIGNALS:
  void imageChanged();
  void labelChanged();
  void cursorChanged();
  void windowLevelChanged();
  void labelOpacityChanged();
  void volumeRenderingChanged(bool enabled);

 private:
  ImageVolume image_;
  std::optional<LabelVolume> label_;
  QString imageName_;
  QString labelName_;
  IntensityStats stats_;
  VoxelIndex cursor_{0, 0, 0};
  WindowLevel windowLevel_;
  double labelOpacity_ = 0.5;
  bool volumeRendering_ = false;
};

}  // namespace sfr::ui
