#include "terminal_progress.h"

#include <unistd.h>

namespace sfr::cli {

TerminalProgress::TerminalProgress(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

TerminalProgress::~TerminalProgress() {
  finish();
}

void TerminalProgress::finish() {
  if (lineOpen_) std::fputc('\n', out_);
  lineOpen_ = false;
  std::fflush(out_);
}

void TerminalProgress::report(const ProgressEvent& event) {
  const Clock::time_point now = Clock::now();
  if (event.stage != stage_) {
    finish();
    stage_ = event.stage;
    stageStart_ = now;
    lastDraw_ = Clock::time_point{};
    lastDecile_ = -1;
  }
  const bool complete = event.total > 0 && event.done >= event.total;
  const double elapsed = std::chrono::duration<double>(now - stageStart_).count();
  if (tty_) {
    // Redraw at most ten times a second, and always for the final state.
    if (!complete && now - lastDraw_ < std::chrono::milliseconds(100)) return;
    lastDraw_ = now;
    std::fprintf(out_, "\r%s\x1b[K", formatProgressBar(event, elapsed).c_str());
    lineOpen_ = true;
    if (complete) finish();
    std::fflush(out_);
    return;
  }
  // Logs get one line per tenth of the stage.
  const int decile = event.total > 0 ? static_cast<int>(10 * event.done / event.total) : -1;
  if (decile == lastDecile_ && !complete) return;
  lastDecile_ = decile;
  std::fprintf(out_, "%s\n", formatProgressBar(event, elapsed).c_str());
  std::fflush(out_);
}

}  // namespace sfr::cli
