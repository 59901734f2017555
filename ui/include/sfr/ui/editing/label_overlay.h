#pragma once
// The label overlay of a slice picture with the label table's colours and visibility: the editing
// counterpart of renderSlice()'s fixed colours. With the default table it gives exactly
// renderSlice()'s pixels.
#include <QImage>

#include "sfr/base/volume.h"
#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

class LabelTable;

/// Blends slice `slice` along `axis` of `label` into `picture` (renderSlice()'s picture of that
/// slice made without a label): where the label l is drawn (table.isDrawn(l)) each channel
/// becomes round((1 - a) g + a c), a = `opacity` clamped to [0, 1], c = table.color(l). Throws
/// sfr::Error when the picture does not have the slice's size or the slice is out of range.
void blendLabelOverlay(QImage& picture, const LabelVolume& label, SliceAxis axis, int slice,
                       double opacity, const LabelTable& table);

}  // namespace sfr::ui
