#pragma once
// The stitched-grid (mosaic) view's model: a crop of the current case laid onto SAM's square
// canvas with the very rule the engine's Stitcher uses (sfr::StitchLayout, spec §2), so the
// clinician sees the mosaic exactly as SAM does. No widgets: MosaicView only shows canvas() and
// hands clicks to clickCanvasPixel().
//
// The crop defaults to the cpu preset's (docs/run-config.md): 64 x 64 x 32 on a 512² canvas for
// LA-like cases (LA, phantoms), 48 x 48 x 32 on 384² otherwise. Crop axes are the volume's storage
// axes (i, j, k): canvas rows run along j, columns along i, one tile per slice k (spec §1.2).
#include <QImage>
#include <QObject>
#include <optional>

#include "sfr/base/stitch_layout.h"
#include "sfr/base/volume.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/window_level.h"

namespace sfr::ui {

class LabelTable;
class LivePreviewModel;
class ViewerModel;

struct MosaicSettings {
  Size3 crop{64, 64, 32};  ///< (X, Y, Z) voxels of the crop
  int canvas = 512;        ///< S

  /// The cpu preset's crop and canvas: LA-like (LA, phantoms) 64 x 64 x 32 on 512², else
  /// 48 x 48 x 32 on 384².
  static MosaicSettings cpuPreset(bool laLike);

  MosaicSettings& setCrop(const Size3& v) {
    crop = v;
    return *this;
  }
  MosaicSettings& setCanvas(int v) {
    canvas = v;
    return *this;
  }
};

/// First voxel of a crop of size `crop` centred on `cursor` and clamped so that it stays inside a
/// volume of size `volume` (origin 0 along an axis where the volume is smaller than the crop;
/// the voxels past the volume are then shown as padding).
VoxelIndex mosaicCropOrigin(const Size3& volume, const Size3& crop, const VoxelIndex& cursor);

/// What renderMosaic() draws. Label and preview may be null; when given they must be on the
/// image grid. `table` null means the default colours (labelColor, every label 1..254 drawn).
struct MosaicLayers {
  const ImageVolume* image = nullptr;
  const LabelVolume* label = nullptr;
  const LabelVolume* preview = nullptr;     ///< live-preview / pseudo-label layer
  const ImageVolume* confidence = nullptr;  ///< drawn instead of `preview` when given
  const LabelTable* table = nullptr;
  WindowLevel windowLevel;
  double labelOpacity = 0.5;
  double previewOpacity = 0.5;
};

/// The S x S canvas (Format_RGB32) of chunk `chunk` of `layout` for the crop starting at
/// `origin`: pixel (row, col) shows voxel origin + layout.voxelAt(chunk, row, col) with grey
/// greyValue(v) (the slice views' rule), the label blended as round((1 - a) g + a c) (a = label
/// opacity), then the preview label blended the same way with the preview opacity (or the
/// confidence overlay: orange, alpha 2 (1 - confidence)). Padding and voxels outside the volume
/// are black.
QImage renderMosaic(const StitchLayout& layout, int chunk, const VoxelIndex& origin,
                    const MosaicLayers& layers);

class MosaicModel : public QObject {
  Q_OBJECT

 public:
  /// `preview` and `table` may be null.
  MosaicModel(ViewerModel* viewer, LivePreviewModel* preview, const LabelTable* table,
              QObject* parent = nullptr);
  ~MosaicModel() override;

  const MosaicSettings& settings() const { return settings_; }
  /// Throws sfr::Error when the released rule refuses the crop/canvas pair.
  void setSettings(const MosaicSettings& settings);
  const StitchLayout& layout() const { return *layout_; }

  /// First voxel of the crop. The crop is centred on the cursor when an image is set and when the
  /// cursor leaves it (so clicking a tile does not move the mosaic); centreOnCursor() forces it.
  const VoxelIndex& origin() const { return origin_; }
  void centreOnCursor();
  /// The chunk shown: the first one holding the cursor's slice.
  int chunk() const { return chunk_; }

  /// The canvas (null image without an image), rebuilt lazily after every change.
  const QImage& canvas() const;
  /// The volume voxel at canvas pixel (row, col), nullopt for padding or outside the volume.
  std::optional<VoxelIndex> voxelAtCanvasPixel(int row, int col) const;
  /// The canvas pixel (row, col) of volume voxel `voxel`, nullopt when the crop does not hold it.
  std::optional<std::array<int, 2>> canvasPixelOfVoxel(const VoxelIndex& voxel) const;
  /// canvasPixelOfVoxel() of the linked cursor.
  std::optional<std::array<int, 2>> cursorCanvasPixel() const;
  /// The tile of the cursor's slice, nullopt when the crop does not hold the cursor.
  std::optional<TileRect> cursorTile() const;
  /// Moves the linked cursor to the voxel at (row, col); false (cursor unchanged) on padding.
  bool clickCanvasPixel(int row, int col);

 public Q_SLOTS:
  /// Rebuilds the canvas on the next canvas() (voxels of the label map were edited).
  void invalidate();

 Q_SIGNALS:
  /// The canvas or the cursor marker changed.
  void changed();

 private:
  void onCursorChanged();
  bool cropHolds(const VoxelIndex& voxel) const;
  void updateChunk();

  ViewerModel* viewer_;
  LivePreviewModel* preview_;
  const LabelTable* table_;
  MosaicSettings settings_;
  std::optional<StitchLayout> layout_;
  VoxelIndex origin_{0, 0, 0};
  int chunk_ = 0;
  mutable QImage canvas_;
  mutable bool dirty_ = true;
};

}  // namespace sfr::ui
