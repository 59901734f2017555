#pragma once
// Reading and writing project files (`*.sfrproj`, JSON). Writes are atomic (sfr_io).
#include <filesystem>

#include "sfr/ui/project/project.h"

namespace sfr::ui {

/// The extension of project files, with the dot.
inline constexpr const char* kProjectExtension = ".sfrproj";

/// Reads a project file strictly (see projectFromJson); relative paths are resolved against the
/// file's folder. Throws sfr::Error naming the file: missing, unreadable, not JSON, or invalid.
Project readProjectFile(const std::filesystem::path& path);

/// Writes the project atomically (temporary file, fsync, rename). Throws sfr::Error naming the
/// file; the previous file is then untouched.
void writeProjectFile(const Project& project, const std::filesystem::path& path);

}  // namespace sfr::ui
