// NIfTI-1 single-file (.nii / .nii.gz) pre-flight check: header fields ITK's nifti library
// accepts silently or reports vaguely, and the size and integrity of the voxel data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "file_checks.h"
#include "header_checks.h"
#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kNifti1HeaderBytes = 348;

struct NiftiType {
  int code;
  const char* name;
  unsigned bytes;  // 0: not a scalar type ITK can read into a float volume
};

constexpr NiftiType kNiftiTypes[] = {
    {0, "unknown", 0},       {1, "binary", 0},    {2, "uint8", 1},       {4, "int16", 2},
    {8, "int32", 4},         {16, "float32", 4},  {32, "complex64", 0},  {64, "float64", 8},
    {128, "RGB24", 0},       {256, "int8", 1},    {512, "uint16", 2},    {768, "uint32", 4},
    {1024, "int64", 8},      {1280, "uint64", 8}, {1536, "float128", 0}, {1792, "complex128", 0},
    {2048, "complex256", 0}, {2304, "RGBA32", 0},
};

class HeaderView {
 public:
  HeaderView(const std::string& bytes, bool swap) : bytes_(bytes), swap_(swap) {}
  std::int16_t int16(std::size_t offset) const {
    std::uint16_t v;
    std::memcpy(&v, bytes_.data() + offset, 2);
    return static_cast<std::int16_t>(swap_ ? __builtin_bswap16(v) : v);
  }
  std::int32_t int32(std::size_t offset) const {
    std::uint32_t v;
    std::memcpy(&v, bytes_.data() + offset, 4);
    return static_cast<std::int32_t>(swap_ ? __builtin_bswap32(v) : v);
  }
  float float32(std::size_t offset) const {
    std::uint32_t v;
    std::memcpy(&v, bytes_.data() + offset, 4);
    if (swap_) v = __builtin_bswap32(v);
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }

 private:
  const std::string& bytes_;
  bool swap_;
};

/// Watches a decompressed NIfTI stream for the first NaN or infinite float voxel. The nifti
/// library inside ITK silently replaces such values by 0, so they must be caught here.
class NonFiniteFinder {
 public:
  NonFiniteFinder(std::uint64_t begin, std::uint64_t end, unsigned bytes, bool swap)
      : begin_(begin), end_(end), bytes_(bytes), swap_(swap) {}

  void operator()(const char* data, std::size_t count) {
    const std::uint64_t start = position_;
    position_ += count;
    if (found_ || position_ <= begin_ || start >= end_) return;
    std::uint64_t from = std::max(start, begin_);
    const std::uint64_t to = std::min<std::uint64_t>(position_, end_);
    while (from < to && !found_) {
      const std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(bytes_ - carried_, to - from));
      std::memcpy(element_ + carried_, data + (from - start), take);
      carried_ += static_cast<unsigned>(take);
      from += take;
      if (carried_ == bytes_) {
        inspect();
        carried_ = 0;
        ++index_;
      }
    }
  }

  bool found() const { return found_; }
  bool isNaN() const { return nan_; }
  std::uint64_t index() const { return index_; }

 private:
  void inspect() {
    if (swap_) std::reverse(element_, element_ + bytes_);
    double value;
    if (bytes_ == 4) {
      float f;
      std::memcpy(&f, element_, 4);
      value = f;
    } else {
      std::memcpy(&value, element_, 8);
    }
    if (!std::isfinite(value)) {
      found_ = true;
      nan_ = std::isnan(value);
    }
  }

  std::uint64_t begin_, end_;
  unsigned bytes_;
  bool swap_;
  std::uint64_t position_ = 0;
  char element_[8] = {};
  unsigned carried_ = 0;
  std::uint64_t index_ = 0;
  bool found_ = false;
  bool nan_ = false;
};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string printable(const std::string& bytes) {
  std::string text;
  for (char c : bytes) {
    if (c == '\0') break;
    text += (c >= 32 && c < 127) ? c : '?';
  }
  return text;
}

}  // namespace

