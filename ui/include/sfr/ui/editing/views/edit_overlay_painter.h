#pragma once
// What a slice view draws on top of its picture while a label tool is active: the brush footprint
// (a circle of the brush radius, true to scale, around the voxel under the pointer) and the
// pending polygon (its vertices joined in click order).
#include <QPainter>
#include <QPoint>
#include <QRectF>
#include <optional>

#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

class LabelEditingModel;

/// `target` is where the slice picture of `plane` is drawn; `pointerPixel` the picture pixel
/// under the mouse (none when it is outside).
void paintEditOverlay(QPainter& painter, const LabelEditingModel& editing, const Geometry& geometry,
                      SliceAxis axis, int slice, const QRectF& target,
                      const std::optional<QPoint>& pointerPixel);

}  // namespace sfr::ui
