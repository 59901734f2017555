#include "sfr/ui/project/project.h"

#include <cmath>
#include <set>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "sfr-studio-project";

// Strict access to one JSON object: every key read is remembered, finish() rejects the others.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where, const std::string& subject)
      : object_(object), where_(std::move(where)), subject_(subject) {
    if (!object_.is_object()) fail(where_, "expected an object");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw Error(subject_, key + ": " + problem);
  }
  std::string key(const std::string& name) const {
    return where_.empty() ? name : where_ + "." + name;
  }
  bool has(const std::string& name) {
    seen_.insert(name);
    return object_.contains(name) && !object_.at(name).is_null();
  }
  const json& value(const std::string& name) {
    if (!has(name)) fail(key(name), "missing");
    return object_.at(name);
  }
  std::string string(const std::string& name) {
    const json& v = value(name);
    if (!v.is_string()) fail(key(name), "expected a string");
    return v.get<std::string>();
  }
  std::string string(const std::string& name, const std::string& fallback) {
    return has(name) ? string(name) : fallback;
  }
  double number(const std::string& name) {
    const json& v = value(name);
    if (!v.is_number()) fail(key(name), "expected a number");
    return v.get<double>();
  }
  const json& array(const std::string& name) {
    const json& v = value(name);
    if (!v.is_array()) fail(key(name), "expected an array");
    return v;
  }
  const json& object(const std::string& name) {
    const json& v = value(name);
    if (!v.is_object()) fail(key(name), "expected an object");
    return v;
  }
  void finish() const {
    for (const auto& item : object_.items())
      if (!seen_.count(item.key())) fail(key(item.key()), "unknown key");
  }

 private:
  const json& object_;
  std::string where_;
  const std::string& subject_;
  std::set<std::string> seen_;
};

std::string storedPath(const fs::path& path, const fs::path& baseDir) {
  if (!baseDir.empty()) {
    const fs::path relative =
        path.lexically_normal().lexically_relative(baseDir.lexically_normal());
    if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
  }
  return path.lexically_normal().generic_string();
}

fs::path resolvedPath(const std::string& text, const fs::path& baseDir) {
  const fs::path path(text);
  return (path.is_absolute() ? path : baseDir / path).lexically_normal();
}

ProjectCase readCase(const json& item, const std::string& where, const fs::path& baseDir,
                     const std::string& subject) {
  ObjectReader r(item, where, subject);
  ProjectCase c;
  c.id = r.string("id");
  if (c.id.empty()) r.fail(r.key("id"), "empty");
  c.image = resolvedPath(r.string("image"), baseDir);
  if (r.has("label")) c.label = resolvedPath(r.string("label"), baseDir);
  if (r.has("prediction")) c.prediction = resolvedPath(r.string("prediction"), baseDir);
  const std::string state = r.string("state");
  const std::optional<CaseState> parsed = caseStateFromKey(state);
  if (!parsed)
    r.fail(r.key("state"), "unknown state \"" + state +
                               "\" (expected unlabelled, labelled, predicted, flagged, "
                               "reviewed or accepted)");
  c.state = *parsed;
  if (r.has("confidence")) {
    const double confidence = r.number("confidence");
    if (!std::isfinite(confidence) || confidence < 0.0 || confidence > 1.0)
      r.fail(r.key("confidence"), "must lie in 0..1");
    c.confidence = confidence;
  }
  r.finish();
  return c;
}

RunRecord readRun(const json& item, const std::string& where, const std::string& subject) {
  ObjectReader r(item, where, subject);
  RunRecord run;
  run.runDir = r.string("run_dir");
  run.started = r.string("started", "");
  if (r.has("config")) run.config = r.object("config");
  if (r.has("result")) run.result = r.value("result");
  r.finish();
  return run;
}

}  // namespace

int Project::indexOf(const std::string& id) const {
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (cases[i].id == id) return static_cast<int>(i);
  return -1;
}

