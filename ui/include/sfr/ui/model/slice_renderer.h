#pragma once
// The slice picture: grey values from window/level with the label map blended on top.
// A pure function of its inputs, so it is unit-tested pixel by pixel and used by every slice view.
#include <QImage>

#include "sfr/base/volume.h"
#include "sfr/ui/model/slice_plane.h"
#include "sfr/ui/model/window_level.h"

namespace sfr::ui {

struct SliceRenderSettings {
  WindowLevel windowLevel;
  double labelOpacity = 0.5;  ///< 0 hides the overlay, 1 paints label colours opaquely

  SliceRenderSettings& setWindowLevel(WindowLevel v) {
    windowLevel = v;
    return *this;
  }
  SliceRenderSettings& setLabelOpacity(double v) {
    labelOpacity = v;
    return *this;
  }
};

/// Slice `slice` along `axis` as a QImage::Format_RGB32 picture laid out as in slice_plane.h.
/// Each pixel is grey g = greyValue(v); where the label l is drawn (1..254) each channel becomes
/// round((1 - a) * g + a * c) with a = labelOpacity clamped to [0, 1] and c the label colour.
/// `label` may be null; when given it must be on the image grid. Throws sfr::Error when the slice
/// index is out of range or the grids differ.
QImage renderSlice(const ImageVolume& image, const LabelVolume* label, SliceAxis axis, int slice,
                   const SliceRenderSettings& settings);

}  // namespace sfr::ui
