#include "sfr/base/progress.h"

#include <cmath>
#include <cstdio>

#include "sfr/base/error.h"

namespace sfr {

void CancelToken::throwIfCancelled() const {
  if (isCancelled()) throw Cancelled();
}

namespace {
std::string formatDuration(double seconds) {
  char buffer[32];
  const long s = std::lround(seconds);
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  return buffer;
}
}  // namespace

std::string formatProgressBar(const ProgressEvent& event, double elapsedSeconds, int width) {
  std::string line = event.stage;
  if (line.size() < 10) line.resize(10, ' ');
  if (event.total > 0) {
    const double fraction =
        std::min(1.0, std::max(0.0, static_cast<double>(event.done) / event.total));
    const int filled = static_cast<int>(std::floor(fraction * width));
    line += " [" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    char counts[64];
    std::snprintf(counts, sizeof counts, "%lld/%lld", static_cast<long long>(event.done),
                  static_cast<long long>(event.total));
    line += counts;
    if (event.done > 0 && elapsedSeconds > 0) {
      const double rate = event.done / elapsedSeconds;
      char speed[48];
      std::snprintf(speed, sizeof speed, "  %.2f it/s", rate);
      line += speed;
      if (event.done < event.total)
        line += "  ETA " + formatDuration((event.total - event.done) / rate);
      else
        line += "  " + formatDuration(elapsedSeconds);
    }
  } else {
    char counts[32];
    std::snprintf(counts, sizeof counts, " %lld", static_cast<long long>(event.done));
    line += counts;
  }
  if (!event.message.empty()) line += "  " + event.message;
  return line;
}

}  // namespace sfr
