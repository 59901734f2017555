#include "sfr/io/text_file.h"

#include <fstream>

#include "atomic_write.h"
#include "sfr/base/error.h"

namespace sfr::io {

void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text) {
  detail::writeAtomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string(), "cannot create the file");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) throw Error(path.string(), "cannot write the file (disk full?)");
  });
}

}  // namespace sfr::io
