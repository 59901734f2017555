#pragma once
// Export of a project's masks: every accepted mask (or every predicted one) as NIfTI (.nii.gz) or
// NRRD with the exact geometry of its source image (spacing, origin, direction), plus the label
// table as labels.json and labels.csv, into one folder. Planning lists the files and which of
// them already exist, so the caller can ask before anything is overwritten.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sfr/base/geometry.h"
#include "sfr/ui/project/project.h"

namespace sfr::ui {

enum class ExportSelection {
  Accepted,      ///< cases in state accepted: their label map (or prediction when unlabelled)
  AllPredicted,  ///< every case with a prediction: reviewed/accepted ones with their label map
};
enum class MaskFormat { NiftiGz, Nrrd };

struct MaskExportOptions {
  std::filesystem::path folder;
  ExportSelection selection = ExportSelection::Accepted;
  MaskFormat format = MaskFormat::NiftiGz;
};

struct MaskExportItem {
  std::string caseId;
  std::filesystem::path image;   ///< the geometry comes from here
  std::filesystem::path mask;    ///< the voxels come from here
  std::filesystem::path target;  ///< "<folder>/<case id>.nii.gz" or ".nrrd"
};

struct MaskExportPlan {
  std::vector<MaskExportItem> items;
  std::filesystem::path labelJson;  ///< "<folder>/labels.json"
  std::filesystem::path labelCsv;   ///< "<folder>/labels.csv"
  /// Selected cases without a mask file: "<case id>" (nothing to write for them).
  std::vector<std::string> skipped;
  /// Targets (masks and tables) that exist already.
  std::vector<std::filesystem::path> existing;
};

/// ".nii.gz" or ".nrrd".
std::string maskFileExtension(MaskFormat format);

/// Which cases go out and where; touches the file system only to look for existing targets.
MaskExportPlan planMaskExport(const Project& project, const MaskExportOptions& options);

/// Writes the plan (creating the folder). Each mask is read with sfr_io, checked to lie on its
/// image's grid (within io's tolerance) and written with the image's exact geometry, atomically.
/// Without `overwrite`, existing targets are an sfr::Error before anything is written. Throws
/// sfr::Error naming the file at fault. `progress(done, total)` is called after each mask.
/// Returns the written files.
std::vector<std::filesystem::path> runMaskExport(
    const MaskExportPlan& plan, const Project& project, bool overwrite,
    const std::function<void(int, int)>& progress = {});

}  // namespace sfr::ui
