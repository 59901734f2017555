#pragma once
// What a slice view draws for the SAM tool: the proposal of the shown slice as a translucent
// fill with its outline (it is not in the label map yet), the prompt's box and points on the
// prompt slice, and the rubber band while a box is dragged.
#include <QPainter>
#include <QRectF>

#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

class SamAssistModel;

/// `target` is where the picture of slice `slice` along `axis` is drawn.
void paintSamOverlay(QPainter& painter, const SamAssistModel& sam, SliceAxis axis, int slice,
                     const QRectF& target, const QSize& pictureSize);

}  // namespace sfr::ui
