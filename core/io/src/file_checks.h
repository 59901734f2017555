#pragma once
// Small file-system and byte-stream checks shared by the format checks. They exist so that a bad
// file is rejected with a precise message before a third-party reader sees it (ITK's readers
// report truncation as a generic "cannot read" or, worse, read garbage).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace sfr::io::detail {

/// Throws sfr::Error unless `path` exists, is a regular file, is not empty and can be opened.
void requireReadableFile(const std::filesystem::path& path);

/// Up to `count` bytes from the start of the file, as stored (no decompression).
std::string readRawPrefix(const std::filesystem::path& path, std::size_t count);

/// True when the bytes start with the gzip magic 1f 8b.
bool hasGzipMagic(const std::string& bytes);

/// Outcome of reading a (possibly compressed) byte stream to its end.
struct StreamCount {
  std::uint64_t bytes = 0;  ///< bytes delivered before the end or the error
  std::string error;        ///< empty when the stream ended cleanly, else zlib's reason
};

/// Receives consecutive pieces of a decompressed stream.
using ChunkSink = std::function<void(const char* bytes, std::size_t count)>;

/// Decompresses a gzip stream starting at byte `offset` of the file to its end (plain data is
/// passed through as zlib does), counting the bytes and catching truncation or CRC errors.
/// `sink`, when given, sees every decompressed byte in order.
StreamCount countGzipBytes(const std::filesystem::path& path, std::uint64_t offset,
                           const ChunkSink& sink = {});

/// Same for a zlib (RFC 1950) stream, as MetaImage's CompressedData uses.
StreamCount countZlibBytes(const std::filesystem::path& path, std::uint64_t offset);

/// Up to `count` bytes of the decompressed content (plain files as they are). `error` receives
/// zlib's message when the stream breaks before `count` bytes.
std::string readDecompressedPrefix(const std::filesystem::path& path, std::size_t count,
                                   std::string* error);

/// Lower-case copy (ASCII).
std::string toLower(std::string text);

/// Text with leading and trailing white space removed.
std::string trim(const std::string& text);

}  // namespace sfr::io::detail
