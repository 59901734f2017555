#pragma once
// Small text files (project files, journals, tables) written the way the volume writers write:
// atomically, so a crash leaves either the old file or the complete new one.
#include <filesystem>
#include <string>

namespace sfr::io {

/// Writes `text` to `path` through a temporary file in the same folder, fsync and rename, then
/// fsyncs the folder. Throws sfr::Error naming `path` when the folder does not exist or a step
/// fails; the previous file, if any, is then untouched.
void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace sfr::io