bool Project::operator==(const Project& o) const {
  return name == o.name && layout == o.layout && source == o.source && spacing == o.spacing &&
         cases == o.cases && labelTable == o.labelTable && training == o.training &&
         runs == o.runs && currentCase == o.currentCase;
}

json projectToJson(const Project& project, const fs::path& baseDir) {
  json cases = json::array();
  for (const ProjectCase& c : project.cases) {
    json item = {
        {"id", c.id}, {"image", storedPath(c.image, baseDir)}, {"state", caseStateKey(c.state)}};
    if (c.label) item["label"] = storedPath(*c.label, baseDir);
    if (c.prediction) item["prediction"] = storedPath(*c.prediction, baseDir);
    if (c.confidence) item["confidence"] = *c.confidence;
    cases.push_back(std::move(item));
  }
  json runs = json::array();
  for (const RunRecord& run : project.runs)
    runs.push_back({{"run_dir", run.runDir},
                    {"started", run.started},
                    {"config", run.config},
                    {"result", run.result}});
  json out = {{"format", kFormat},
              {"version", kProjectFormatVersion},
              {"name", project.name},
              {"layout", project.layout},
              {"source", project.source.empty() ? "" : storedPath(project.source, baseDir)},
              {"cases", cases},
              {"training", project.training},
              {"runs", runs}};
  if (!project.labelTable.is_null()) out["label_table"] = project.labelTable;
  if (project.spacing)
    out["spacing"] = {(*project.spacing)[0], (*project.spacing)[1], (*project.spacing)[2]};
  if (!project.currentCase.empty()) out["current_case"] = project.currentCase;
  return out;
}

Project projectFromJson(const json& j, const fs::path& baseDir, const std::string& subject) {
  ObjectReader r(j, "", subject);
  if (r.string("format") != kFormat)
    r.fail("format", "expected \"" + std::string(kFormat) + "\" (not an SFR Studio project)");
  const json& version = r.value("version");
  if (!version.is_number_integer()) r.fail("version", "expected an integer");
  if (version.get<int>() < 1 || version.get<int>() > kProjectFormatVersion)
    r.fail("version", "version " + std::to_string(version.get<int>()) +
                          " is not one this studio reads (1.." +
                          std::to_string(kProjectFormatVersion) + ")");
  Project project;
  project.name = r.string("name");
  project.layout = r.string("layout", "");
  const std::string source = r.string("source", "");
  if (!source.empty()) project.source = resolvedPath(source, baseDir);
  if (r.has("spacing")) {
    const json& s = r.array("spacing");
    if (s.size() != 3) r.fail("spacing", "expected three numbers");
    Vec3 spacing{};
    for (int d = 0; d < 3; ++d) {
      if (!s[d].is_number() || !std::isfinite(s[d].get<double>()) || s[d].get<double>() <= 0.0)
        r.fail("spacing", "expected three positive numbers");
      spacing[d] = s[d].get<double>();
    }
    project.spacing = spacing;
  }
  const json& cases = r.array("cases");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string where = "cases[" + std::to_string(i) + "]";
    ProjectCase c = readCase(cases[i], where, baseDir, subject);
    if (!ids.insert(c.id).second) r.fail(where + ".id", "case \"" + c.id + "\" is listed twice");
    project.cases.push_back(std::move(c));
  }
  if (r.has("label_table")) {
    project.labelTable = r.object("label_table");
    LabelTable check;
    try {
      check.fromJson(project.labelTable);
    } catch (const Error& e) {
      r.fail("label_table", e.problem());
    }
  }
  if (r.has("training")) project.training = r.object("training");
  if (r.has("runs")) {
    const json& runs = r.array("runs");
    for (std::size_t i = 0; i < runs.size(); ++i)
      project.runs.push_back(readRun(runs[i], "runs[" + std::to_string(i) + "]", subject));
  }
  project.currentCase = r.string("current_case", "");
  if (!project.currentCase.empty() && project.indexOf(project.currentCase) < 0)
    r.fail("current_case", "\"" + project.currentCase + "\" is not one of the cases");
  r.finish();
  return project;
}

}  // namespace sfr::ui
