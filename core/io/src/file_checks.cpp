#include "file_checks.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {
constexpr std::size_t kChunk = 1 << 18;

std::string zlibReason(gzFile file) {
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  if (code == Z_OK || code == Z_STREAM_END) return {};
  if (code == Z_ERRNO) return std::strerror(errno);
  std::string text = message && *message ? message : "zlib error " + std::to_string(code);
  // gzdopen names the stream "<fd:N>", which gzerror puts in front of the reason.
  if (text.rfind("<fd:", 0) == 0 && text.find(">: ") != std::string::npos)
    text = text.substr(text.find(">: ") + 3);
  return text;
}

/// Opens `path` as a gz stream positioned at `offset` (nullptr when it cannot be opened).
gzFile openGzipAt(const fs::path& path, std::uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    ::close(fd);
    return nullptr;
  }
  gzFile file = gzdopen(fd, "rb");  // takes ownership of fd on success
  if (!file) ::close(fd);
  return file;
}
}  // namespace

void requireReadableFile(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(path.string(), "file does not exist");
  if (fs::is_directory(status))
    throw Error(path.string(), "is a folder, but a file is expected here");
  if (!fs::is_regular_file(status))
    throw Error(path.string(), "is not a regular file (device, socket or pipe)");
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error(path.string(), "cannot determine the file size (" + ec.message() + ")");
  if (size == 0) throw Error(path.string(), "file is empty (0 bytes)");
  std::ifstream probe(path, std::ios::binary);
  if (!probe)
    throw Error(path.string(), std::string("cannot be opened (") + std::strerror(errno) + ")");
}

std::string readRawPrefix(const fs::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

bool hasGzipMagic(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

StreamCount countGzipBytes(const fs::path& path, std::uint64_t offset, const ChunkSink& sink) {
  StreamCount count;
  gzFile file = openGzipAt(path, offset);
  if (!file) {
    count.error = std::strerror(errno);
    return count;
  }
  std::vector<char> buffer(kChunk);
  for (;;) {
    const int got = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (got > 0) {
      count.bytes += static_cast<std::uint64_t>(got);
      if (sink) sink(buffer.data(), static_cast<std::size_t>(got));
    }
    if (got < 0) {
      count.error = zlibReason(file);
      if (count.error.empty()) count.error = "read error";
      break;
    }
    if (got == 0) {
      count.error = zlibReason(file);
      break;
    }
  }
  gzclose(file);
  return count;
}

StreamCount countZlibBytes(const fs::path& path, std::uint64_t offset) {
  StreamCount count;
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in) {
    count.error = "cannot seek to the compressed data";
    return count;
  }
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    count.error = "zlib initialisation failed";
    return count;
  }
  std::vector<unsigned char> input(kChunk), output(kChunk);
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    in.read(reinterpret_cast<char*>(input.data()), static_cast<std::streamsize>(input.size()));
    const auto got = in.gcount();
    if (got <= 0) {
      count.error = "unexpected end of file (the compressed stream is truncated)";
      break;
    }
    stream.next_in = input.data();
    stream.avail_in = static_cast<uInt>(got);
    while (stream.avail_in > 0 && status != Z_STREAM_END) {
      stream.next_out = output.data();
      stream.avail_out = static_cast<uInt>(output.size());
      status = inflate(&stream, Z_NO_FLUSH);
      count.bytes += output.size() - stream.avail_out;
      if (status != Z_OK && status != Z_STREAM_END) {
        count.error = stream.msg ? stream.msg : "zlib error " + std::to_string(status);
        break;
      }
    }
    if (!count.error.empty()) break;
  }
  inflateEnd(&stream);
  return count;
}

std::string readDecompressedPrefix(const fs::path& path, std::size_t count, std::string* error) {
  std::string bytes(count, '\0');
  gzFile file = openGzipAt(path, 0);
  if (!file) {
    if (error) *error = std::strerror(errno);
    return {};
  }
  std::size_t have = 0;
  while (have < count) {
    const int got = gzread(file, bytes.data() + have, static_cast<unsigned>(count - have));
    if (got <= 0) {
      if (error) *error = zlibReason(file);
      break;
    }
    have += static_cast<std::size_t>(got);
  }
  gzclose(file);
  bytes.resize(have);
  return bytes;
}

std::string toLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace sfr::io::detail
