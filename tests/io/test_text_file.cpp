// writeTextFileAtomically: content, replacement, no temporary left behind, failures name the file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "io_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/text_file.h"

namespace sfr::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WriteTextFileAtomically, WritesAndReplacesWithoutLeavingTemporaries) {
  TempDir dir;
  const fs::path file = dir.path() / "project.sfrproj";
  writeTextFileAtomically(file, "first\n");
  EXPECT_EQ(slurp(file), "first\n");
  const std::string second(100000, 'x');
  writeTextFileAtomically(file, second);
  EXPECT_EQ(slurp(file), second);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "project.sfrproj");
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteTextFileAtomically, MissingFolderIsAnErrorNamingTheFileAndKeepsNothing) {
  TempDir dir;
  const fs::path file = dir.path() / "missing" / "a.json";
  try {
    writeTextFileAtomically(file, "{}");
    FAIL() << "expected sfr::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), file.string());
    EXPECT_NE(e.problem().find("does not exist"), std::string::npos) << e.problem();
  }
  EXPECT_FALSE(fs::exists(file));
}

TEST(WriteTextFileAtomically, AFolderInTheWayIsRefusedAndKept) {
  TempDir dir;
  const fs::path file = dir.path() / "taken";
  fs::create_directory(file);
  EXPECT_THROW(writeTextFileAtomically(file, "text"), Error);
  EXPECT_TRUE(fs::is_directory(file));
}

}  // namespace
}  // namespace sfr::io
