#pragma once
// A studio project, without Qt objects: the cases (image, optional label and prediction, state,
// confidence), the label table, the training settings and the run history, plus its JSON form.
// The JSON is versioned and read strictly: an unknown key, a wrong type or a bad value is an
// sfr::Error naming the file and the key ("cases[3].state: ...").
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sfr/base/geometry.h"
#include "sfr/ui/project/case_state.h"

namespace sfr::ui {

/// The project file format's version this studio writes and the newest it reads.
inline constexpr int kProjectFormatVersion = 1;

struct ProjectCase {
  std::string id;
  std::filesystem::path image;                      ///< absolute in memory
  std::optional<std::filesystem::path> label;       ///< the clinician's label map
  std::optional<std::filesystem::path> prediction;  ///< the model's mask, when there is one
  CaseState state = CaseState::Unlabelled;
  std::optional<double> confidence;  ///< mean max-probability of the prediction, 0..1

  bool operator==(const ProjectCase& o) const {
    return id == o.id && image == o.image && label == o.label && prediction == o.prediction &&
           state == o.state && confidence == o.confidence;
  }
};

/// One training run: where its files are, when it started, its resolved configuration and its
/// result (summary), both as the engine wrote them.
struct RunRecord {
  std::string runDir;
  std::string started;  ///< ISO 8601
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json result = nlohmann::json::object();

  bool operator==(const RunRecord& o) const {
    return runDir == o.runDir && started == o.started && config == o.config && result == o.result;
  }
};

struct Project {
  std::string name;
  std::string layout;            ///< "msd", "la" or "folder" (what the source folder was)
  std::filesystem::path source;  ///< the folder the project was made from
  std::optional<Vec3> spacing;   ///< for files that store none (the LA h5 files)
  std::vector<ProjectCase> cases;
  nlohmann::json labelTable;  ///< LabelTable::toJson(); null = the default table
  nlohmann::json training = nlohmann::json::object();  ///< docs/run-config.md, kept opaque
  std::vector<RunRecord> runs;
  std::string currentCase;  ///< id of the case open when saved; empty for none

  /// Index of the case with this id, -1 when there is none.
  int indexOf(const std::string& id) const;
  bool operator==(const Project& o) const;
};

/// The file form. Paths inside `baseDir` (the project file's folder) are stored relative to it,
/// others absolute.
nlohmann::json projectToJson(const Project& project, const std::filesystem::path& baseDir);

/// Reads the file form strictly; relative paths are resolved against `baseDir`. Throws
/// sfr::Error(subject, "<key>: <problem>") for a wrong format or newer version, unknown keys,
/// wrong types, unknown states, confidences outside 0..1, repeated case ids, a bad label table or
/// a current case that is not in the list.
Project projectFromJson(const nlohmann::json& json, const std::filesystem::path& baseDir,
                        const std::string& subject);

}  // namespace sfr::ui
