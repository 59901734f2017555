#include "sfr/ui/editing/sam_effect.h"

#include <cstdlib>

#include "sfr/ui/editing/sam_assist_model.h"

namespace sfr::ui {

QString SamEffect::undoName() const {
  return acceptedSlices_ > 1 ? tr("SAM propagation (%n slices)", nullptr, acceptedSlices_)
                             : tr("SAM proposal");
}

QString SamEffect::hint() const {
  return tr(
      "Drag a box or click points (Shift+click: negative) around a structure; SAM proposes "
      "a mask. Enter accepts it into the active label, Propagate carries it to the "
      "neighbouring slices.");
}

QRect SamEffect::dragRect(const EditContext& context, const StrokePoint& point) const {
  const Geometry& g = context.image.geometry();
  const auto [x0, y0] = pixelOfVoxel(g, axis_, start_);
  const auto [x1, y1] = pixelOfVoxel(g, axis_, point.voxel);
  return QRect(QPoint(x0, y0), QPoint(x1, y1)).normalized();
}

void SamEffect::beginStroke(EditContext& context, const StrokePoint& point) {
  (void)context;
  axis_ = point.axis;
  slice_ = point.voxel[fixedDimension(context.image.geometry(), point.axis)];
  start_ = point.voxel;
  modifiers_ = point.modifiers;
}

void SamEffect::continueStroke(EditContext& context, const StrokePoint& point) {
  model_->setDragBox(dragRect(context, point));
}

bool SamEffect::endStroke(EditContext& context, const StrokePoint& point) {
  const QRect box = dragRect(context, point);
  if (box.width() >= kMinimumBoxSide || box.height() >= kMinimumBoxSide) {
    model_->setBox(axis_, slice_, box);
  } else {
    const auto [x, y] = pixelOfVoxel(context.image.geometry(), axis_, start_);
    model_->addPoint(axis_, slice_, QPoint(x, y), !(modifiers_ & Qt::ShiftModifier));
  }
  return false;  // nothing is written until the proposal is accepted
}

bool SamEffect::finish(EditContext& context) {
  acceptedSlices_ = 0;
  if (!model_->hasProposals()) return false;
  const Geometry& g = context.image.geometry();
  const SliceAxis axis = model_->prompt().axis;
  for (const auto& [slice, mask] : model_->proposals()) {
    ++acceptedSlices_;
    for (int y = 0; y < mask.height; ++y)
      for (int x = 0; x < mask.width; ++x)
        if (mask.contains(x, y))
          if (const std::optional<VoxelIndex> v = voxelAtPixel(g, axis, slice, x, y))
            context.session.paint(context.image.linearIndex((*v)[0], (*v)[1], (*v)[2]));
  }
  model_->clear();
  return true;
}

void SamEffect::cancel() {
  model_->clear();
}

}  // namespace sfr::ui
