#include "sfr/ui/project/project_file.h"

#include <fstream>
#include <sstream>

#include "sfr/base/error.h"
#include "sfr/io/text_file.h"

namespace sfr::ui {

namespace fs = std::filesystem;

Project readProjectFile(const fs::path& path) {
  const std::string subject = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(subject, "the project file does not exist");
  if (fs::is_directory(path, ec)) throw Error(subject, "is a folder, not a project file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(subject, "cannot open the project file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(subject, std::string("not valid JSON (") + e.what() + ")");
  }
  return projectFromJson(json, fs::absolute(path).parent_path(), subject);
}

void writeProjectFile(const Project& project, const fs::path& path) {
  const nlohmann::json json = projectToJson(project, fs::absolute(path).parent_path());
  io::writeTextFileAtomically(path, json.dump(2) + "\n");
}

}  // namespace sfr::ui
