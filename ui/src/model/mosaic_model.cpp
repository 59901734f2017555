#include "sfr/ui/model/mosaic_model.h"

#include <algorithm>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/model/label_colors.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/training/live_preview_model.h"

namespace sfr::ui {

MosaicSettings MosaicSettings::cpuPreset(bool laLike) {
  MosaicSettings s;
  if (laLike) return s.setCrop({64, 64, 32}).setCanvas(512);
  return s.setCrop({48, 48, 32}).setCanvas(384);
}

VoxelIndex mosaicCropOrigin(const Size3& volume, const Size3& crop, const VoxelIndex& cursor) {
  VoxelIndex origin{0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    const long long v = static_cast<long long>(volume[a]);
    const long long c = static_cast<long long>(crop[a]);
    if (v <= c) continue;  // the crop covers the whole axis (and more): start at 0
    const long long first = static_cast<long long>(cursor[a]) - c / 2;
    origin[a] = static_cast<int>(std::clamp(first, 0LL, v - c));
  }
  return origin;
}

namespace {

int blend(int g, int c, double a) {
  return static_cast<int>(std::lround((1.0 - a) * g + a * c));
}

QRgb blendRgb(QRgb base, QRgb colour, double a) {
  return qRgb(blend(qRed(base), qRed(colour), a), blend(qGreen(base), qGreen(colour), a),
              blend(qBlue(base), qBlue(colour), a));
}

bool drawn(const LabelTable* table, std::uint8_t l) {
  if (l == 0 || l == 255) return false;
  return table ? table->isDrawn(l) : true;
}

QRgb colourOf(const LabelTable* table, std::uint8_t l) {
  return table ? table->color(l) : labelColor(l);
}

void requireSameGrid(const ImageVolume& image, const Size3& size, const char* what) {
  if (image.size() != size) throw Error("mosaic", std::string(what) + " is not on the image grid");
}

}  // namespace

QImage renderMosaic(const StitchLayout& layout, int chunk, const VoxelIndex& origin,
                    const MosaicLayers& layers) {
  if (!layers.image || layers.image->empty()) return {};
  const ImageVolume& image = *layers.image;
  const Size3& size = image.size();
  if (layers.label) requireSameGrid(image, layers.label->size(), "the label map");
  if (layers.preview) requireSameGrid(image, layers.preview->size(), "the preview");
  if (layers.confidence) requireSameGrid(image, layers.confidence->size(), "the confidence");
  if (chunk < 0 || chunk >= static_cast<int>(layout.chunks().size()))
    throw Error("mosaic", "chunk " + std::to_string(chunk) + " does not exist");

  const int s = layout.canvasSize();
  QImage canvas(s, s, QImage::Format_RGB32);
  canvas.fill(qRgb(0, 0, 0));
  const double labelA = std::clamp(layers.labelOpacity, 0.0, 1.0);
  const double previewA = std::clamp(layers.previewOpacity, 0.0, 1.0);
  const Size3& crop = layout.crop();
  const StitchChunk& c = layout.chunks()[static_cast<std::size_t>(chunk)];
  // Walk the voxels of each slice of the chunk (the layout maps voxel -> pixel exactly; every
  // pixel not reached stays padding).
  for (std::size_t zi = 0; zi < c.tiles.size(); ++zi) {
    const int z = c.firstSlice + static_cast<int>(zi);
    if (z >= static_cast<int>(crop[2])) break;
    const long long k = static_cast<long long>(origin[2]) + z;
    if (k < 0 || k >= static_cast<long long>(size[2])) continue;
    for (int y = 0; y < static_cast<int>(crop[1]); ++y) {
      const long long j = static_cast<long long>(origin[1]) + y;
      if (j < 0 || j >= static_cast<long long>(size[1])) continue;
      for (int x = 0; x < static_cast<int>(crop[0]); ++x) {
        const long long i = static_cast<long long>(origin[0]) + x;
        if (i < 0 || i >= static_cast<long long>(size[0])) continue;
        const auto pixel = layout.canvasPixel(chunk, x, y, z);
        if (!pixel) continue;
        const int row = (*pixel)[0], col = (*pixel)[1];
        if (row < 0 || col < 0 || row >= s || col >= s) continue;
        const std::size_t n = image.linearIndex(
            static_cast<std::size_t>(i), static_cast<std::size_t>(j), static_cast<std::size_t>(k));
        const int g = greyValue(image.voxels()[n], layers.windowLevel);
        QRgb rgb = qRgb(g, g, g);
        if (layers.label) {
          const std::uint8_t l = layers.label->voxels()[n];
          if (drawn(layers.table, l)) rgb = blendRgb(rgb, colourOf(layers.table, l), labelA);
        }
        if (layers.confidence) {
          const double u = std::clamp(2.0 * (1.0 - layers.confidence->voxels()[n]), 0.0, 1.0);
          const double a = u * std::max(previewA, 0.3);
          if (a > 0.0) rgb = blendRgb(rgb, qRgb(255, 120, 0), a);
        } else if (layers.preview) {
          const std::uint8_t l = layers.preview->voxels()[n];
          if (drawn(layers.table, l)) rgb = blendRgb(rgb, colourOf(layers.table, l), previewA);
        }
        reinterpret_cast<QRgb*>(canvas.scanLine(row))[col] = rgb;
      }
    }
  }
  return canvas;
}

MosaicModel::MosaicModel(ViewerModel* viewer, LivePreviewModel* preview, const LabelTable* table,
                         QObject* parent)
    : QObject(parent), viewer_(viewer), preview_(preview), table_(table) {
  layout_.emplace(settings_.crop, StitchSettings().setCanvas(settings_.canvas));
  connect(viewer_, &ViewerModel::imageChanged, this, &MosaicModel::centreOnCursor);
  connect(viewer_, &ViewerModel::cursorChanged, this, &MosaicModel::onCursorChanged);
  connect(viewer_, &ViewerModel::labelChanged, this, &MosaicModel::invalidate);
  connect(viewer_, &ViewerModel::windowLevelChanged, this, &MosaicModel::invalidate);
  connect(viewer_, &ViewerModel::labelOpacityChanged, this, &MosaicModel::invalidate);
  if (preview_) {
    connect(preview_, &LivePreviewModel::previewChanged, this, &MosaicModel::invalidate);
    connect(preview_, &LivePreviewModel::displayChanged, this, &MosaicModel::invalidate);
  }
  if (table_) connect(table_, &LabelTable::entriesChanged, this, &MosaicModel::invalidate);
  centreOnCursor();
}

MosaicModel::~MosaicModel() = default;

void MosaicModel::setSettings(const MosaicSettings& settings) {
  StitchLayout layout(settings.crop, StitchSettings().setCanvas(settings.canvas));
  settings_ = settings;
  layout_.emplace(std::move(layout));
  centreOnCursor();
}

void MosaicModel::centreOnCursor() {
  if (viewer_->hasImage())
    origin_ = mosaicCropOrigin(viewer_->image().size(), settings_.crop, viewer_->cursor());
  else
    origin_ = {0, 0, 0};
  updateChunk();
  invalidate();
}

bool MosaicModel::cropHolds(const VoxelIndex& voxel) const {
  for (int a = 0; a < 3; ++a)
    if (voxel[a] < origin_[a] || voxel[a] >= origin_[a] + static_cast<int>(settings_.crop[a]))
      return false;
  return true;
}

void MosaicModel::updateChunk() {
  const int z = viewer_->cursor()[2] - origin_[2];
  const auto& chunks = layout_->chunks();
  chunk_ = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c)
    if (z >= chunks[c].firstSlice &&
        z < chunks[c].firstSlice + static_cast<int>(chunks[c].tiles.size())) {
      chunk_ = static_cast<int>(c);
      break;
    }
}

