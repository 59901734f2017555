// ZIP writing in torch.save's layout: stored entries, sizes and CRC in the local header (no data
// descriptors), each entry's data padded to a 64-byte boundary with an extra field ("FB", as
// torch's writer does) so storages can be memory-mapped, then the central directory.
#include <cstring>
#include <limits>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/zip_archive.h"

namespace sfr::engine {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::uint16_t kPaddingFieldId = 0x4246;            // "FB"
constexpr std::uint16_t kVersion = 20;                       // 2.0: stored entries, no ZIP64
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: reproducible bytes
constexpr std::uint64_t kMax32 = 0xFFFFFFFFu;

void put16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& out, std::uint64_t v) {
  put16(out, static_cast<std::uint32_t>(v & 0xFFFF));
  put16(out, static_cast<std::uint32_t>((v >> 16) & 0xFFFF));
}

}  // namespace

ZipWriter::ZipWriter(Sink sink, std::string subject)
    : sink_(std::move(sink)), subject_(std::move(subject)) {}

void ZipWriter::add(const std::string& name, const void* data, std::size_t size) {
  if (finished_) fail("ZIP archive already finished");
  if (name.empty() || name.size() > 0xFFFF) fail("invalid ZIP entry name '" + name + "'");
  if (!names_.emplace(name, entries_.size()).second) fail("duplicate ZIP entry '" + name + "'");
  if (size > kMax32 || offset_ > kMax32)
    fail("archive larger than 4 GiB (ZIP64 writing is not supported)");

  ZipEntry entry;
  entry.name = name;
  entry.method = 0;
  entry.size = entry.compressedSize = size;
  entry.crc32 = crc32Of(data, size);
  entry.localHeaderOffset = offset_;

  // Pad with an extra field (4-byte header + padding) so the data starts on a 64-byte boundary.
  const std::uint64_t unpadded = offset_ + 30 + name.size() + 4;
  const std::size_t padding =
      static_cast<std::size_t>((kAlignment - unpadded % kAlignment) % kAlignment);

  std::string header;
  header.reserve(30 + name.size() + 4 + padding);
  put32(header, 0x04034b50);
  put16(header, kVersion);
  put16(header, 0x0800);  // flags: UTF-8 names
  put16(header, 0);       // stored
  put16(header, 0);       // time
  put16(header, kDosDate);
  put32(header, entry.crc32);
  put32(header, size);
  put32(header, size);
  put16(header, static_cast<std::uint32_t>(name.size()));
  put16(header, static_cast<std::uint32_t>(4 + padding));
  header += name;
  put16(header, kPaddingFieldId);
  put16(header, static_cast<std::uint32_t>(padding));
  header.append(padding, 'Z');
  emit(header.data(), header.size());
  emit(data, size);
  entries_.push_back(std::move(entry));
}

void ZipWriter::finish() {
  if (finished_) fail("ZIP archive already finished");
  if (entries_.size() > 0xFFFF)
    fail("more than 65535 ZIP entries (ZIP64 writing is not supported)");
  const std::uint64_t directoryOffset = offset_;
  std::string directory;
  for (const ZipEntry& entry : entries_) {
    put32(directory, 0x02014b50);
    put16(directory, kVersion);  // made by (MS-DOS attributes, version 2.0)
    put16(directory, kVersion);  // needed
    put16(directory, 0x0800);
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, kDosDate);
    put32(directory, entry.crc32);
    put32(directory, entry.compressedSize);
    put32(directory, entry.size);
    put16(directory, static_cast<std::uint32_t>(entry.name.size()));
    put16(directory, 0);  // extra
    put16(directory, 0);  // comment
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, entry.localHeaderOffset);
    directory += entry.name;
  }
  if (directoryOffset > kMax32 || directory.size() > kMax32)
    fail("archive larger than 4 GiB (ZIP64 writing is not supported)");
  std::string end;
  put32(end, 0x06054b50);
  put16(end, 0);  // this disk
  put16(end, 0);  // disk with the directory
  put16(end, static_cast<std::uint32_t>(entries_.size()));
  put16(end, static_cast<std::uint32_t>(entries_.size()));
  put32(end, directory.size());
  put32(end, directoryOffset);
  put16(end, 0);  // comment
  directory += end;
  emit(directory.data(), directory.size());
  finished_ = true;
}

void ZipWriter::emit(const void* data, std::size_t size) {
  if (size == 0) return;
  sink_(data, size);
  offset_ += size;
}

void ZipWriter::fail(const std::string& problem) const {
  throw sfr::Error(subject_, problem);
}

}  // namespace sfr::engine
