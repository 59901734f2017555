#pragma once
// Dataset layouts: where the cases of a dataset are and which split they belong to. Opening a
// dataset only lists and checks files; volumes are read later with readImage()/readLabel().
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sfr::io {

struct DatasetCase {
  std::string id;                              ///< case name, e.g. "hippocampus_001"
  std::filesystem::path image;                 ///< file or DICOM folder
  std::optional<std::filesystem::path> label;  ///< absent for unlabelled cases
  std::string split;                           ///< "train", "test" or "" (no split given)
};

struct Dataset {
  std::string layout;  ///< "msd", "la" or "folder"
  std::filesystem::path root;
  std::vector<DatasetCase> cases;
  std::vector<std::string> labelNames;  ///< index = label value; empty when unknown
};

/// Opens a dataset folder, choosing the layout by what it contains:
/// - "msd": `dataset.json` (MSD / nnU-Net v1 lists `training: [{image, label}]`, `test: [...]`,
///   `labels: {"0": "background", ...}`; nnU-Net v2 files with `file_ending` instead of lists are
///   listed from imagesTr/labelsTr/imagesTs). Listed paths are relative to the root.
/// - "la": `train.list` and/or `test.list` naming `<id>/mri_norm2.h5` (also looked up under
///   `2018LA_Seg_Training Set/`); image and label are the same HDF5 file.
/// - "folder": volume files directly in the root (.nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, .h5)
///   plus subfolders holding DICOM files. `<id>_label|_seg|_mask|_gt.*` is the label of the image
///   `<id>.*` or `<id>_image|_img|_0000.*`.
/// Throws sfr::Error naming the offending file (dataset.json, a list, the root) and the problem:
/// missing root, empty folder, malformed dataset.json, listed file missing, duplicate case ids.
Dataset openDataset(const std::filesystem::path& root);

}  // namespace sfr::io
