// ZIP reading for torch.save archives: central directory (with ZIP64), local headers, stored or
// deflated data, CRC check. All offsets and sizes come from the file and are validated against
// its size before anything is allocated or read.
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/zip_archive.h"

namespace sfr::engine {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndOfCentralDirectorySignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::size_t kEndRecordSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndMinSize = 56;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxCommentSize = 0xFFFF;

std::uint16_t u16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t u64(const unsigned char* p) {
  return static_cast<std::uint64_t>(u32(p)) | (static_cast<std::uint64_t>(u32(p + 4)) << 32);
}

}  // namespace

std::uint32_t crc32Of(const void* data, std::size_t size) {
  // zlib takes uInt lengths, so feed it in chunks.
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const auto* bytes = static_cast<const Bytef*>(data);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = ::crc32(crc, bytes, chunk);
    bytes += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

ZipReader::ZipReader(const std::filesystem::path& path) : subject_(path.string()) {
  file_.open(path, std::ios::binary);
  if (!file_) fail("cannot open the file");
  file_.seekg(0, std::ios::end);
  const auto end = file_.tellg();
  if (end < 0) fail("cannot determine the file size");
  fileSize_ = static_cast<std::uint64_t>(end);
  if (fileSize_ < kEndRecordSize)
    fail("truncated ZIP archive (no end-of-central-directory record)");

  // The end record sits in the last 22 + comment bytes; scan backwards for its signature.
  const std::uint64_t tailSize =
      std::min<std::uint64_t>(fileSize_, kEndRecordSize + kMaxCommentSize);
  std::vector<unsigned char> tail(tailSize);
  readAt(fileSize_ - tailSize, tail.data(), tailSize, "end of central directory");
  std::int64_t endPos = -1;
  for (std::int64_t i = static_cast<std::int64_t>(tailSize - kEndRecordSize); i >= 0; --i) {
    if (u32(&tail[i]) == kEndOfCentralDirectorySignature) {
      const std::uint64_t commentSize = u16(&tail[i + 20]);
      if (i + kEndRecordSize + commentSize <= tailSize) {
        endPos = i;
        break;
      }
    }
  }
  if (endPos < 0) fail("not a ZIP archive or truncated (no end-of-central-directory record)");
  const unsigned char* end32 = &tail[endPos];
  const std::uint64_t endOffset = fileSize_ - tailSize + static_cast<std::uint64_t>(endPos);
  if (u16(end32 + 4) != 0 || u16(end32 + 6) != 0) fail("multi-disk ZIP archives are not supported");
  std::uint64_t entryCount = u16(end32 + 10);
  std::uint64_t directorySize = u32(end32 + 12);
  std::uint64_t directoryOffset = u32(end32 + 16);

  // ZIP64: a locator right before the end record points at the 64-bit end record. torch writes
  // one even for small files; its values win.
  if (endOffset >= kZip64LocatorSize) {
    unsigned char locator[kZip64LocatorSize];
    readAt(endOffset - kZip64LocatorSize, locator, kZip64LocatorSize, "ZIP64 locator");
    if (u32(locator) == kZip64LocatorSignature) {
      const std::uint64_t zip64EndOffset = u64(locator + 8);
      if (zip64EndOffset > endOffset - kZip64LocatorSize ||
          endOffset - kZip64LocatorSize - zip64EndOffset < kZip64EndMinSize)
        fail("corrupt ZIP64 locator");
      unsigned char record[kZip64EndMinSize];
      readAt(zip64EndOffset, record, kZip64EndMinSize, "ZIP64 end record");
      if (u32(record) != kZip64EndSignature) fail("corrupt ZIP64 end-of-central-directory record");
      entryCount = u64(record + 32);
      directorySize = u64(record + 40);
      directoryOffset = u64(record + 48);
    }
  }
  if (directoryOffset > endOffset || directorySize > endOffset - directoryOffset)
    fail("corrupt or truncated ZIP archive (central directory out of range)");
  // Each central header has at least 46 bytes; this bounds the entry count before reserving.
  if (entryCount > directorySize / kCentralHeaderSize)
    fail("corrupt ZIP central directory (entry count does not fit)");

  std::vector<unsigned char> directory(directorySize);
  readAt(directoryOffset, directory.data(), directorySize, "central directory");
  entries_.reserve(entryCount);
  std::size_t pos = 0;
  for (std::uint64_t n = 0; n < entryCount; ++n) {
    if (directorySize - pos < kCentralHeaderSize || u32(&directory[pos]) != kCentralHeaderSignature)
      fail("corrupt ZIP central directory (entry " + std::to_string(n) + ")");
    const unsigned char* h = &directory[pos];
    const std::uint16_t flags = u16(h + 8);
    ZipEntry entry;
    entry.method = u16(h + 10);
    entry.crc32 = u32(h + 16);
    entry.compressedSize = u32(h + 20);
    entry.size = u32(h + 24);
    const std::size_t nameSize = u16(h + 28);
    const std::size_t extraSize = u16(h + 30);
    const std::size_t commentSize = u16(h + 32);
    entry.localHeaderOffset = u32(h + 42);
    if (directorySize - pos - kCentralHeaderSize < nameSize + extraSize + commentSize)
      fail("corrupt ZIP central directory (entry " + std::to_string(n) + " overruns it)");
    entry.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), nameSize);

    // ZIP64 extended information: only the saturated fields are present, in this order.
    const unsigned char* extra = h + kCentralHeaderSize + nameSize;
    for (std::size_t e = 0; e + 4 <= extraSize;) {
      const std::uint16_t id = u16(extra + e);
      const std::size_t len = u16(extra + e + 2);
      if (e + 4 + len > extraSize) fail("corrupt ZIP extra field in entry '" + entry.name + "'");
      if (id == 0x0001) {
        const unsigned char* f = extra + e + 4;
        std::size_t left = len;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xFFFFFFFFu) return;
          if (left < 8) fail("corrupt ZIP64 field in entry '" + entry.name + "'");
          field = u64(f);
          f += 8;
          left -= 8;
        };
        take(entry.size);
        take(entry.compressedSize);
        take(entry.localHeaderOffset);
      }
      e += 4 + len;
    }
    if (flags & 0x1) fail("entry '" + entry.name + "' is encrypted");
    if (entry.method != 0 && entry.method != 8)
      fail("entry '" + entry.name + "' uses unsupported compression method " +
           std::to_string(entry.method));
    if (entry.method == 0 && entry.compressedSize != entry.size)
      fail("corrupt ZIP entry '" + entry.name + "' (stored sizes differ)");
    if (entry.localHeaderOffset > directoryOffset ||
        entry.compressedSize > directoryOffset - entry.localHeaderOffset)
      fail("corrupt or truncated ZIP entry '" + entry.name + "' (data out of range)");
    if (!index_.emplace(entry.name, entries_.size()).second)
      fail("duplicate ZIP entry '" + entry.name + "'");
    entries_.push_back(std::move(entry));
    pos += kCentralHeaderSize + nameSize + extraSize + commentSize;
  }
}

