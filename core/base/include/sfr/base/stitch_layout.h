#pragma once
// Which voxel of a 3D crop goes to which pixel of SAM's square canvas (spec §2). Lives in core/base
// so the engine's tensor Stitcher and the studio's mosaic view use the very same rule.
//
// Crop axes follow spec §1.2: (X, Y, Z) with slice k = vol[:, :, k] shown transposed, i.e. canvas
// rows run along y and columns along x.
#include <array>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/base/geometry.h"

namespace sfr {

enum class StitchMode {
  Released,  ///< §2.1: grid = S // slice size, 1-px/3-px tile pads, ps empty slices, exact copy
  Resample,  ///< §2.3: d x d grid (d = ceil(sqrt(Z)) or fixed), slices resized to tile - 2*pad
};

struct StitchSettings {
  int canvas = 1024;  ///< S, SAM's input size
  StitchMode mode = StitchMode::Released;
  int resampleGrid = 0;  ///< d for Resample; 0 = ceil(sqrt(Z))
  int resamplePad = 4;   ///< pixels of pad around each resampled tile (value 0 / 255)

  StitchSettings& setCanvas(int v) {
    canvas = v;
    return *this;
  }
  StitchSettings& setMode(StitchMode v) {
    mode = v;
    return *this;
  }
  StitchSettings& setResampleGrid(int v) {
    resampleGrid = v;
    return *this;
  }
};

void to_json(nlohmann::json& j, const StitchSettings& s);
void from_json(const nlohmann::json& j, StitchSettings& s);

/// Where one slice's content lands on the canvas: rows [row0, row0+rows), cols [col0, col0+cols).
/// In Released mode rows == Y and cols == X (an exact copy, possibly partly off-canvas: never,
/// since such shapes are refused); in Resample mode the slice is resized to rows x cols.
struct TileRect {
  int row0 = 0, col0 = 0, rows = 0, cols = 0;
};

/// One canvas: `depth` consecutive crop slices starting at `firstSlice`, slice z of the chunk in
/// `tiles[z]`.
struct StitchChunk {
  int firstSlice = 0;
  std::vector<TileRect> tiles;
};

class StitchLayout {
 public:
  /// Computes the layout for a crop of size (X, Y, Z). Throws sfr::Error for shapes the released
  /// rule mishandles (mixed-sign offsets, voxels falling off the canvas) instead of producing
  /// silent garbage. Z larger than the grid holds is split into overlapping chunks (§2.4).
  StitchLayout(const Size3& crop, const StitchSettings& settings = {});

  const StitchSettings& settings() const { return settings_; }
  const Size3& crop() const { return crop_; }
  int canvasSize() const { return settings_.canvas; }

  // §2.1 quantities (Released mode; in Resample mode nRow = nCol = d and pads are resamplePad).
  int nRow() const { return nRow_; }
  int nCol() const { return nCol_; }
  int tilesPerCanvas() const { return nRow_ * nCol_; }  ///< T
  int padRows() const { return pw_; }                   ///< pw
  int padCols() const { return ph_; }                   ///< ph
  int padSlices() const { return ps_; }                 ///< ps (0 when chunked)
  int tileHeight() const { return tileH_; }             ///< s_l
  int tileWidth() const { return tileW_; }              ///< s_w
  int offsetRows() const { return offRow_; }            ///< pww (may be negative)
  int offsetCols() const { return offCol_; }            ///< phh (may be negative)

  const std::vector<StitchChunk>& chunks() const { return chunks_; }
  /// Number of chunks covering slice z (1, or 2 where the last chunk overlaps its predecessor).
  int coverage(int z) const;

  /// Canvas pixel of voxel (x, y, z) in chunk `chunk`, or nullopt when that chunk doesn't hold z.
  /// In Resample mode the pixel is the nearest one to the voxel centre.
  std::optional<std::array<int, 2>> canvasPixel(int chunk, int x, int y, int z) const;
  /// The voxel shown at canvas pixel (row, col) of `chunk`, or nullopt for padding.
  std::optional<std::array<int, 3>> voxelAt(int chunk, int row, int col) const;

 private:
  StitchSettings settings_;
  Size3 crop_;
  int nRow_ = 0, nCol_ = 0, pw_ = 0, ph_ = 0, ps_ = 0, tileH_ = 0, tileW_ = 0, offRow_ = 0,
      offCol_ = 0;
  std::vector<StitchChunk> chunks_;
};

/// Python's round(): half to even (round(0.5) = 0, round(2.5) = 2).
long long roundHalfEven(double value);
/// Python's // for ints: rounds toward minus infinity.
long long floorDiv(long long a, long long b);

}  // namespace sfr
