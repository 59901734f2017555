// ZIP container and atomic writes of the checkpoint code. Python's zipfile is the independent
// judge of what we write, and the producer of archives we must read (deflate, ZIP64).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/checkpoint/zip_archive.h"
#include "test_checkpoint_python.h"

namespace sfr::engine {
namespace {

using sfr::test::readFileBytes;
using sfr::test::runPython;
using sfr::test::TempDir;
using sfr::test::writeFileBytes;

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

void writeZip(const std::filesystem::path& path,
              const std::vector<std::pair<std::string, std::string>>& entries) {
  AtomicFileWriter file(path);
  ZipWriter zip([&file](const void* d, std::size_t n) { file.write(d, n); }, path.string());
  for (const auto& [name, bytes] : entries) zip.add(name, bytes);
  zip.finish();
  file.commit();
}

template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const sfr::Error& e) {
    return e.what();
  }
  return "(no sfr::Error)";
}

TEST(CheckpointZip, Crc32MatchesTheStandardCheckValue) {
  // The published CRC-32 check value of "123456789".
  EXPECT_EQ(crc32Of("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32Of("", 0), 0u);
}

TEST(CheckpointZip, WriterOutputIsReadBackAndAcceptedByPythonZipfile) {
  TempDir dir;
  const auto path = dir / "x.zip";
  const std::vector<std::pair<std::string, std::string>> entries{
      {"stem/data.pkl", randomBytes(777, 1)},
      {"stem/data/0", randomBytes(4096, 2)},
      {"stem/data/1", std::string()},
      {"stem/version", "3\n"}};
  writeZip(path, entries);

  ZipReader reader(path);
  ASSERT_EQ(reader.entries().size(), entries.size());
  EXPECT_EQ(reader.commonPrefix(), "stem");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(reader.entries()[i].name, entries[i].first);
    EXPECT_EQ(reader.read(reader.at(entries[i].first)), entries[i].second) << entries[i].first;
  }
  EXPECT_EQ(reader.find("stem/nope"), nullptr);

  if (::access("/usr/bin/python3", X_OK) != 0)
    GTEST_SKIP() << "/usr/bin/python3 missing: zipfile check skipped";
  // zipfile checks every CRC (testzip) and reports where each entry's data starts.
  const std::string out = runPython(R"(
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist():
    z.fp.seek(i.header_offset + 26)
    n, e = int.from_bytes(z.fp.read(2), 'little'), int.from_bytes(z.fp.read(2), 'little')
    print(i.filename, i.file_size, (i.header_offset + 30 + n + e) % 64, z.read(i).hex()[:16])
)",
                                    {path.string()});
  std::string expected;
  for (const auto& [name, bytes] : entries) {
    std::string hex;
    for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(bytes[i]));
      hex += b;
    }
    expected += name + " " + std::to_string(bytes.size()) + " 0 " + hex + "\n";
  }
  EXPECT_EQ(out, expected);
}

TEST(CheckpointZip, ReadsDeflatedAndZip64ArchivesWrittenByPython) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "/usr/bin/python3 missing";
  TempDir dir;
  // 70,000 entries force the ZIP64 end record; one entry has a ZIP64 local header; others are
  // deflated. The script prints name, size and CRC for us to compare with.
  const std::string listing = runPython(R"(
import sys, zipfile, zlib
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('top/deflated', b'abc' * 5000, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('top/empty_deflated', b'', compress_type=zipfile.ZIP_DEFLATED)
    with z.open('top/forced64', 'w', force_zip64=True) as f:
        f.write(bytes(range(256)) * 3)
    for i in range(70000):
        z.writestr('top/n/%d' % i, str(i))
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist()[:3] + z.infolist()[-2:]:
    print(i.filename, i.file_size, i.compress_type, '%08x' % zlib.crc32(z.read(i)))
print(len(z.infolist()))
)",
                                        {(dir / "big.zip").string()});
  ZipReader reader(dir / "big.zip");
  EXPECT_EQ(reader.commonPrefix(), "top");
  std::string mine;
  std::vector<const ZipEntry*> picked;
  const auto& all = reader.entries();
  for (std::size_t i :
       {std::size_t{0}, std::size_t{1}, std::size_t{2}, all.size() - 2, all.size() - 1})
    picked.push_back(&all.at(i));
  for (const ZipEntry* e : picked) {
    const std::string bytes = reader.read(*e);
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", crc32Of(bytes.data(), bytes.size()));
    mine += e->name + " " + std::to_string(bytes.size()) + " " + std::to_string(e->method) + " " +
            crc + "\n";
  }
  mine += std::to_string(all.size()) + "\n";
  EXPECT_EQ(mine, listing);
  std::string abc;
  for (int i = 0; i < 5000; ++i) abc += "abc";
  EXPECT_EQ(reader.read(reader.at("top/deflated")), abc);
  EXPECT_EQ(reader.read(reader.at("top/n/69999")), "69999");
}

