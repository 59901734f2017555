// MetaImage (.mha / .mhd) pre-flight check. MetaIO prints its complaints to std::cerr and leaves
// ITK with "File cannot be read"; here a missing ElementDataFile, a data file that is not there
// or a size mismatch each get their own message.
#include <fstream>
#include <map>
#include <sstream>

#include "file_checks.h"
#include "header_checks.h"
#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxHeaderBytes = 1 << 16;

unsigned metaTypeBytes(const std::string& type) {
  // Sizes as in MetaIO's MET_ValueTypeSize (MET_LONG is 4 bytes there).
  static const std::map<std::string, unsigned> kTypes = {
      {"MET_CHAR", 1},      {"MET_UCHAR", 1},      {"MET_SHORT", 2}, {"MET_USHORT", 2},
      {"MET_INT", 4},       {"MET_UINT", 4},       {"MET_LONG", 4},  {"MET_ULONG", 4},
      {"MET_LONG_LONG", 8}, {"MET_ULONG_LONG", 8}, {"MET_FLOAT", 4}, {"MET_DOUBLE", 8}};
  const auto found = kTypes.find(type);
  return found == kTypes.end() ? 0 : found->second;
}

bool parseInteger(const std::string& text, long long& value) {
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

}  // namespace

void checkMetaImageFile(const fs::path& path, const ReadOptions& options) {
  const std::string subject = path.string();
  std::ifstream in(path, std::ios::binary);
  std::map<std::string, std::string> fields;
  std::string line;
  bool dataFileLineSeen = false;
  while (!dataFileLineSeen && in.tellg() >= 0 &&
         static_cast<std::uint64_t>(in.tellg()) < kMaxHeaderBytes && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) break;  // not a header line: binary data or garbage
    const std::string key = trim(line.substr(0, equals));
    fields[key] = trim(line.substr(equals + 1));
    dataFileLineSeen = key == "ElementDataFile";
  }
  if (!dataFileLineSeen)
    throw Error(subject, "MetaImage header has no ElementDataFile line (it must end the header)");
  const std::streamoff position = in.tellg();  // -1 when the header ends without a newline
  const std::uint64_t headerEnd =
      position < 0 ? fs::file_size(path) : static_cast<std::uint64_t>(position);

  auto field = [&](const std::string& key) -> const std::string& {
    const auto found = fields.find(key);
    if (found == fields.end()) throw Error(subject, "MetaImage header has no " + key + " line");
    return found->second;
  };

  long long axes = 0;
  if (!parseInteger(field("NDims"), axes) || axes < 1 || axes > 16)
    throw Error(subject, "MetaImage NDims '" + field("NDims") + "' is not an integer in 1..16");
  std::istringstream sizeText(field("DimSize"));
  std::vector<std::uint64_t> sizes;
  for (std::string word; sizeText >> word;) {
    long long size = 0;
    if (!parseInteger(word, size) || size < 1)
      throw Error(subject,
                  "MetaImage DimSize contains '" + word + "'; sizes must be positive integers");
    sizes.push_back(static_cast<std::uint64_t>(size));
  }
  if (static_cast<long long>(sizes.size()) != axes)
    throw Error(subject, "MetaImage DimSize lists " + std::to_string(sizes.size()) +
                             " values but NDims is " + std::to_string(axes));
  const std::string type = field("ElementType");
  const unsigned typeBytes = metaTypeBytes(type);
  if (typeBytes == 0) throw Error(subject, "unsupported MetaImage ElementType '" + type + "'");
  long long channels = 1;
  if (fields.count("ElementNumberOfChannels") &&
      (!parseInteger(fields["ElementNumberOfChannels"], channels) || channels < 1))
    throw Error(subject, "MetaImage ElementNumberOfChannels '" + fields["ElementNumberOfChannels"] +
                             "' is not a positive integer");
  if (channels > 1)
    throw Error(subject, "image has " + std::to_string(channels) +
                             " channels per voxel; a scalar volume is expected");
  requireVolumeDimensions(path, sizes, options);

  const std::string dataName = field("ElementDataFile");
  if (dataName.empty()) throw Error(subject, "MetaImage ElementDataFile is empty");
  fs::path dataFile = path;
  std::uint64_t offset = headerEnd;
  if (dataName != "LOCAL" && dataName != "Local" && dataName != "local") {
    if (dataName.rfind("LIST", 0) == 0 || dataName.find('%') != std::string::npos)
      return;  // one file per slice: MetaIO checks them while reading
    dataFile =
        fs::path(dataName).is_absolute() ? fs::path(dataName) : path.parent_path() / dataName;
    offset = 0;
    std::error_code ec;
    if (!fs::is_regular_file(dataFile, ec))
      throw Error(subject, "data file '" + dataName + "' named by ElementDataFile does not exist");
  }
  long long headerSize = 0;
  if (fields.count("HeaderSize") && !parseInteger(fields["HeaderSize"], headerSize))
    throw Error(subject, "MetaImage HeaderSize '" + fields["HeaderSize"] + "' is not an integer");
  if (headerSize < 0) return;  // -1: the data is the last bytes of the file
  offset += static_cast<std::uint64_t>(headerSize);

  std::uint64_t needed = typeBytes;
  for (std::uint64_t s : sizes) needed *= s;
  const std::string compressed =
      fields.count("CompressedData") ? toLower(fields["CompressedData"]) : "";
  if (compressed == "true") {
    const StreamCount count = countZlibBytes(dataFile, offset);
    if (!count.error.empty())
      throw Error(subject, "compressed voxel data is truncated or corrupt after " +
                               std::to_string(count.bytes) + " bytes (zlib: " + count.error + ")");
    requireDataSize(path, sizes, type, needed, count.bytes, "the compressed stream");
  } else {
    const std::uint64_t size = fs::file_size(dataFile);
    requireDataSize(path, sizes, type, needed, size > offset ? size - offset : 0,
                    dataFile == path ? "the file after the header" : "the data file");
  }
}

}  // namespace sfr::io::detail
