#include "interrupt.h"

#include <unistd.h>
#include <csignal>

namespace sfr::cli {
namespace {

CancelToken* gToken = nullptr;
volatile std::sig_atomic_t gInterrupts = 0;

extern "C" void onInterrupt(int) {
  if (++gInterrupts > 1) _exit(130);    // async-signal-safe
  if (gToken) gToken->requestCancel();  // a lock-free atomic store
  static const char message[] = "\nsfr: interrupted, stopping (Ctrl-C again to quit now)\n";
  const ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
}

}  // namespace

void cancelOnInterrupt(CancelToken& token) {
  gToken = &token;
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

}  // namespace sfr::cli
