// Dataset layouts: MSD / nnU-Net (dataset.json), the LA research layout (train.list, test.list,
// <id>/mri_norm2.h5) and a plain folder of volumes. Only files are listed and checked here.
#include "sfr/io/dataset.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "file_checks.h"
#include "hdf5_volume.h"
#include "sfr/base/error.h"
#include "sfr/io/format.h"

namespace sfr::io {
namespace fs = std::filesystem;
using detail::toLower;
using detail::trim;

namespace {

const char* const kVolumeExtensions = ".nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, .h5";

bool isFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

/// File name without its volume extension ("a.nii.gz" -> "a", "b.nrrd" -> "b").
std::string stripVolumeExtension(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string lower = toLower(name);
  for (const char* ext :
       {".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd", ".hdf5", ".h5", ".hdf"}) {
    const std::string e(ext);
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
      return name.substr(0, name.size() - e.size());
  }
  return path.stem().string();
}

void addCase(Dataset& dataset, DatasetCase c, const fs::path& subject) {
  for (const DatasetCase& existing : dataset.cases)
    if (existing.id == c.id)
      throw Error(subject.string(), "case id '" + c.id + "' occurs twice (" +
                                        existing.image.string() + " and " + c.image.string() + ")");
  dataset.cases.push_back(std::move(c));
}

// ---- MSD / nnU-Net ---------------------------------------------------------------------------

std::string shortJsonMessage(const std::exception& e) {
  std::string text = e.what();  // "[json.exception.parse_error.101] parse error at line ..."
  const std::size_t bracket = text.find("] ");
  return text[0] == '[' && bracket != std::string::npos ? text.substr(bracket + 2) : text;
}

/// MSD lists "./imagesTr/x.nii.gz" for the case while nnU-Net v1 stores x_0000.nii.gz (first
/// channel); accept either.
fs::path resolveListed(const fs::path& root, const std::string& relative) {
  const fs::path listed = (root / relative).lexically_normal();
  if (isFile(listed)) return listed;
  const std::string name = listed.filename().string();
  const std::string stem = stripVolumeExtension(listed);
  const fs::path channel0 = listed.parent_path() / (stem + "_0000" + name.substr(stem.size()));
  return isFile(channel0) ? channel0 : listed;
}

std::vector<std::string> labelNamesFrom(const nlohmann::json& labels, const fs::path& json) {
  if (!labels.is_object())
    throw Error(json.string(), "'labels' must be an object mapping label values to names");
  std::map<int, std::string> names;
  for (const auto& [key, value] : labels.items()) {
    int number = -1;
    std::string name;
    if (value.is_string()) {  // MSD: {"0": "background", "1": "left atrium"}
      std::size_t used = 0;
      try {
        number = std::stoi(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != key.size() || key.empty())
        throw Error(json.string(), "'labels' key '" + key + "' is not a label number");
      name = value.get<std::string>();
    } else if (value.is_number_integer()) {  // nnU-Net v2: {"background": 0, "x": 1}
      number = value.get<int>();
      name = key;
    } else {
      throw Error(json.string(), "'labels' entry '" + key +
                                     "' must map a number to a name (or a name to a number)");
    }
    if (number < 0 || number > 254)
      throw Error(json.string(), "'labels' value " + std::to_string(number) + " is outside 0..254");
    if (!names.emplace(number, name).second)
      throw Error(json.string(), "'labels' names label " + std::to_string(number) + " twice");
  }
  std::vector<std::string> result;
  if (!names.empty()) result.resize(static_cast<std::size_t>(names.rbegin()->first) + 1);
  for (const auto& [number, name] : names) result[static_cast<std::size_t>(number)] = name;
  return result;
}

void addListedCases(Dataset& dataset, const nlohmann::json& list, const std::string& key,
                    const std::string& split, const fs::path& json) {
  if (!list.is_array()) throw Error(json.string(), "'" + key + "' must be a list");
  for (std::size_t n = 0; n < list.size(); ++n) {
    const nlohmann::json& entry = list[n];
    const std::string where = "'" + key + "' entry " + std::to_string(n + 1);
    std::string image;
    std::optional<std::string> label;
    if (entry.is_string()) {
      image = entry.get<std::string>();
    } else if (entry.is_object()) {
      if (!entry.contains("image") || !entry["image"].is_string())
        throw Error(json.string(), where + " has no \"image\" path");
      image = entry["image"].get<std::string>();
      if (entry.contains("label")) {
        if (!entry["label"].is_string())
          throw Error(json.string(), where + ": \"label\" must be a path");
        label = entry["label"].get<std::string>();
      }
    } else {
      throw Error(json.string(), where + " must be a path or an {\"image\", \"label\"} object");
    }
    DatasetCase c;
    c.image = resolveListed(dataset.root, image);
    if (!isFile(c.image))
      throw Error(json.string(), where + " lists image '" + image + "', but " + c.image.string() +
                                     " does not exist");
    if (label) {
      c.label = resolveListed(dataset.root, *label);
      if (!isFile(*c.label))
        throw Error(json.string(), where + " lists label '" + *label + "', but " +
                                       c.label->string() + " does not exist");
    }
    c.id = stripVolumeExtension(fs::path(image));
    c.split = split;
    addCase(dataset, std::move(c), json);
  }
}

/// nnU-Net v2: no lists; images are <id>_0000<ending> in imagesTr/imagesTs, labels <id><ending>.
void addNnunetV2Cases(Dataset& dataset, const std::string& ending, const fs::path& json) {
  const std::string suffix = "_0000" + ending;
  for (const auto& [folder, split] :
       {std::pair<std::string, std::string>{"imagesTr", "train"}, {"imagesTs", "test"}}) {
    const fs::path images = dataset.root / folder;
    if (!fs::is_directory(images)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(images)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string name = file.filename().string();
      DatasetCase c;
      c.id = name.substr(0, name.size() - suffix.size());
      c.image = file;
      c.split = split;
      const fs::path label =
          dataset.root / (split == "train" ? "labelsTr" : "labelsTs") / (c.id + ending);
      if (isFile(label)) {
        c.label = label;
      } else if (split == "train") {
        throw Error(json.string(), "training case '" + c.id + "' has no label " + label.string());
      }
      addCase(dataset, std::move(c), json);
    }
  }
  if (dataset.cases.empty())
    throw Error(json.string(), "nnU-Net v2 dataset lists no images: no imagesTr/*" + suffix);
}

Dataset openMsd(const fs::path& root) {
  const fs::path json = root / "dataset.json";
  std::ifstream in(json);
  if (!in) throw Error(json.string(), "cannot be opened");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(json.string(), "invalid JSON: " + shortJsonMessage(e));
  }
  if (!document.is_object()) throw Error(json.string(), "must hold a JSON object");

  Dataset dataset;
  dataset.layout = "msd";
  dataset.root = root;
  if (document.contains("labels")) dataset.labelNames = labelNamesFrom(document["labels"], json);
  const bool lists = document.contains("training") || document.contains("test");
  if (lists) {
    if (document.contains("training"))
      addListedCases(dataset, document["training"], "training", "train", json);
    if (document.contains("test")) addListedCases(dataset, document["test"], "test", "test", json);
  } else if (document.contains("file_ending") && document["file_ending"].is_string()) {
    addNnunetV2Cases(dataset, document["file_ending"].get<std::string>(), json);
  } else {
    throw Error(json.string(), "has no 'training' or 'test' list (nor nnU-Net v2's 'file_ending')");
  }
  if (dataset.cases.empty()) throw Error(json.string(), "lists no cases");
  return dataset;
}

// ---- LA research layout ----------------------------------------------------------------------

Dataset openLa(const fs::path& root) {
  std::map<std::string, std::string> listedIn;  // case id -> list file that names it
  Dataset dataset;
  dataset.layout = "la";
  dataset.root = root;
  dataset.labelNames = {"background", "left atrium"};
  for (const auto& [listName, split] :
       {std::pair<std::string, std::string>{"train.list", "train"}, {"test.list", "test"}}) {
    const fs::path list = root / listName;
    if (!fs::exists(list)) continue;
    std::ifstream in(list);
    if (!in) throw Error(list.string(), "cannot be opened");
    std::string line;
    for (int lineNumber = 1; std::getline(in, line); ++lineNumber) {
      const std::string id = trim(line);
      if (id.empty() || id[0] == '#') continue;
      const auto [previous, added] = listedIn.emplace(id, listName);
      if (!added)
        throw Error(list.string(), "line " + std::to_string(lineNumber) + ": case '" + id +
                                       "' is listed twice (also in " + previous->second + ")");
      fs::path file = root / id / "mri_norm2.h5";
      if (!isFile(file)) file = root / "2018LA_Seg_Training Set" / id / "mri_norm2.h5";
      if (!isFile(file))
        throw Error(list.string(), "line " + std::to_string(lineNumber) + ": case '" + id +
                                       "' has no file " + (root / id / "mri_norm2.h5").string());
      DatasetCase c{id, file, file, split};
      addCase(dataset, std::move(c), list);
    }
  }
  if (dataset.cases.empty()) throw Error(root.string(), "train.list and test.list name no cases");
  return dataset;
}

// ---- plain folder ------------------------------------------------------------------------------

bool holdsDicomFiles(const fs::path& folder) {
  int looked = 0;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    if (toLower(entry.path().extension().string()) == ".dcm") return true;
    const std::string head = detail::readRawPrefix(entry.path(), 132);
    if (head.size() == 132 && head.compare(128, 4, "DICM") == 0) return true;
    if (++looked >= 16) break;
  }
  return false;
}

/// Splits "<id><suffix>" into id and role by the naming conventions of the header.
std::pair<std::string, bool> idAndRole(const std::string& stem) {
  const std::string lower = toLower(stem);
  for (const char* suffix : {"_label", "_labels", "_seg", "_segmentation", "_mask", "_gt"}) {
    const std::string s(suffix);
    if (lower.size() > s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0)
      return {stem.substr(0, stem.size() - s.size()), true};
  }
  for (const char* suffix : {"_image", "_img", "_0000"}) {
    const std::string s(suffix);
    if (lower.size() > s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0)
      return {stem.substr(0, stem.size() - s.size()), false};
  }
  return {stem, false};
}

Dataset openFolder(const fs::path& root) {
  Dataset dataset;
  dataset.layout = "folder";
  dataset.root = root;
  std::map<std::string, DatasetCase> cases;
  std::map<std::string, fs::path> labels;
  std::vector<fs::directory_entry> entries(fs::directory_iterator(root), {});
  std::sort(entries.begin(), entries.end());
  for (const fs::directory_entry& entry : entries) {
    const fs::path& path = entry.path();
    if (path.filename().string()[0] == '.') continue;  // hidden, including our temp files
    if (entry.is_directory()) {
      if (!holdsDicomFiles(path)) continue;
      DatasetCase c;
      c.id = path.filename().string();
      c.image = path;
      if (!cases.emplace(c.id, c).second)
        throw Error(root.string(), "two images for case '" + c.id + "'");
      continue;
    }
    const FileFormat format = formatFromExtension(path);
    if (!entry.is_regular_file() || format == FileFormat::Unknown) continue;
    const auto [id, isLabel] = idAndRole(stripVolumeExtension(path));
    if (isLabel) {
      if (!labels.emplace(id, path).second)
        throw Error(root.string(), "two labels for case '" + id + "': " + labels[id].string() +
                                       " and " + path.string());
      continue;
    }
    DatasetCase c;
    c.id = id;
    c.image = path;
    if (format == FileFormat::Hdf5 && detail::hdf5HasDataset(path, "label")) c.label = path;
    const auto [it, added] = cases.emplace(id, c);
    if (!added)
      throw Error(root.string(), "two images for case '" + id + "': " + it->second.image.string() +
                                     " and " + path.string());
  }
  for (const auto& [id, label] : labels) {
    const auto found = cases.find(id);
    if (found == cases.end())
      throw Error(label.string(), "label has no matching image (expected " + id + ".* or " + id +
                                      "_image.* beside it)");
    found->second.label = label;
  }
  if (cases.empty()) {
    std::string hint;
    if (fs::is_directory(root / "imagesTr")) hint = " (imagesTr/ is there but dataset.json is not)";
    throw Error(root.string(),
                std::string("folder holds no dataset: no dataset.json, no train.list/test.list, "
                            "no volume files (") +
                    kVolumeExtensions + ") and no DICOM folders" + hint);
  }
  for (auto& [id, c] : cases) dataset.cases.push_back(std::move(c));
  return dataset;
}

}  // namespace

Dataset openDataset(const fs::path& root) {
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  if (ec || !fs::exists(status)) throw Error(root.string(), "dataset folder does not exist");
  if (!fs::is_directory(status))
    throw Error(root.string(), "is a file; a dataset is a folder (give its parent folder)");
  try {
    if (fs::exists(root / "dataset.json")) return openMsd(root);
    if (fs::exists(root / "train.list") || fs::exists(root / "test.list")) return openLa(root);
    return openFolder(root);
  } catch (const fs::filesystem_error& e) {
    throw Error(root.string(), std::string("cannot list the dataset: ") + e.what());
  }
}

}  // namespace sfr::io
