// NRRD (.nrrd attached, .nhdr detached) pre-flight check. Teem (inside ITK) reads whatever
// prefix of the data the header asks for, so wrong "sizes" would go unnoticed; truncation is
// reported through a multi-line biff trace. Here both become one precise message.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "file_checks.h"
#include "header_checks.h"
#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

unsigned nrrdTypeBytes(const std::string& type) {
  static const std::map<std::string, unsigned> kTypes = {{"signed char", 1},
                                                         {"int8", 1},
                                                         {"int8_t", 1},
                                                         {"uchar", 1},
                                                         {"unsigned char", 1},
                                                         {"uint8", 1},
                                                         {"uint8_t", 1},
                                                         {"short", 2},
                                                         {"short int", 2},
                                                         {"signed short", 2},
                                                         {"signed short int", 2},
                                                         {"int16", 2},
                                                         {"int16_t", 2},
                                                         {"ushort", 2},
                                                         {"unsigned short", 2},
                                                         {"unsigned short int", 2},
                                                         {"uint16", 2},
                                                         {"uint16_t", 2},
                                                         {"int", 4},
                                                         {"signed int", 4},
                                                         {"int32", 4},
                                                         {"int32_t", 4},
                                                         {"uint", 4},
                                                         {"unsigned int", 4},
                                                         {"uint32", 4},
                                                         {"uint32_t", 4},
                                                         {"longlong", 8},
                                                         {"long long", 8},
                                                         {"long long int", 8},
                                                         {"signed long long", 8},
                                                         {"signed long long int", 8},
                                                         {"int64", 8},
                                                         {"int64_t", 8},
                                                         {"ulonglong", 8},
                                                         {"unsigned long long", 8},
                                                         {"unsigned long long int", 8},
                                                         {"uint64", 8},
                                                         {"uint64_t", 8},
                                                         {"float", 4},
                                                         {"double", 8}};
  const auto found = kTypes.find(type);
  return found == kTypes.end() ? 0 : found->second;
}

