// `sfr predict`: segments image files with a trained V-Net by sliding-window inference (UA-MT /
// SFR test_single_case, spec §7.1) and writes label maps on the inputs' own grids.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_context.h"
#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/vnet_volume_predictor.h"
#include "sfr/io/dataset.h"
#include "sfr/io/image_io.h"
#include "terminal_progress.h"

namespace sfr::cli {
namespace {

namespace fs = std::filesystem;

struct PredictArgs {
  std::string vnet;
  std::string images;
  std::string out;
  std::string confidence;  ///< CSV of per-volume confidence; default <out>/confidence.csv
  bool probabilities = false;
  std::vector<int64_t> patch{112, 112, 80};
  std::vector<int64_t> stride{18, 4};
  int64_t classes = 0;
  std::string device = "cpu";
  std::string normalize = "zscore";
  int64_t windowBatch = 1;
  bool gaussian = false;
  bool mixedPrecision = false;
  std::vector<double> spacing;
};

struct Input {
  std::string id;
  fs::path image;
};

// "case_007.nii.gz" -> "case_007"; the LA layout's "<id>/mri_norm2.h5" -> "<id>".
std::string caseId(const fs::path& file) {
  std::string name = file.filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd", ".h5", ".hdf5"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      name.resize(name.size() - e.size());
      break;
    }
  }
  if (name == "mri_norm2" && file.has_parent_path()) return file.parent_path().filename().string();
  return name;
}

std::vector<Input> listInputs(const fs::path& images) {
  std::vector<Input> inputs;
  // A folder is a dataset (MSD, LA lists, or loose volumes and DICOM series subfolders).
  if (fs::is_directory(images)) {
    for (const io::DatasetCase& c : io::openDataset(images).cases)
      inputs.push_back({c.id, c.image});
  } else {
    inputs.push_back({caseId(images), images});
  }
  if (inputs.empty()) throw Error(images.string(), "holds no images");
  return inputs;
}

engine::SlidingWindowOptions windowOptions(const PredictArgs& a) {
  engine::SlidingWindowOptions o;
  o.patch({a.patch[0], a.patch[1], a.patch[2]})
      .stride_xy(a.stride[0])
      .stride_z(a.stride[1])
      .window_batch(a.windowBatch)
      .gaussian(a.gaussian)
      .mixed_precision(a.mixedPrecision)
      .device(a.device);
  o.validate();
  return o;
}

void runPredict(const PredictArgs& a, Context& context) {
  const engine::SlidingWindowOptions options = windowOptions(a);
  const engine::VNetVolumePredictor predictor(
      a.vnet, options, a.classes > 0 ? std::optional<int64_t>(a.classes) : std::nullopt);
  const engine::VNetOptions& net = predictor.netOptions();
  std::cerr << "V-Net " << a.vnet << ": " << net.classes() << " classes, " << net.filters()
            << " filters, " << engine::toString(net.normalization()) << ", device "
            << options.device() << std::endl;

  io::ReadOptions read;
  if (!a.spacing.empty()) read.setSpacing({a.spacing[0], a.spacing[1], a.spacing[2]});
  const std::vector<Input> inputs = listInputs(a.images);
  fs::create_directories(a.out);
  const fs::path confidencePath =
      a.confidence.empty() ? fs::path(a.out) / "confidence.csv" : fs::path(a.confidence);
  // Rewritten (atomically) after every case, so a cancelled run keeps the rows it finished.
  std::string confidenceCsv = "case,image,mean_max_probability,windows\n";

  for (const Input& input : inputs) {
    context.cancel.throwIfCancelled();
    ImageVolume image = io::readImage(input.image, read);
    if (a.normalize == "zscore") zScoreInPlace(image);  // §7.1: LA is z-scored before testing
    const auto start = std::chrono::steady_clock::now();
    engine::VolumePrediction prediction;
    {
      TerminalProgress progress;
      prediction = predictor.predict(image, a.probabilities, &progress, &context.cancel);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const fs::path labelPath = fs::path(a.out) / (input.id + "_label.nii.gz");
    io::writeLabel(prediction.labels, labelPath);
    for (std::size_t c = 1; c < prediction.probabilities.size(); ++c)
      io::writeImage(prediction.probabilities[c],
                     fs::path(a.out) / (input.id + "_prob" + std::to_string(c) + ".nii.gz"));

    char row[64];
    std::snprintf(row, sizeof row, ",%.8f,%" PRId64 "\n", prediction.confidence,
                  static_cast<std::int64_t>(prediction.windows));
    std::string quoted = "\"";  // RFC 4180: paths may hold commas or quotes
    for (char ch : input.image.string())
      quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    confidenceCsv += input.id + "," + quoted + "\"" + row;
    engine::AtomicFileWriter csv(confidencePath);
    csv.write(confidenceCsv.data(), confidenceCsv.size());
    csv.commit();

    std::size_t foreground = 0;
    for (std::uint8_t v : prediction.labels.voxels()) foreground += v != 0;
    std::printf("%s  %s  %lld windows  %.1f s  foreground %.2f%%  confidence %.4f  -> %s\n",
                input.id.c_str(), image.geometry().describe().c_str(),
                static_cast<long long>(prediction.windows), seconds,
                100.0 * static_cast<double>(foreground) / image.voxelCount(), prediction.confidence,
                labelPath.string().c_str());
    std::fflush(stdout);
  }
}

}  // namespace

void addPredictCommand(CLI::App& app, Context& context) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "Segment volumes with a trained V-Net (sliding window as UA-MT/SFR testing)");
  cmd->add_option("--vnet", args->vnet,
                  "V-Net checkpoint: UA-MT/SFR iter_*.pth (auxiliary heads ignored) or sfr's own")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--images", args->images,
                  "an image file (.nii/.nii.gz/.nrrd/.mha/.h5) or a folder: MSD dataset.json, LA "
                  "train/test.list, or loose volumes and DICOM series subfolders")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--out", args->out, "output folder for <id>_label.nii.gz (created if missing)")
      ->required();
  cmd->add_option("--confidence", args->confidence,
                  "CSV of each volume's mean max-probability (default: <out>/confidence.csv)");
  cmd->add_flag("--probabilities", args->probabilities,
                "also write <id>_prob<c>.nii.gz for every foreground class c");
  cmd->add_option("--patch", args->patch, "window size X,Y,Z (multiples of 16)")
      ->delimiter(',')
      ->expected(3)
      ->capture_default_str();
  cmd->add_option("--stride", args->stride, "window step XY,Z")
      ->delimiter(',')
      ->expected(2)
      ->capture_default_str();
  cmd->add_option("--classes", args->classes, "expected number of classes (checked)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:<n>")->capture_default_str();
  cmd->add_option("--normalize", args->normalize, "per-volume intensity normalisation")
      ->check(CLI::IsMember({"zscore", "none"}))
      ->capture_default_str();
  cmd->add_option("--window-batch", args->windowBatch, "windows per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--gaussian", args->gaussian, "Gaussian window weighting instead of the mean");
  cmd->add_flag("--mixed-precision", args->mixedPrecision,
                "autocast the forward pass (float16 on CUDA, bfloat16 on CPU)");
  cmd->add_option("--spacing", args->spacing, "voxel spacing X,Y,Z in mm for HDF5 inputs")
      ->delimiter(',')
      ->expected(3);
  cmd->callback(
      [args, &context] { context.action = [args, &context] { runPredict(*args, context); }; });
}

}  // namespace sfr::cli