// A central directory whose sizes and offset live in the ZIP64 extra field (what writers do
// above 4 GiB), built byte by byte; Python's zipfile confirms the archive is well-formed.
TEST(CheckpointZip, ReadsZip64ExtraFieldsOfTheCentralDirectory) {
  auto le = [](std::string& s, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  const std::string name = "p/a";
  const std::string data = "hello zip64";
  const std::uint32_t crc = crc32Of(data.data(), data.size());
  std::string zip;
  le(zip, 0x04034b50, 4);
  le(zip, 45, 2);
  le(zip, 0, 2);
  le(zip, 0, 2);
  le(zip, 0, 4);
  le(zip, crc, 4);
  le(zip, data.size(), 4);
  le(zip, data.size(), 4);
  le(zip, name.size(), 2);
  le(zip, 0, 2);
  zip += name + data;
  const std::uint64_t directoryOffset = zip.size();
  std::string central;
  le(central, 0x02014b50, 4);
  le(central, 45, 2);
  le(central, 45, 2);
  le(central, 0, 2);
  le(central, 0, 2);
  le(central, 0, 4);
  le(central, crc, 4);
  le(central, 0xFFFFFFFF, 4);
  le(central, 0xFFFFFFFF, 4);
  le(central, name.size(), 2);
  le(central, 28, 2);
  le(central, 0, 2);
  le(central, 0, 2);
  le(central, 0, 2);
  le(central, 0, 4);
  le(central, 0xFFFFFFFF, 4);
  central += name;
  le(central, 0x0001, 2);
  le(central, 24, 2);
  le(central, data.size(), 8);
  le(central, data.size(), 8);
  le(central, 0, 8);
  zip += central;
  le(zip, 0x06054b50, 4);
  le(zip, 0, 4);
  le(zip, 1, 2);
  le(zip, 1, 2);
  le(zip, central.size(), 4);
  le(zip, directoryOffset, 4);
  le(zip, 0, 2);

  TempDir dir;
  writeFileBytes(dir / "z64.zip", zip);
  ZipReader reader(dir / "z64.zip");
  ASSERT_EQ(reader.entries().size(), 1u);
  EXPECT_EQ(reader.entries()[0].size, data.size());
  EXPECT_EQ(reader.read(reader.entries()[0]), data);
  if (::access("/usr/bin/python3", X_OK) == 0) {
    EXPECT_EQ(
        runPython("import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('p/a').decode())",
                  {(dir / "z64.zip").string()}),
        data + "\n");
  }
}

TEST(CheckpointZip, DamagedArchivesThrowOneErrorNamingTheFile) {
  TempDir dir;
  const auto good = dir / "good.zip";
  writeZip(good, {{"s/a", randomBytes(300, 3)}, {"s/b", randomBytes(200, 4)}});
  const std::string bytes = readFileBytes(good);

  // Truncation anywhere: construction or reading fails with sfr::Error naming the path.
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, std::size_t{100}, bytes.size() / 2,
                          bytes.size() - 30, bytes.size() - 1}) {
    const auto path = dir / ("cut" + std::to_string(cut) + ".zip");
    writeFileBytes(path, bytes.substr(0, cut));
    const std::string message = errorOf([&] {
      ZipReader reader(path);
      for (const ZipEntry& e : reader.entries()) reader.read(e);
    });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  }

  // A flipped data byte is caught by the CRC.
  std::string flipped = bytes;
  flipped[64 + 10] = static_cast<char>(flipped[64 + 10] ^ 0x40);
  writeFileBytes(dir / "flipped.zip", flipped);
  ZipReader damaged(dir / "flipped.zip");
  EXPECT_NE(errorOf([&] { damaged.read(damaged.at("s/a")); }).find("CRC mismatch"),
            std::string::npos);

  writeFileBytes(dir / "text.zip", "this is not a zip archive at all, just text");
  EXPECT_NE(errorOf([&] { ZipReader r(dir / "text.zip"); }).find("not a ZIP archive"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { ZipReader r(dir / "missing.zip"); }).find("cannot open"),
            std::string::npos);

  ZipReader reader(good);
  EXPECT_NE(errorOf([&] { reader.at("s/zzz"); }).find("missing ZIP entry 's/zzz'"),
            std::string::npos);
  std::vector<char> small(10);
  EXPECT_NE(errorOf([&] {
              reader.readInto(reader.at("s/a"), small.data(), small.size());
            }).find("expected 10"),
            std::string::npos);

  writeZip(dir / "two.zip", {{"a/x", "1"}, {"b/y", "2"}});
  EXPECT_NE(
      errorOf([&] { ZipReader(dir / "two.zip").commonPrefix(); }).find("one top-level folder"),
      std::string::npos);
}

TEST(CheckpointZip, WriterRejectsMisuse) {
  std::string sink;
  ZipWriter zip(
      [&sink](const void* d, std::size_t n) { sink.append(static_cast<const char*>(d), n); },
      "mem");
  zip.add("a/x", std::string("1"));
  EXPECT_THROW(zip.add("a/x", std::string("2")), sfr::Error);
  EXPECT_THROW(zip.add("", std::string("2")), sfr::Error);
  zip.finish();
  EXPECT_EQ(zip.offset(), sink.size());
  EXPECT_THROW(zip.add("a/y", std::string("3")), sfr::Error);
  EXPECT_THROW(zip.finish(), sfr::Error);
}

TEST(CheckpointZip, AtomicWriterReplacesOnlyOnCommit) {
  TempDir dir;
  const auto path = dir / "file.bin";
  writeFileBytes(path, "old");
  {
    AtomicFileWriter writer(path);
    writer.write("new contents", 12);
    EXPECT_EQ(writer.bytesWritten(), 12u);
    EXPECT_TRUE(std::filesystem::exists(writer.temporaryPath()));
    EXPECT_EQ(writer.temporaryPath().parent_path(), path.parent_path());
    EXPECT_EQ(readFileBytes(path), "old");  // not visible before commit
    // abandoned: destructor removes the temporary file
  }
  EXPECT_EQ(readFileBytes(path), "old");
  {
    AtomicFileWriter writer(path);
    writer.write("new contents", 12);
    writer.commit();
    EXPECT_THROW(writer.write("x", 1), sfr::Error);
    EXPECT_THROW(writer.commit(), sfr::Error);
  }
  EXPECT_EQ(readFileBytes(path), "new contents");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";
  EXPECT_THROW(AtomicFileWriter(dir / "no" / "such" / "folder.bin"), sfr::Error);
}

}  // namespace
}  // namespace sfr::engine
