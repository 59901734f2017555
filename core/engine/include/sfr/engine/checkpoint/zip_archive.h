#pragma once
// The ZIP container of torch.save files (torch >= 1.6): one top-level folder holding data.pkl,
// data/<key> storages and version. Reading follows the central directory (torch writes sizes
// only there, with data descriptors after each record), accepts stored and deflated entries
// and ZIP64, and checks every CRC, so a damaged file fails with one sfr::Error instead of
// producing wrong weights. Writing produces what torch produces: stored entries whose data
// starts on a 64-byte boundary.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sfr::engine {

/// One file inside a ZIP archive, as the central directory describes it.
struct ZipEntry {
  std::string name;          ///< full name, including the top-level folder
  std::uint16_t method = 0;  ///< 0 = stored, 8 = deflated
  std::uint32_t crc32 = 0;   ///< CRC-32 of the uncompressed bytes
  std::uint64_t compressedSize = 0;
  std::uint64_t size = 0;  ///< uncompressed size
  std::uint64_t localHeaderOffset = 0;
};

/// Random-access reader of a ZIP file. Every failure throws sfr::Error(path, problem).
class ZipReader {
 public:
  /// Opens the file and parses its central directory (no entry data is read yet).
  explicit ZipReader(const std::filesystem::path& path);

  const std::string& subject() const { return subject_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }

  /// The single top-level folder every entry lives in (torch 1.x: the file stem; newer:
  /// "archive"). Throws when the entries do not share one.
  std::string commonPrefix() const;

  /// The entry with this exact name, or nullptr.
  const ZipEntry* find(const std::string& name) const;
  /// Like find(), but a missing entry is an error naming it.
  const ZipEntry& at(const std::string& name) const;

  /// The uncompressed bytes of an entry (CRC checked).
  std::string read(const ZipEntry& entry);
  /// Reads an entry straight into caller memory; `size` must equal entry.size (CRC checked).
  void readInto(const ZipEntry& entry, void* destination, std::uint64_t size);

 private:
  std::uint64_t dataOffset(const ZipEntry& entry);
  void readAt(std::uint64_t offset, void* destination, std::uint64_t size, const char* what);
  [[noreturn]] void fail(const std::string& problem) const;

  std::string subject_;
  std::ifstream file_;
  std::uint64_t fileSize_ = 0;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
};

/// Streams a ZIP archive of stored (uncompressed) entries to a byte sink, the way torch.save
/// lays them out (data aligned to 64 bytes). Archives above 4 GiB are refused (no ZIP64 writer).
class ZipWriter {
 public:
  using Sink = std::function<void(const void* data, std::size_t size)>;

  /// `subject` names the destination in error messages.
  ZipWriter(Sink sink, std::string subject);

  /// Appends one entry. Names must be unique.
  void add(const std::string& name, const void* data, std::size_t size);
  void add(const std::string& name, const std::string& bytes) {
    add(name, bytes.data(), bytes.size());
  }
  /// Writes the central directory; no add() afterwards.
  void finish();

  /// Bytes written so far.
  std::uint64_t offset() const { return offset_; }

 private:
  void emit(const void* data, std::size_t size);
  [[noreturn]] void fail(const std::string& problem) const;

  Sink sink_;
  std::string subject_;
  std::uint64_t offset_ = 0;
  bool finished_ = false;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> names_;
};

/// CRC-32 (ZIP/zlib polynomial) of a byte range.
std::uint32_t crc32Of(const void* data, std::size_t size);

}  // namespace sfr::engine
