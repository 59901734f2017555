// Times the studio's file work on a CT-sized label map (512 x 512 x 300, two irregular labels
// covering about a third of the volume): the autosave's recovery write (label.nii.gz + journal),
// the export of one mask as NIfTI (gzip) and as NRRD, reading the mask back, and copying the label
// map in memory (what the autosave does on the GUI thread before it writes in the background), and
// accepting a whole-case prediction (the delta against a second, shifted blob, then applied: what
// Accept Case does on the GUI thread as one undo step).
// Usage: bench_studio_io [nx ny nz] [repeats] [scratch folder]
// Prints one line per measurement and a JSON summary on the last line. No target in the issue;
// the numbers say what the GUI thread would block on if these ran there.
#include <QCoreApplication>
#include <QTemporaryDir>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_machine.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/editing/label_delta.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/project/project.h"
#include "sfr/ui/project/recovery_area.h"
#include "sfr/ui/training/live_preview_model.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sfr;
namespace fs = std::filesystem;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Size3 size{512, 512, 300};
  int repeats = 3;
  if (argc >= 4)
    for (int a = 0; a < 3; ++a) size[a] = std::strtoul(argv[1 + a], nullptr, 10);
  if (argc >= 5) repeats = std::max(1, std::atoi(argv[4]));
  QCoreApplication app(argc, argv);
  QTemporaryDir scratchDir(argc >= 6 ? QString::fromLocal8Bit(argv[5]) + QStringLiteral("/XXXXXX")
                                     : QString());
  if (!scratchDir.isValid()) {
    std::fprintf(stderr, "bench_studio_io: cannot create a scratch folder\n");
    return 1;
  }
  const fs::path scratch = scratchDir.path().toStdString();

  Geometry g;
  g.size = size;
  g.spacing = {0.7, 0.7, 1.0};
  LabelVolume label(g, std::uint8_t{0}), prediction(g, std::uint8_t{0});
  std::size_t foreground = 0;
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double u = (i / double(size[0]) - 0.5) / 0.3;
        const double v = (j / double(size[1]) - 0.5) / 0.3;
        const double w = (k / double(size[2]) - 0.5) / 0.45;
        if (inRippledBlob(u, v, w, 0.3, 0.0)) {
          label.at(i, j, k) = 1 + (i > size[0] / 2);
          ++foreground;
        }
        if (inRippledBlob(u * 1.05 + 0.05, v * 0.95, w, 0.35, 1.0))
          prediction.at(i, j, k) = 1 + (i > size[0] / 2 + 8);
      }

  ui::Project project;
  ui::ProjectCase c;
  c.id = "ct_001";
  c.image = scratch / "ct_001.nii.gz";
  project.cases.push_back(c);
  const fs::path projectFile = scratch / "bench.sfrproj";

  ui::LabelTable table;
  for (std::uint8_t value : {1, 2})  // a new table holds label 1 already
    if (!table.contains(value))
      table.addEntry({value, QStringLiteral("label"), qRgb(40, 200, 255), true, false});

  std::vector<double> copyMs, autosaveMs, niftiMs, nrrdMs, readMs, acceptMs;
  std::size_t acceptedVoxels = 0;
  std::uintmax_t niftiBytes = 0, nrrdBytes = 0, autosaveBytes = 0;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = Clock::now();
    const LabelVolume snapshot = label;
    copyMs.push_back(msSince(t0));
    if (snapshot.voxels().size() != label.voxels().size()) return 1;

    t0 = Clock::now();
    ui::writeRecovery(projectFile, project, c.id, &label);
    autosaveMs.push_back(msSince(t0));
    autosaveBytes = fs::file_size(ui::recoveryFolder(projectFile) / "label.nii.gz");

    t0 = Clock::now();
    io::writeLabel(label, scratch / "ct_001_mask.nii.gz");
    niftiMs.push_back(msSince(t0));
    niftiBytes = fs::file_size(scratch / "ct_001_mask.nii.gz");

    t0 = Clock::now();
    io::writeLabel(label, scratch / "ct_001_mask.nrrd");
    nrrdMs.push_back(msSince(t0));
    nrrdBytes = fs::file_size(scratch / "ct_001_mask.nrrd");

    t0 = Clock::now();
    const LabelVolume back = io::readLabel(scratch / "ct_001_mask.nii.gz");
    readMs.push_back(msSince(t0));
    if (back.voxels() != label.voxels()) {
      std::fprintf(stderr, "bench_studio_io: the mask read back differs from the one written\n");
      return 1;
    }
    LabelVolume edited = label;
    t0 = Clock::now();
    const ui::LabelDelta delta = ui::predictionDelta(edited, prediction, -1, table);
    delta.applyAfter(edited);
    acceptMs.push_back(msSince(t0));
    acceptedVoxels = delta.voxelCount();
    if (edited.voxels() != prediction.voxels()) {
      std::fprintf(stderr, "bench_studio_io: the accepted label differs from the prediction\n");
      return 1;
    }
    std::printf(
        "repeat %d: copy %.1f ms, autosave %.1f ms, export nii.gz %.1f ms, export nrrd %.1f ms, "
        "read nii.gz %.1f ms, accept %.1f ms (%zu voxels changed)\n",
        r + 1, copyMs.back(), autosaveMs.back(), niftiMs.back(), nrrdMs.back(), readMs.back(),
        acceptMs.back(), acceptedVoxels);
    std::fflush(stdout);
  }
  const nlohmann::json summary{
      {"bench", "studio_io"},
      {"volume", {size[0], size[1], size[2]}},
      {"foreground_fraction", double(foreground) / double(label.voxels().size())},
      {"repeats", repeats},
      {"threads", 1},
      {"hardware_threads", std::thread::hardware_concurrency()},
      {"cpu", cpuModel()},
      {"median_ms",
       {{"copy", median(copyMs)},
        {"autosave", median(autosaveMs)},
        {"export_nii_gz", median(niftiMs)},
        {"export_nrrd", median(nrrdMs)},
        {"read_nii_gz", median(readMs)},
        {"accept_case", median(acceptMs)}}},
      {"accepted_voxels", acceptedVoxels},
      {"bytes", {{"autosave_label", autosaveBytes}, {"nii_gz", niftiBytes}, {"nrrd", nrrdBytes}}}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
