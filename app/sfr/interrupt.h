#pragma once
// SIGINT handling for the CLI: the first Ctrl-C requests cancellation (the running operation stops
// at its next check and main() exits with 130); a second one exits immediately with 130.
#include "sfr/base/progress.h"

namespace sfr::cli {

/// Routes SIGINT to `token` for the rest of the process. `token` must outlive the handler.
void cancelOnInterrupt(CancelToken& token);

}  // namespace sfr::cli
