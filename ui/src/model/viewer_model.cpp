#include "sfr/ui/model/viewer_model.h"

#include <algorithm>

namespace sfr::ui {

ViewerModel::ViewerModel(QObject* parent) : QObject(parent) {}

void ViewerModel::setImage(ImageVolume image, const QString& name) {
  image_ = std::move(image);
  imageName_ = name;
  stats_ = sfr::ui::intensityStats(image_);
  windowLevel_ = autoWindowLevel(stats_);
  const bool dropLabel = label_ && !label_->geometry().sameGrid(image_.geometry());
  if (dropLabel) {
    label_.reset();
    labelName_.clear();
  }
  const Size3& n = image_.size();
  cursor_ = {static_cast<int>(n[0] / 2), static_cast<int>(n[1] / 2), static_cast<int>(n[2] / 2)};
  Q_EMIT imageChanged();
  if (dropLabel) Q_EMIT labelChanged();
  Q_EMIT windowLevelChanged();
  Q_EMIT cursorChanged();
}

void ViewerModel::setLabel(LabelVolume label, const QString& name) {
  if (!hasImage()) throw Error(name.toStdString(), "open an image before its label map");
  requireSameGrid(image_.geometry(), label.geometry(), name.toStdString());
  label_ = std::move(label);
  labelName_ = name;
  Q_EMIT labelChanged();
  Q_EMIT cursorChanged();  // the readout now includes the label
}

void ViewerModel::clearLabel() {
  if (!label_) return;
  label_.reset();
  labelName_.clear();
  Q_EMIT labelChanged();
  Q_EMIT cursorChanged();
}

void ViewerModel::setCursor(const VoxelIndex& voxel) {
  if (!hasImage()) return;
  VoxelIndex clamped;
  for (int d = 0; d < 3; ++d)
    clamped[d] = std::clamp(voxel[d], 0, static_cast<int>(image_.size()[d]) - 1);
  if (clamped == cursor_) return;
  cursor_ = clamped;
  Q_EMIT cursorChanged();
}

int ViewerModel::sliceIndex(SliceAxis axis) const {
  return cursor_[fixedDimension(image_.geometry(), axis)];
}

int ViewerModel::sliceCount(SliceAxis axis) const {
  return hasImage() ? static_cast<int>(image_.size()[fixedDimension(image_.geometry(), axis)]) : 0;
}

void ViewerModel::setSliceIndex(SliceAxis axis, int index) {
  VoxelIndex voxel = cursor_;
  voxel[fixedDimension(image_.geometry(), axis)] = index;
  setCursor(voxel);
}

void ViewerModel::moveSlice(SliceAxis axis, int steps) {
  setSliceIndex(axis, sliceIndex(axis) + steps);
}

void ViewerModel::setCursorFromSlicePixel(SliceAxis axis, int x, int y) {
  if (!hasImage()) return;
  if (const auto voxel = voxelAtPixel(image_.geometry(), axis, sliceIndex(axis), x, y))
    setCursor(*voxel);
}

CursorReadout ViewerModel::cursorReadout() const {
  CursorReadout r;
  r.voxel = cursor_;
  if (!hasImage()) return r;
  r.position = image_.geometry().indexToPhysical({static_cast<double>(cursor_[0]),
                                                  static_cast<double>(cursor_[1]),
                                                  static_cast<double>(cursor_[2])});
  r.intensity = image_.at(cursor_[0], cursor_[1], cursor_[2]);
  if (label_) r.label = label_->at(cursor_[0], cursor_[1], cursor_[2]);
  return r;
}

QString ViewerModel::describeCursor() const {
  if (!hasImage()) return tr("No image loaded");
  const CursorReadout r = cursorReadout();
  QString text = tr("Voxel (%1, %2, %3)   Position (%4, %5, %6) mm   Intensity %7")
                     .arg(r.voxel[0])
                     .arg(r.voxel[1])
                     .arg(r.voxel[2])
                     .arg(r.position[0], 0, 'f', 2)
                     .arg(r.position[1], 0, 'f', 2)
                     .arg(r.position[2], 0, 'f', 2)
                     .arg(static_cast<double>(r.intensity), 0, 'g', 5);
  if (r.label >= 0) text += tr("   Label %1").arg(r.label);
  return text;
}

void ViewerModel::setWindowLevel(const WindowLevel& wl) {
  if (!(wl.window > 0.0) || wl == windowLevel_) return;
  windowLevel_ = wl;
  Q_EMIT windowLevelChanged();
}

void ViewerModel::resetWindowLevel() {
  setWindowLevel(autoWindowLevel(stats_));
}

void ViewerModel::setLabelOpacity(double opacity) {
  const double clamped = std::clamp(opacity, 0.0, 1.0);
  if (clamped == labelOpacity_) return;
  labelOpacity_ = clamped;
  Q_EMIT labelOpacityChanged();
}

void ViewerModel::setVolumeRenderingEnabled(bool enabled) {
  if (enabled == volumeRendering_) return;
  volumeRendering_ = enabled;
  Q_EMIT volumeRenderingChanged(enabled);
}

}  // namespace sfr::ui
