#include "sfr/base/stitch_layout.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "sfr/base/error.h"

namespace sfr {

long long roundHalfEven(double value) {
  const double lower = std::floor(value);
  const double diff = value - lower;
  if (diff < 0.5) return static_cast<long long>(lower);
  if (diff > 0.5) return static_cast<long long>(lower) + 1;
  const auto even = static_cast<long long>(lower);
  return (even % 2 == 0) ? even : even + 1;
}

long long floorDiv(long long a, long long b) {
  long long q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

namespace {
const char* modeName(StitchMode m) {
  return m == StitchMode::Released ? "released" : "resample";
}

std::string shapeText(const Size3& c) {
  return std::to_string(c[0]) + "x" + std::to_string(c[1]) + "x" + std::to_string(c[2]);
}
}  // namespace

void to_json(nlohmann::json& j, const StitchSettings& s) {
  j = nlohmann::json{{"canvas", s.canvas},
                     {"mode", modeName(s.mode)},
                     {"resample_grid", s.resampleGrid},
                     {"resample_pad", s.resamplePad}};
}

void from_json(const nlohmann::json& j, StitchSettings& s) {
  const StitchSettings d;
  s.canvas = j.value("canvas", d.canvas);
  const std::string mode = j.value("mode", std::string(modeName(d.mode)));
  if (mode == "released")
    s.mode = StitchMode::Released;
  else if (mode == "resample")
    s.mode = StitchMode::Resample;
  else
    throw Error("stitch.mode", "unknown mode '" + mode + "' (expected released or resample)");
  s.resampleGrid = j.value("resample_grid", d.resampleGrid);
  s.resamplePad = j.value("resample_pad", d.resamplePad);
}

StitchLayout::StitchLayout(const Size3& crop, const StitchSettings& settings)
    : settings_(settings), crop_(crop) {
  const int S = settings.canvas;
  const int X = static_cast<int>(crop[0]), Y = static_cast<int>(crop[1]),
            Z = static_cast<int>(crop[2]);
  const std::string subject = "stitch " + shapeText(crop);
  if (S < 16) throw Error(subject, "canvas size must be at least 16");
  if (X < 1 || Y < 1 || Z < 1) throw Error(subject, "crop has an empty axis");

  int depth = 0;  // slices per canvas
  if (settings.mode == StitchMode::Released) {
    nRow_ = S / Y;
    nCol_ = S / X;
    if (nRow_ == 0 || nCol_ == 0)
      throw Error(subject, "a slice is larger than the " + std::to_string(S) + " px canvas");
    const int T = nRow_ * nCol_;
    pw_ = static_cast<int>(roundHalfEven((static_cast<double>(S) / nRow_ - Y) / 2.0));
    ph_ = static_cast<int>(roundHalfEven((static_cast<double>(S) / nCol_ - X) / 2.0));
    ps_ = Z <= T ? std::max(static_cast<int>(floorDiv(T - Z, 2)), 0) : 0;
    tileH_ = Y + 2 * pw_;
    tileW_ = X + 2 * ph_;
    offRow_ = static_cast<int>(floorDiv(S - tileH_ * nRow_, 2));
    offCol_ = static_cast<int>(floorDiv(S - tileW_ * nCol_, 2));
    if ((offRow_ < 0) != (offCol_ < 0))
      throw Error(subject, "the released rule gives offsets of mixed sign (pww=" +
                               std::to_string(offRow_) + ", phh=" + std::to_string(offCol_) +
                               "); the released code crashes or returns an empty canvas here. "
                               "Use a square crop or stitch mode 'resample'");
    depth = std::min(Z, T);
  } else {
    const int d = settings.resampleGrid > 0
                      ? settings.resampleGrid
                      : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(Z)) - 1e-12));
    nRow_ = nCol_ = d;
    const int tile = S / d;
    pw_ = ph_ = settings.resamplePad;
    if (tile - 2 * pw_ < 1)
      throw Error(subject, "grid " + std::to_string(d) + "x" + std::to_string(d) +
                               " leaves no room for slice content in a " + std::to_string(S) +
                               " px canvas");
    tileH_ = tileW_ = tile;
    offRow_ = offCol_ = static_cast<int>(floorDiv(S - d * tile, 2));
    ps_ = 0;
    depth = std::min(Z, d * d);
  }

  // Depth chunking (§2.4): m = ceil(Z / T) canvases, the last one overlapping its predecessor.
  const int m = (Z + depth - 1) / depth;
  for (int i = 0; i < m; ++i) {
    StitchChunk chunk;
    chunk.firstSlice = (i < m - 1) ? i * depth : Z - depth;
    for (int z = 0; z < depth; ++z) {
      const int k = z + ps_;
      const int r = k / nCol_, c = k % nCol_;
      TileRect t;
      t.row0 = offRow_ + r * tileH_ + pw_;
      t.col0 = offCol_ + c * tileW_ + ph_;
      t.rows = settings.mode == StitchMode::Released ? Y : tileH_ - 2 * pw_;
      t.cols = settings.mode == StitchMode::Released ? X : tileW_ - 2 * ph_;
      if (t.row0 < 0 || t.col0 < 0 || t.row0 + t.rows > S || t.col0 + t.cols > S)
        throw Error(subject, "voxels of slice " + std::to_string(chunk.firstSlice + z) +
                                 " would fall off the " + std::to_string(S) + " px canvas (tile " +
                                 std::to_string(tileH_) + "x" + std::to_string(tileW_) +
                                 ", offsets " + std::to_string(offRow_) + "," +
                                 std::to_string(offCol_) + ")");
      chunk.tiles.push_back(t);
    }
    chunks_.push_back(std::move(chunk));
  }
}