void MosaicModel::onCursorChanged() {
  if (!viewer_->hasImage()) return;
  if (!cropHolds(viewer_->cursor())) {
    centreOnCursor();
    return;
  }
  const int before = chunk_;
  updateChunk();
  if (chunk_ != before)
    invalidate();
  else
    Q_EMIT changed();  // the cursor marker moved
}

void MosaicModel::invalidate() {
  dirty_ = true;
  Q_EMIT changed();
}

const QImage& MosaicModel::canvas() const {
  if (dirty_) {
    MosaicLayers layers;
    if (viewer_->hasImage()) {
      layers.image = &viewer_->image();
      layers.label = viewer_->label();
      layers.windowLevel = viewer_->windowLevel();
      layers.labelOpacity = viewer_->labelOpacity();
      layers.table = table_;
      if (preview_ && preview_->hasPreview() &&
          preview_->preview()->size() == viewer_->image().size()) {
        layers.previewOpacity = preview_->opacity();
        if (preview_->showConfidence() && preview_->confidence())
          layers.confidence = preview_->confidence();
        else
          layers.preview = preview_->preview();
      }
    }
    canvas_ = renderMosaic(*layout_, chunk_, origin_, layers);
    dirty_ = false;
  }
  return canvas_;
}

std::optional<VoxelIndex> MosaicModel::voxelAtCanvasPixel(int row, int col) const {
  if (!viewer_->hasImage()) return std::nullopt;
  const auto v = layout_->voxelAt(chunk_, row, col);
  if (!v) return std::nullopt;
  VoxelIndex voxel{origin_[0] + (*v)[0], origin_[1] + (*v)[1], origin_[2] + (*v)[2]};
  const Size3& size = viewer_->image().size();
  for (int a = 0; a < 3; ++a)
    if (voxel[a] < 0 || voxel[a] >= static_cast<int>(size[a])) return std::nullopt;
  return voxel;
}

std::optional<std::array<int, 2>> MosaicModel::canvasPixelOfVoxel(const VoxelIndex& voxel) const {
  if (!cropHolds(voxel)) return std::nullopt;
  return layout_->canvasPixel(chunk_, voxel[0] - origin_[0], voxel[1] - origin_[1],
                              voxel[2] - origin_[2]);
}

std::optional<std::array<int, 2>> MosaicModel::cursorCanvasPixel() const {
  if (!viewer_->hasImage()) return std::nullopt;
  return canvasPixelOfVoxel(viewer_->cursor());
}

std::optional<TileRect> MosaicModel::cursorTile() const {
  if (!viewer_->hasImage() || !cropHolds(viewer_->cursor())) return std::nullopt;
  const StitchChunk& c = layout_->chunks()[static_cast<std::size_t>(chunk_)];
  const int z = viewer_->cursor()[2] - origin_[2] - c.firstSlice;
  if (z < 0 || z >= static_cast<int>(c.tiles.size())) return std::nullopt;
  return c.tiles[static_cast<std::size_t>(z)];
}

bool MosaicModel::clickCanvasPixel(int row, int col) {
  const auto voxel = voxelAtCanvasPixel(row, col);
  if (!voxel) return false;
  viewer_->setCursor(*voxel);
  return true;
}

}  // namespace sfr::ui