std::string ZipReader::commonPrefix() const {
  if (entries_.empty()) fail("empty ZIP archive");
  const std::string& first = entries_.front().name;
  const auto slash = first.find('/');
  if (slash == std::string::npos || slash == 0)
    fail("ZIP entries are not inside one top-level folder ('" + first + "')");
  const std::string prefix = first.substr(0, slash + 1);
  for (const ZipEntry& entry : entries_) {
    if (entry.name.compare(0, prefix.size(), prefix) != 0)
      fail("ZIP entries are not inside one top-level folder ('" + prefix + "' vs '" + entry.name +
           "')");
  }
  return prefix.substr(0, slash);
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const ZipEntry& ZipReader::at(const std::string& name) const {
  const ZipEntry* entry = find(name);
  if (!entry) fail("missing ZIP entry '" + name + "'");
  return *entry;
}

std::uint64_t ZipReader::dataOffset(const ZipEntry& entry) {
  unsigned char header[kLocalHeaderSize];
  readAt(entry.localHeaderOffset, header, kLocalHeaderSize, "local header");
  if (u32(header) != kLocalHeaderSignature)
    fail("corrupt ZIP local header for entry '" + entry.name + "'");
  const std::uint64_t offset =
      entry.localHeaderOffset + kLocalHeaderSize + u16(header + 26) + u16(header + 28);
  if (offset > fileSize_ || entry.compressedSize > fileSize_ - offset)
    fail("truncated ZIP entry '" + entry.name + "'");
  return offset;
}

std::string ZipReader::read(const ZipEntry& entry) {
  // Sizes were bounded by the file size for stored entries; a deflated entry is inflated into
  // a buffer whose size is declared, so cap it to keep corrupt headers from exhausting memory.
  if (entry.method == 8 &&
      entry.size > std::max<std::uint64_t>(1u << 20, entry.compressedSize * 1032))
    fail("corrupt ZIP entry '" + entry.name + "' (implausible uncompressed size)");
  std::string bytes(entry.size, '\0');
  readInto(entry, bytes.data(), entry.size);
  return bytes;
}

void ZipReader::readInto(const ZipEntry& entry, void* destination, std::uint64_t size) {
  if (size != entry.size)
    fail("entry '" + entry.name + "' holds " + std::to_string(entry.size) + " bytes, expected " +
         std::to_string(size));
  const std::uint64_t offset = dataOffset(entry);
  if (entry.method == 0) {
    readAt(offset, destination, size, entry.name.c_str());
  } else {
    std::vector<unsigned char> packed(entry.compressedSize);
    readAt(offset, packed.data(), packed.size(), entry.name.c_str());
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) fail("zlib initialisation failed");
    // zlib rejects a null output pointer even when no output is expected (empty storages).
    Bytef unused = 0;
    auto* out = size == 0 ? &unused : static_cast<Bytef*>(destination);
    std::uint64_t inLeft = packed.size();
    std::uint64_t outLeft = size;
    stream.next_in = packed.data();
    int status = Z_OK;
    while (status == Z_OK) {
      const auto inChunk = static_cast<uInt>(std::min<std::uint64_t>(inLeft, 1u << 30));
      const auto outChunk = static_cast<uInt>(std::min<std::uint64_t>(outLeft, 1u << 30));
      stream.avail_in = inChunk;
      stream.next_out = out + (size - outLeft);
      stream.avail_out = outChunk;
      status = inflate(&stream, Z_NO_FLUSH);
      inLeft -= inChunk - stream.avail_in;
      outLeft -= outChunk - stream.avail_out;
      if (status == Z_BUF_ERROR ||
          (status == Z_OK && inChunk == stream.avail_in && outChunk == stream.avail_out))
        break;  // no progress possible: truncated input or more output than declared
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END || outLeft != 0)
      fail("corrupt deflated ZIP entry '" + entry.name + "'");
  }
  if (crc32Of(destination, size) != entry.crc32)
    fail("CRC mismatch in ZIP entry '" + entry.name + "' (the file is damaged)");
}

void ZipReader::readAt(std::uint64_t offset, void* destination, std::uint64_t size,
                       const char* what) {
  if (offset > fileSize_ || size > fileSize_ - offset)
    fail(std::string("truncated ZIP archive (reading ") + what + ")");
  if (size == 0) return;
  file_.clear();
  file_.seekg(static_cast<std::streamoff>(offset));
  auto* out = static_cast<char*>(destination);
  while (size > 0) {
    const auto chunk = static_cast<std::streamsize>(
        std::min<std::uint64_t>(size, std::numeric_limits<std::streamsize>::max()));
    file_.read(out, chunk);
    if (file_.gcount() != chunk) fail(std::string("read error (") + what + ")");
    out += chunk;
    size -= static_cast<std::uint64_t>(chunk);
  }
}

void ZipReader::fail(const std::string& problem) const {
  throw sfr::Error(subject_, problem);
}

}  // namespace sfr::engine