int StitchLayout::coverage(int z) const {
  int n = 0;
  for (const StitchChunk& c : chunks_)
    if (z >= c.firstSlice && z < c.firstSlice + static_cast<int>(c.tiles.size())) ++n;
  return n;
}

std::optional<std::array<int, 2>> StitchLayout::canvasPixel(int chunk, int x, int y, int z) const {
  if (chunk < 0 || chunk >= static_cast<int>(chunks_.size())) return std::nullopt;
  const StitchChunk& c = chunks_[chunk];
  const int zc = z - c.firstSlice;
  if (zc < 0 || zc >= static_cast<int>(c.tiles.size())) return std::nullopt;
  const int X = static_cast<int>(crop_[0]), Y = static_cast<int>(crop_[1]);
  if (x < 0 || y < 0 || x >= X || y >= Y) return std::nullopt;
  const TileRect& t = c.tiles[zc];
  if (settings_.mode == StitchMode::Released) return std::array<int, 2>{t.row0 + y, t.col0 + x};
  const int row = std::min(t.rows - 1, static_cast<int>((y + 0.5) * t.rows / Y));
  const int col = std::min(t.cols - 1, static_cast<int>((x + 0.5) * t.cols / X));
  return std::array<int, 2>{t.row0 + row, t.col0 + col};
}

std::optional<std::array<int, 3>> StitchLayout::voxelAt(int chunk, int row, int col) const {
  if (chunk < 0 || chunk >= static_cast<int>(chunks_.size())) return std::nullopt;
  const StitchChunk& c = chunks_[chunk];
  // Tiles form a regular grid: find the tile from the row/column directly.
  const int kr = static_cast<int>(floorDiv(row - offRow_, tileH_));
  const int kc = static_cast<int>(floorDiv(col - offCol_, tileW_));
  if (kr < 0 || kc < 0 || kr >= nRow_ || kc >= nCol_) return std::nullopt;
  const int zc = kr * nCol_ + kc - ps_;
  if (zc < 0 || zc >= static_cast<int>(c.tiles.size())) return std::nullopt;
  const TileRect& t = c.tiles[zc];
  const int dr = row - t.row0, dc = col - t.col0;
  if (dr < 0 || dc < 0 || dr >= t.rows || dc >= t.cols) return std::nullopt;
  const int X = static_cast<int>(crop_[0]), Y = static_cast<int>(crop_[1]);
  if (settings_.mode == StitchMode::Released) return std::array<int, 3>{dc, dr, c.firstSlice + zc};
  // Nearest-neighbour sampling with SimpleITK's index mapping i * old / new (§2.3).
  const int y =
      std::min(Y - 1, static_cast<int>(std::lround(dr * static_cast<double>(Y) / t.rows)));
  const int x =
      std::min(X - 1, static_cast<int>(std::lround(dc * static_cast<double>(X) / t.cols)));
  return std::array<int, 3>{x, y, c.firstSlice + zc};
}

}  // namespace sfr
