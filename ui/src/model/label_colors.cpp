#include "sfr/ui/model/label_colors.h"

#include <QColor>
#include <cmath>

namespace sfr::ui {

bool isDrawnLabel(std::uint8_t label) {
  return label != 0 && label != 255;
}

QRgb labelColor(std::uint8_t label) {
  static constexpr QRgb kFirst[] = {qRgb(255, 0, 0),   qRgb(0, 255, 0),   qRgb(0, 0, 255),
                                    qRgb(255, 255, 0), qRgb(0, 255, 255), qRgb(255, 0, 255)};
  if (!isDrawnLabel(label)) return qRgb(0, 0, 0);
  if (label <= 6) return kFirst[label - 1];
  // Golden-ratio hue steps keep neighbouring labels far apart on the colour wheel.
  const double hue = std::fmod(0.13 + (label - 7) * 0.618033988749895, 1.0);
  const double value = (label % 2 == 0) ? 0.85 : 1.0;
  return QColor::fromHsvF(hue, 0.75, value).rgb();
}

}  // namespace sfr::ui
