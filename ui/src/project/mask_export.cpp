#include "sfr/ui/project/mask_export.h"

#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/io/text_file.h"
#include "sfr/ui/project/label_table_export.h"

namespace sfr::ui {

namespace fs = std::filesystem;

namespace {

std::optional<fs::path> maskOf(const ProjectCase& c, ExportSelection selection) {
  if (selection == ExportSelection::Accepted) {
    if (c.state != CaseState::Accepted) return std::nullopt;
    return c.label ? c.label : c.prediction;
  }
  if (!hasPrediction(c.state)) return std::nullopt;
  const bool clinicianMask = c.state == CaseState::Reviewed || c.state == CaseState::Accepted;
  if (clinicianMask) return c.label ? c.label : c.prediction;
  return c.prediction ? c.prediction : c.label;
}

bool selected(const ProjectCase& c, ExportSelection selection) {
  return selection == ExportSelection::Accepted ? c.state == CaseState::Accepted
                                                : hasPrediction(c.state);
}

}  // namespace

std::string maskFileExtension(MaskFormat format) {
  return format == MaskFormat::Nrrd ? ".nrrd" : ".nii.gz";
}

MaskExportPlan planMaskExport(const Project& project, const MaskExportOptions& options) {
  MaskExportPlan plan;
  plan.labelJson = options.folder / "labels.json";
  plan.labelCsv = options.folder / "labels.csv";
  for (const ProjectCase& c : project.cases) {
    if (!selected(c, options.selection)) continue;
    const std::optional<fs::path> mask = maskOf(c, options.selection);
    if (!mask) {
      plan.skipped.push_back(c.id);
      continue;
    }
    plan.items.push_back(
        {c.id, c.image, *mask, options.folder / (c.id + maskFileExtension(options.format))});
  }
  std::error_code ec;
  for (const MaskExportItem& item : plan.items)
    if (fs::exists(item.target, ec)) plan.existing.push_back(item.target);
  for (const fs::path& table : {plan.labelJson, plan.labelCsv})
    if (fs::exists(table, ec)) plan.existing.push_back(table);
  return plan;
}

std::vector<fs::path> runMaskExport(const MaskExportPlan& plan, const Project& project,
                                    bool overwrite, const std::function<void(int, int)>& progress) {
  if (!overwrite && !plan.existing.empty())
    throw Error(plan.existing.front().string(), "exists already (not overwritten)");
  const fs::path folder = plan.labelJson.parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder.string(), "cannot create the export folder: " + ec.message());

  io::ReadOptions read;
  if (project.spacing) read.setSpacing(*project.spacing);
  std::vector<fs::path> written;
  const int total = static_cast<int>(plan.items.size());
  for (int i = 0; i < total; ++i) {
    const MaskExportItem& item = plan.items[static_cast<std::size_t>(i)];
    const ImageVolume image = io::readImage(item.image, read);
    LabelVolume mask = io::readLabel(item.mask, read);
    requireSameGrid(image.geometry(), mask.geometry(), item.mask.string());
    mask.geometry() = image.geometry();  // the source's exact geometry, not a float32 echo
    io::writeLabel(mask, item.target);
    written.push_back(item.target);
    if (progress) progress(i + 1, total);
  }
  io::writeTextFileAtomically(plan.labelJson,
                              exportedLabelTable(project.labelTable).dump(2) + "\n");
  written.push_back(plan.labelJson);
  io::writeTextFileAtomically(plan.labelCsv, labelTableCsv(project.labelTable));
  written.push_back(plan.labelCsv);
  return written;
}

}  // namespace sfr::ui
