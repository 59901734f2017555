#pragma once
// A new project from a folder of scans, through sfr_io's dataset layouts (MSD dataset.json, the
// LA research lists, or a plain folder of NIfTI/NRRD/MetaImage/HDF5 files and DICOM folders).
#include <filesystem>
#include <optional>

#include "sfr/base/geometry.h"
#include "sfr/io/dataset.h"
#include "sfr/ui/project/project.h"

namespace sfr::ui {

/// One case per dataset case: labelled when the dataset gives a label, unlabelled otherwise. The
/// label table names the dataset's labels (label 1 "Label 1" when it names none). The project's
/// name is the folder's name.
Project projectFromDataset(const io::Dataset& dataset, const std::optional<Vec3>& spacing = {});

/// io::openDataset(folder) + projectFromDataset. Throws sfr::Error naming the offending file.
Project newProjectFromFolder(const std::filesystem::path& folder,
                             const std::optional<Vec3>& spacing = {});

}  // namespace sfr::ui