void checkNiftiFile(const fs::path& path, const ReadOptions& options) {
  const std::string subject = path.string();
  const bool gzip = hasGzipMagic(readRawPrefix(path, 2));

  std::string zlibError;
  const std::string header = readDecompressedPrefix(path, kNifti1HeaderBytes, &zlibError);
  if (header.size() < 4 && gzip)
    throw Error(subject, "gzip stream is truncated or corrupt before the NIfTI header (zlib: " +
                             (zlibError.empty() ? std::string("no data") : zlibError) + ")");

  std::int32_t sizeofHdr = 0;
  if (header.size() >= 4) std::memcpy(&sizeofHdr, header.data(), 4);
  const bool swap = sizeofHdr != 348 && sizeofHdr != 540 &&
                    (__builtin_bswap32(static_cast<std::uint32_t>(sizeofHdr)) == 348 ||
                     __builtin_bswap32(static_cast<std::uint32_t>(sizeofHdr)) == 540);
  if (swap)
    sizeofHdr = static_cast<std::int32_t>(__builtin_bswap32(static_cast<std::uint32_t>(sizeofHdr)));
  if (header.size() >= 4 && sizeofHdr == 540)
    throw Error(
        subject,
        "is a NIfTI-2 file (sizeof_hdr 540), which ITK 5.2 cannot read; save it as NIfTI-1");
  if (header.size() >= 4 && sizeofHdr != 348)
    throw Error(subject, "not a NIfTI-1 file: sizeof_hdr is " + std::to_string(sizeofHdr) +
                             " (expected 348)");
  if (header.size() < kNifti1HeaderBytes) {
    if (gzip)
      throw Error(subject, "gzip stream is truncated or corrupt inside the NIfTI header (" +
                               std::to_string(header.size()) + " of 348 bytes; zlib: " +
                               (zlibError.empty() ? std::string("unexpected end") : zlibError) +
                               ")");
    throw Error(subject, "file is too short for a NIfTI-1 header (" +
                             std::to_string(header.size()) + " of 348 bytes)");
  }

  const HeaderView h(header, swap);
  const std::string magic = header.substr(344, 4);
  if (magic.compare(0, 4, std::string("ni1\0", 4)) == 0)
    throw Error(subject,
                "is the header of a NIfTI .hdr/.img pair (magic \"ni1\"), not a single-file .nii");
  if (magic.compare(0, 4, std::string("n+1\0", 4)) != 0)
    throw Error(subject, "bad NIfTI magic \"" + printable(magic) + "\" (expected \"n+1\")");

  const int rank = h.int16(40);
  if (rank < 1 || rank > 7)
    throw Error(subject,
                "dim[0] = " + std::to_string(rank) + " is not a valid number of dimensions (1..7)");
  std::vector<std::uint64_t> sizes;
  for (int a = 1; a <= rank; ++a) {
    const int size = h.int16(40 + 2 * a);
    if (size < 1)
      throw Error(subject, "dim[" + std::to_string(a) + "] = " + std::to_string(size) +
                               ": dimension sizes must be positive");
    sizes.push_back(static_cast<std::uint64_t>(size));
  }
  requireVolumeDimensions(path, sizes, options);

  const int datatype = h.int16(70);
  const NiftiType* type = nullptr;
  for (const NiftiType& t : kNiftiTypes)
    if (t.code == datatype) type = &t;
  if (!type)
    throw Error(subject, "unsupported NIfTI datatype " + std::to_string(datatype) +
                             " (not a NIfTI-1 type code)");
  if (type->bytes == 0)
    throw Error(subject, "unsupported NIfTI datatype " + std::to_string(datatype) + " (" +
                             type->name + "); only scalar integer and float voxels can be read");

  for (int a = 1; a <= 3; ++a) {
    const float spacing = h.float32(76 + 4 * a);
    if (!std::isfinite(spacing))
      throw Error(subject,
                  "pixdim[" + std::to_string(a) + "] (voxel spacing) is not a finite number");
    // The nifti library would silently read a zero or negative spacing as 1 mm.
    if (spacing <= 0)
      throw Error(subject, "pixdim[" + std::to_string(a) + "] = " + number(spacing) +
                               ": the voxel spacing must be positive");
  }

  const float voxOffset = h.float32(108);
  if (!std::isfinite(voxOffset) || voxOffset < static_cast<float>(kNifti1HeaderBytes))
    throw Error(subject, "vox_offset " + number(voxOffset) +
                             " is invalid (a single-file NIfTI stores its voxels at 352 or later)");
  const auto offset = static_cast<std::uint64_t>(voxOffset);
  std::uint64_t needed = type->bytes;
  for (std::uint64_t s : sizes) needed *= s;

  // One pass over the (decompressed) file: its length, its integrity, and non-finite floats.
  const bool floating = datatype == 16 || datatype == 64;
  NonFiniteFinder finder(offset, offset + needed, type->bytes, swap);
  const StreamCount count = countGzipBytes(path, 0, [&](const char* data, std::size_t n) {
    if (floating) finder(data, n);
  });
  if (!count.error.empty())
    throw Error(subject, std::string(gzip ? "gzip stream" : "file") +
                             " is truncated or corrupt after " + std::to_string(count.bytes) +
                             " decompressed bytes (zlib: " + count.error + ")");
  const std::uint64_t total = count.bytes;
  if (offset > total)
    throw Error(subject, "vox_offset " + std::to_string(offset) +
                             " lies beyond the end of the data (" + std::to_string(total) +
                             " bytes" + (gzip ? " after decompression)" : ")"));
  requireDataSize(path, sizes, type->name, needed, total - offset,
                  gzip ? "the decompressed file after vox_offset" : "the file after vox_offset");
  if (finder.found()) {
    const std::uint64_t n = finder.index();
    const std::uint64_t i = n % sizes[0], j = (n / sizes[0]) % sizes[1],
                        k = n / (sizes[0] * sizes[1]);
    throw Error(subject, std::string("image contains ") + (finder.isNaN() ? "NaN" : "infinite") +
                             " values (first at voxel (" + std::to_string(i) + ", " +
                             std::to_string(j) + ", " + std::to_string(k) + "))");
  }
}

}  // namespace sfr::io::detail
