#pragma once
// Atomic file replacement: a reader (or a crash) never sees a half-written volume.
#include <filesystem>
#include <functional>

namespace sfr::io::detail {

/// Calls `produce(temporaryPath)` to write the file(s) for `target`, then fsyncs them and renames
/// them over the final name(s), then fsyncs the folder. `temporaryPath` lies in the same folder
/// and keeps the file name's extension (.sfr-tmp-<token>-<name>). Formats with a detached data
/// file (.mhd, .nhdr) are written into a temporary subfolder under their final names, so the
/// header's reference to its data file stays valid; the data files move first, the header last.
/// On failure the temporary files are removed and an sfr::Error naming `target` is thrown.
void writeAtomically(const std::filesystem::path& target,
                     const std::function<void(const std::filesystem::path&)>& produce);

}  // namespace sfr::io::detail
