// `sfr`: the SFR Studio command line. Global options here; each subcommand in its own file.
// Exit codes: 0 success, 2 usage error or sfr::Error (one line on stderr), 130 cancelled (SIGINT),
// 1 unexpected internal error.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli_context.h"
#include "interrupt.h"
#include "sfr/base/error.h"
#include "sfr/engine/runtime.h"

namespace {

// Errors are shown on one line, whatever the library put into the message.
std::string oneLine(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// LibTorch's own exceptions append a C++ stack trace after the first line.
std::string firstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "SFR Studio command line: SAM-assisted semi-supervised 3D segmentation (SFR / SFR+).", "sfr"};
  app.set_version_flag("--version", [] {
    return std::string("sfr ") + SFR_VERSION + " (" + sfr::engine::torchDescription() + ")";
  });
  int threads = 0;
  app.add_option("--threads", threads,
                 "LibTorch intra-op and inter-op threads (default: LibTorch's own choice)")
      ->check(CLI::PositiveNumber);
  app.require_subcommand(1);

  sfr::cli::Context context;
  sfr::cli::addDemoCommand(app, context);
  sfr::cli::addServeCommand(app, context);
  sfr::cli::addRunCommand(app, context);
  sfr::cli::addWeightsCommand(app, context);
#ifdef SFR_HAVE_ITK
  sfr::cli::addEvalCommand(app, context);
  sfr::cli::addPredictCommand(app, context);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the usage error
    return code == 0 ? 0 : 2;
  }

  try {
    // Training and inference loops allocate the same large buffers over and over (runtime.h).
    sfr::engine::configureHostAllocator();
    if (threads > 0) {
      const sfr::engine::ThreadSettings t = sfr::engine::setTorchThreads(threads);
      std::cerr << "threads: intra-op " << t.intraOp << ", inter-op " << t.interOp << std::endl;
    }
    sfr::cli::cancelOnInterrupt(context.cancel);
    if (context.action) context.action();
    if (context.cancel.isCancelled()) throw sfr::Cancelled();
  } catch (const sfr::Cancelled&) {
    std::cerr << "sfr: cancelled" << std::endl;
    return 130;
  } catch (const sfr::Error& e) {
    std::cerr << "sfr: " << oneLine(e.what()) << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sfr: internal error: " << firstLine(e.what()) << std::endl;
    return 1;
  }
  return 0;
}
