#pragma once
// The autosave's files: a folder next to the project file, "<project>.sfrproj.autosave/", holding
// journal.json (the whole project, the open case and the time) and the open case's edited label
// map (label.nii.gz). The user's files are never written. A journal newer than the project file
// means the studio ended without saving: recovery is offered on the next start.
#include <QString>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sfr/base/volume.h"
#include "sfr/ui/project/project.h"

namespace sfr::ui {

struct RecoveryJournal {
  std::int64_t savedAtMs = 0;  ///< milliseconds since the epoch
  Project project;             ///< the project as it was, unsaved edits included
  std::string caseId;          ///< the case open then; empty for none
  std::optional<std::filesystem::path> labelFile;  ///< its edited label map, when edited
};

/// "<projectFile>.autosave".
std::filesystem::path recoveryFolder(const std::filesystem::path& projectFile);

/// Writes the recovery area: first the label map (when given; NIfTI, gzip), then the journal,
/// both atomically. Throws sfr::Error naming the file that failed.
void writeRecovery(const std::filesystem::path& projectFile, const Project& project,
                   const std::string& caseId, const LabelVolume* editedLabel);

/// The journal when the recovery area holds one written after the project file was last saved
/// (or the project file is gone); nullopt when there is nothing to recover. Throws sfr::Error
/// naming the journal when it cannot be read.
std::optional<RecoveryJournal> pendingRecovery(const std::filesystem::path& projectFile);

/// Reads the recovered label map of a journal (sfr_io). Throws sfr::Error naming the file.
LabelVolume readRecoveredLabel(const RecoveryJournal& journal);

/// Removes the recovery area (after an explicit save, a clean exit, or a discarded recovery).
/// Returns false when it existed and could not be removed.
bool discardRecovery(const std::filesystem::path& projectFile);

}  // namespace sfr::ui