// Axis kinds that ITK turns into pixel components rather than a spatial axis.
bool isComponentKind(const std::string& kind) {
  static const std::set<std::string> kComponentKinds = {"vector",
                                                        "covariant-vector",
                                                        "normal",
                                                        "list",
                                                        "point",
                                                        "complex",
                                                        "2-vector",
                                                        "3-color",
                                                        "rgb-color",
                                                        "hsv-color",
                                                        "xyz-color",
                                                        "4-color",
                                                        "rgba-color",
                                                        "3-vector",
                                                        "3-gradient",
                                                        "3-normal",
                                                        "4-vector",
                                                        "quaternion",
                                                        "2d-symmetric-matrix",
                                                        "2d-masked-symmetric-matrix",
                                                        "2d-matrix",
                                                        "2d-masked-matrix",
                                                        "3d-symmetric-matrix",
                                                        "3d-masked-symmetric-matrix",
                                                        "3d-matrix",
                                                        "3d-masked-matrix"};
  return kComponentKinds.count(kind) > 0;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool parseCount(const std::string& text, long long& value) {
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

}  // namespace

void checkNrrdFile(const fs::path& path, const ReadOptions& options) {
  const std::string subject = path.string();
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  if (line.compare(0, 7, "NRRD000") != 0)
    throw Error(subject, "bad NRRD magic: the first line is \"" + trim(line.substr(0, 40)) +
                             "\" (expected NRRD0001..NRRD0005)");

  std::map<std::string, std::string> fields;
  bool blankLineSeen = false;
  for (int lineNumber = 2; std::getline(in, line); ++lineNumber) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      blankLineSeen = true;
      break;
    }
    if (line[0] == '#') continue;
    if (line.find(":=") != std::string::npos) continue;  // key/value pair, not a field
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos)
      throw Error(subject, "NRRD header line " + std::to_string(lineNumber) + " \"" +
                               trim(line.substr(0, 60)) + "\" is not a \"field: value\" line");
    std::string key = toLower(trim(line.substr(0, colon)));
    if (key == "datafile") key = "data file";
    if (key == "byteskip") key = "byte skip";
    if (key == "lineskip") key = "line skip";
    fields[key] = trim(line.substr(colon + 2));
  }
  const std::uint64_t headerEnd = blankLineSeen ? static_cast<std::uint64_t>(in.tellg()) : 0;

  auto field = [&](const std::string& key) -> const std::string& {
    const auto found = fields.find(key);
    if (found == fields.end()) throw Error(subject, "NRRD header has no '" + key + "' field");
    return found->second;
  };

  long long dimension = 0;
  if (!parseCount(field("dimension"), dimension) || dimension < 1 || dimension > 16)
    throw Error(subject, "NRRD dimension '" + field("dimension") + "' is not an integer in 1..16");
  const std::vector<std::string> sizeWords = words(field("sizes"));
  if (static_cast<long long>(sizeWords.size()) != dimension)
    throw Error(subject, "NRRD 'sizes' lists " + std::to_string(sizeWords.size()) +
                             " values but the dimension is " + std::to_string(dimension));
  std::vector<std::uint64_t> sizes;
  for (const std::string& word : sizeWords) {
    long long size = 0;
    if (!parseCount(word, size) || size < 1)
      throw Error(subject, "NRRD 'sizes' contains '" + word + "'; sizes must be positive integers");
    sizes.push_back(static_cast<std::uint64_t>(size));
  }
  const std::string type = toLower(field("type"));
  const unsigned typeBytes = nrrdTypeBytes(type);
  if (typeBytes == 0) throw Error(subject, "unsupported NRRD type '" + type + "'");
  const std::string encoding = toLower(field("encoding"));
  static const std::set<std::string> kEncodings = {"raw",   "gzip", "gz",  "bzip2", "bz2",
                                                   "ascii", "text", "txt", "hex"};
  if (!kEncodings.count(encoding))
    throw Error(subject, "unsupported NRRD encoding '" + encoding + "'");

  if (fields.count("kinds")) {
    const std::vector<std::string> kinds = words(fields["kinds"]);
    if (!kinds.empty() && isComponentKind(toLower(kinds[0])))
      throw Error(subject, "image has " + std::to_string(sizes[0]) +
                               " components per voxel (NRRD kind '" + kinds[0] +
                               "'); a scalar volume is expected");
  }
  requireVolumeDimensions(path, sizes, options);

  // Where the voxels are: after the blank line, or in the file(s) named by "data file".
  fs::path dataFile = path;
  std::uint64_t dataOffset = headerEnd;
  if (fields.count("data file")) {
    const std::string name = fields["data file"];
    if (name.rfind("LIST", 0) == 0 || name.find('%') != std::string::npos)
      return;  // several data files: Teem checks them while reading
    dataFile = fs::path(name).is_absolute() ? fs::path(name) : path.parent_path() / name;
    dataOffset = 0;
    std::error_code ec;
    if (!fs::is_regular_file(dataFile, ec))
      throw Error(subject, "data file '" + name + "' named in the NRRD header does not exist");
  } else if (!blankLineSeen) {
    throw Error(subject,
                "NRRD header has neither a 'data file' field nor the blank line that "
                "separates it from attached voxel data");
  }

  long long byteSkip = 0;
  if (fields.count("byte skip") && !parseCount(fields["byte skip"], byteSkip))
    throw Error(subject, "NRRD 'byte skip' '" + fields["byte skip"] + "' is not an integer");
  long long lineSkip = 0;
  if (fields.count("line skip") && !parseCount(fields["line skip"], lineSkip))
    throw Error(subject, "NRRD 'line skip' '" + fields["line skip"] + "' is not an integer");
  if (byteSkip < 0 || lineSkip != 0) return;  // data located from the end or after text lines

  std::uint64_t needed = typeBytes;
  for (std::uint64_t s : sizes) needed *= s;
  const auto skip = static_cast<std::uint64_t>(byteSkip);
  if (encoding == "raw") {
    const std::uint64_t size = fs::file_size(dataFile);
    const std::uint64_t available = size > dataOffset + skip ? size - dataOffset - skip : 0;
    requireDataSize(path, sizes, type, needed, available,
                    dataFile == path ? "the file after the header" : "the data file");
  } else if (encoding == "gzip" || encoding == "gz") {
    const StreamCount count = countGzipBytes(dataFile, dataOffset);
    if (!count.error.empty())
      throw Error(subject, "gzip-compressed voxel data is truncated or corrupt after " +
                               std::to_string(count.bytes) + " bytes (zlib: " + count.error + ")");
    requireDataSize(path, sizes, type, needed, count.bytes > skip ? count.bytes - skip : 0,
                    "the gzip stream");
  }
}

}  // namespace sfr::io::detail
