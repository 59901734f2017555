#include "sfr/ui/project/recovery_area.h"

#include <QDateTime>
#include <QFileInfo>
#include <fstream>
#include <sstream>

#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/io/text_file.h"

namespace sfr::ui {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kJournalFormat = "sfr-studio-autosave";
constexpr const char* kJournalName = "journal.json";
constexpr const char* kLabelName = "label.nii.gz";

std::int64_t modifiedMs(const fs::path& path) {
  const QFileInfo info(QString::fromStdU16String(path.u16string()));
  return info.exists() ? info.lastModified().toMSecsSinceEpoch() : -1;
}
}  // namespace

fs::path recoveryFolder(const fs::path& projectFile) {
  fs::path folder = projectFile;
  folder += ".autosave";
  return folder;
}

void writeRecovery(const fs::path& projectFile, const Project& project, const std::string& caseId,
                   const LabelVolume* editedLabel) {
  const fs::path folder = recoveryFolder(projectFile);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder.string(), "cannot create the autosave folder: " + ec.message());
  if (editedLabel) io::writeLabel(*editedLabel, folder / kLabelName);
  const fs::path baseDir = fs::absolute(projectFile).parent_path();
  const json journal = {{"format", kJournalFormat},
                        {"version", 1},
                        {"saved_at_ms", QDateTime::currentMSecsSinceEpoch()},
                        {"case", caseId},
                        {"label", editedLabel ? kLabelName : ""},
                        {"project", projectToJson(project, baseDir)}};
  io::writeTextFileAtomically(folder / kJournalName, journal.dump(1) + "\n");
}

std::optional<RecoveryJournal> pendingRecovery(const fs::path& projectFile) {
  const fs::path path = recoveryFolder(projectFile) / kJournalName;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string subject = path.string();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  RecoveryJournal journal;
  try {
    const json j = json::parse(text.str());
    if (!j.is_object() || j.value("format", "") != kJournalFormat)
      throw Error(subject, "format: not an SFR Studio autosave journal");
    if (j.value("version", 0) != 1) throw Error(subject, "version: expected 1");
    journal.savedAtMs = j.at("saved_at_ms").get<std::int64_t>();
    journal.caseId = j.at("case").get<std::string>();
    const std::string label = j.at("label").get<std::string>();
    if (!label.empty()) journal.labelFile = recoveryFolder(projectFile) / label;
    journal.project =
        projectFromJson(j.at("project"), fs::absolute(projectFile).parent_path(), subject);
  } catch (const json::exception& e) {
    throw Error(subject, std::string("malformed journal (") + e.what() + ")");
  }
  const std::int64_t saved = modifiedMs(projectFile);
  if (saved >= 0 && journal.savedAtMs <= saved) return std::nullopt;  // saved after the autosave
  return journal;
}

LabelVolume readRecoveredLabel(const RecoveryJournal& journal) {
  if (!journal.labelFile) throw Error("autosave", "the journal holds no edited label map");
  return io::readLabel(*journal.labelFile);
}

bool discardRecovery(const fs::path& projectFile) {
  std::error_code ec;
  fs::remove_all(recoveryFolder(projectFile), ec);
  return !ec;
}

}  // namespace sfr::ui
