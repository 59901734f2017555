#pragma once
// Label colours shared by the slice overlay and the 3D surfaces: ITK-SNAP's first six defaults
// (red, green, blue, yellow, cyan, magenta), then well separated hues by golden-ratio rotation.
#include <QRgb>
#include <cstdint>

namespace sfr::ui {

/// Label 255 is "ignore" (stitching padding) and label 0 is background: neither is drawn.
bool isDrawnLabel(std::uint8_t label);

/// Opaque colour of label 1..254 (label 0 and 255 return black; callers check isDrawnLabel).
QRgb labelColor(std::uint8_t label);

}  // namespace sfr::ui
