// The pickle machine on its own: Python's pickle module produces programs of every protocol,
// hand-built programs exercise storages, views and every error path, and fuzzed programs must
// either load or raise sfr::Error.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/checkpoint/unpickler.h"
#include "sfr/engine/checkpoint/zip_archive.h"
#include "test_checkpoint_python.h"

namespace sfr::engine {
namespace {

using sfr::test::TempDir;
using namespace std::string_literals;

std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

/// Builds protocol-2 programs by hand (opcodes as Python's pickle writes them).
struct Program {
  std::string bytes = std::string("\x80\x02", 2);
  Program& op(char c) {
    bytes.push_back(c);
    return *this;
  }
  Program& raw(const std::string& s) {
    bytes += s;
    return *this;
  }
  Program& str(const std::string& s) {
    bytes.push_back('X');
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xFF));
    bytes += s;
    return *this;
  }
  Program& integer(std::int32_t v) {
    bytes.push_back('J');
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<char>((static_cast<std::uint32_t>(v) >> (8 * i)) & 0xFF));
    return *this;
  }
  Program& global(const std::string& module, const std::string& name) {
    bytes += "c" + module + "\n" + name + "\n";
    return *this;
  }
  Program& ints(std::initializer_list<std::int32_t> values) {
    op('(');
    for (std::int32_t v : values) integer(v);
    return op('t');
  }
  /// ('storage', torch.<type>, key, 'cpu', numel) BINPERSID
  Program& storage(const std::string& type, const std::string& key, std::int32_t numel) {
    op('(').str("storage").global("torch", type).str(key).str("cpu").integer(numel).op('t');
    return op('Q');
  }
  /// _rebuild_tensor_v2(<storage program>, offset, size, stride, False, OrderedDict())
  Program& tensor(const std::string& key, std::int32_t numel, std::int32_t offset,
                  std::initializer_list<std::int32_t> size,
                  std::initializer_list<std::int32_t> stride) {
    global("torch._utils", "_rebuild_tensor_v2")
        .op('(')
        .storage("FloatStorage", key, numel)
        .integer(offset);
    ints(size).ints(stride).op('\x89').global("collections", "OrderedDict").op(')').op('R');
    return op('t').op('R');
  }
  std::string stop() const { return bytes + "."; }
};

/// Returns arange(numel) storages, one per key (same key, same tensor), and counts the calls.
struct ArangeStorages {
  std::map<std::string, at::Tensor> made;
  int calls = 0;
  StorageLoader loader() {
    return [this](const StorageRequest& r) {
      ++calls;
      auto it = made.find(r.key);
      if (it == made.end())
        it = made.emplace(r.key, at::arange(r.numel, at::TensorOptions().dtype(r.dtype))).first;
      return it->second;
    };
  }
};

StorageLoader noStorages() {
  return [](const StorageRequest& r) -> at::Tensor {
    throw sfr::Error("test", "unexpected storage " + r.key);
  };
}

std::string errorOf(const std::string& program, StorageLoader loader = noStorages()) {
  try {
    Unpickler("file.pth", "data.pkl", std::move(loader)).load(program);
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "file.pth");
    return e.problem();
  }
  return "(no sfr::Error)";
}

TEST(CheckpointUnpickler, PicklesOfEveryProtocolMatchPython) {
  SFR_REQUIRE_PYTHON_TORCH();
  const nlohmann::json reference = sfr::test::runCheckpointScript({"pickles"});
  for (const auto& [protocol, hex] : reference.at("pickles").items()) {
    SCOPED_TRACE("protocol " + protocol);
    const c10::IValue value =
        Unpickler("pickle", "protocol " + protocol, noStorages()).load(fromHex(hex));
    sfr::test::expectMatchesPython(value, reference.at("desc"), "protocol " + protocol);
  }
}

TEST(CheckpointUnpickler, TensorsAreViewsOfSharedStorages) {
  Program p;
  p.op('}').op('(');
  p.str("whole").tensor("0", 12, 0, {3, 4}, {4, 1});
  p.str("transposed_tail").tensor("0", 12, 1, {3, 2}, {1, 3});  // non-contiguous, offset 1
  p.str("scalar").tensor("1", 1, 0, {}, {});
  p.str("empty").tensor("2", 0, 0, {0, 5}, {5, 1});
  p.op('u');
  ArangeStorages storages;
  const c10::IValue value = Unpickler("f", "data.pkl", storages.loader()).load(p.stop());
  ASSERT_TRUE(value.isGenericDict());
  const auto dict = value.toGenericDict();
  ASSERT_EQ(dict.size(), 4u);
  const at::Tensor whole = dict.at("whole").toTensor();
  const at::Tensor tail = dict.at("transposed_tail").toTensor();
  EXPECT_TRUE(at::equal(whole, at::arange(12, at::kFloat).reshape({3, 4})));
  // Element (i, j) of the view is storage[1 + i + 3 j].
  EXPECT_TRUE(at::equal(tail, at::tensor({1.f, 4.f, 2.f, 5.f, 3.f, 6.f}).reshape({3, 2})));
  whole.fill_(5);  // they share memory, as in Python
  EXPECT_EQ(tail.sum().item<float>(), 30.f);
  EXPECT_EQ(dict.at("scalar").toTensor().dim(), 0);
  EXPECT_EQ(dict.at("empty").toTensor().sizes().vec(), (std::vector<std::int64_t>{0, 5}));
  EXPECT_EQ(storages.made.size(), 3u);
}

TEST(CheckpointUnpickler, LegacyStorageViewsAndParameters) {
  // Legacy persistent ids carry (view_key, offset, size); _rebuild_parameter keeps requires_grad.
  Program p;
  p.global("torch._utils", "_rebuild_parameter");
  p.global("torch._utils", "_rebuild_tensor_v2").op('(');
  p.op('(').str("storage").global("torch", "DoubleStorage").str("root").str("cuda:0").integer(10);
  p.op('(').str("view").integer(4).integer(5).op('t');  // elements 4..8 of the root
  p.op('t').op('Q');
  p.integer(1).ints({2, 2}).ints({2, 1}).op('\x89').op('}').op('t').op('R');
  p.op('\x88').op('}').op('\x87').op('R');
  ArangeStorages storages;
  const c10::IValue value = Unpickler("f", "data.pkl", storages.loader()).load(p.stop());
  ASSERT_TRUE(value.isTensor());
  const at::Tensor t = value.toTensor();
  EXPECT_EQ(t.scalar_type(), at::kDouble);
  EXPECT_TRUE(t.requires_grad());
  EXPECT_TRUE(at::equal(t.detach(), at::tensor({5.0, 6.0, 7.0, 8.0}, at::kDouble).reshape({2, 2})));
}

TEST(CheckpointUnpickler, MalformedProgramsRaiseOneErrorEach) {
  EXPECT_NE(errorOf(Program().global("os", "system").stop()).find("unsupported global 'os.system'"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().raw("\xff").stop()).find("invalid pickle opcode 0xff"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().op('s').stop()).find("stack underflow"), std::string::npos);
  EXPECT_NE(errorOf(Program().raw("h\x05").stop()).find("memo entry 5 does not exist"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().integer(1).op('(').stop()).find("unclosed MARK"), std::string::npos);
  EXPECT_NE(errorOf(Program().integer(1).stop() + "N").find("1 bytes after STOP"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().raw("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01"s).stop())
                .find("larger than 64 bits"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().op('}').op(']').op('a').stop()).find("APPEND target is a dict"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().op('}').op(']').op(']').op('s').stop())
                .find("unsupported dict key type list"),
            std::string::npos);
  // A tensor reaching past its storage (2x3 needs 6 elements, the storage has 4).
  ArangeStorages storages;
  EXPECT_NE(errorOf(Program().tensor("0", 4, 0, {2, 3}, {3, 1}).stop(), storages.loader())
                .find("storage too short"),
            std::string::npos);
  EXPECT_NE(errorOf(Program().tensor("0", 4, 9, {1}, {1}).stop(), storages.loader())
                .find("offset out of range"),
            std::string::npos);
  EXPECT_NE(
      errorOf(Program().tensor("0", 4, 0, {2}, {-1}).stop(), storages.loader()).find("negative"),
      std::string::npos);
  // A storage type torch does not have.
  EXPECT_NE(errorOf(Program().storage("FancyStorage", "0", 3).stop())
                .find("unsupported global 'torch.FancyStorage'"),
            std::string::npos);
  // A self-referencing list (l.append(l)) and deep nesting stop at the depth limit.
  EXPECT_NE(
      errorOf(Program().op(']').raw("q\x00"s).raw("h\x00"s).op('a').stop()).find("nested deeper"),
      std::string::npos);
  Program deep;
  for (int i = 0; i < 600; ++i) deep.op(']');
  for (int i = 0; i < 599; ++i) deep.op('a');
  EXPECT_NE(errorOf(deep.stop()).find("nested deeper"), std::string::npos);

  // Every truncation of a valid program fails cleanly.
  const std::string full =
      Program().op('}').op('(').str("a").tensor("0", 6, 0, {2, 3}, {3, 1}).op('u').stop();
  for (std::size_t n = 0; n < full.size(); ++n) {
    ArangeStorages s;
    EXPECT_NE(errorOf(full.substr(0, n), s.loader()), "(no sfr::Error)") << "cut at " << n;
  }
}

TEST(CheckpointUnpickler, PositionAdvancesPastEachPickleOfAStream) {
  const std::string stream = Program().integer(1001).stop() + Program().str("two").stop();
  Unpickler unpickler("f", "stream", noStorages());
  std::size_t pos = 0;
  EXPECT_EQ(unpickler.load(stream, pos).toInt(), 1001);
  EXPECT_EQ(unpickler.load(stream, pos).toStringRef(), "two");
  EXPECT_EQ(pos, stream.size());
  EXPECT_THROW(unpickler.load(stream, pos), sfr::Error);
}

TEST(CheckpointUnpickler, LongIntegersUseTwosComplementUpTo64Bits) {
  auto load = [](const std::string& op) {
    return Unpickler("f", "data.pkl", noStorages()).load(Program().raw(op).stop()).toInt();
  };
  EXPECT_EQ(load("\x8a\x00"s), 0);
  EXPECT_EQ(load("\x8a\x01\xff"s), -1);
  // Expected values as Python's pickle.loads gives them for the same bytes.
  EXPECT_EQ(load("\x8a\x02\x00\x80"s), -32768);
  EXPECT_EQ(load("\x8a\x03\x00\x80\x00"s), 32768);
  EXPECT_EQ(load("\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"s),
            std::numeric_limits<std::int64_t>::min());
  // Longer than needed but still 64-bit values (sign extension only).
  EXPECT_EQ(load("\x8a\x09\xfe\xff\xff\xff\xff\xff\xff\xff\xff"s), -2);
  EXPECT_EQ(load("\x8b\x02\x00\x00\x00\x34\x12"s), 0x1234);  // LONG4
  EXPECT_NE(errorOf(Program().raw("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00"s).stop())
                .find("larger than 64 bits"),
            std::string::npos);
}

TEST(CheckpointUnpickler, StorageTypeNames) {
  EXPECT_EQ(storageTypeName(at::kFloat), "FloatStorage");
  EXPECT_EQ(storageTypeName(at::kLong), "LongStorage");
  EXPECT_EQ(storageTypeName(at::kHalf), "HalfStorage");
  EXPECT_EQ(storageTypeName(at::kBFloat16), "BFloat16Storage");
  EXPECT_EQ(storageTypeName(at::kChar), "CharStorage");
  EXPECT_EQ(storageTypeName(at::kByte), "ByteStorage");
  EXPECT_EQ(storageTypeName(at::kBool), "BoolStorage");
  EXPECT_EQ(storageTypeName(at::kQInt8), "");
}

// Random damage to real data.pkl programs: each must load or raise sfr::Error, never crash.
TEST(CheckpointUnpickler, FuzzedProgramsLoadOrRaiseSfrError) {
  std::vector<std::string> programs;
  const auto reference = sfr::test::referenceDir() / "vnet" / "vnet_c3_in_checkpoint.pth";
  if (std::filesystem::exists(reference)) {
    ZipReader zip(reference);
    programs.push_back(zip.read(zip.at(zip.commonPrefix() + "/data.pkl")));
  }
  TempDir dir;
  c10::impl::GenericDict mixed(c10::StringType::get(), c10::AnyType::get());
  mixed.insert("w", at::randn({3, 4}));
  mixed.insert("n", c10::IValue(std::int64_t{5}));
  mixed.insert("list", c10::IValue(c10::List<double>({1.5, 2.5})));
  writeTorchFile(dir / "mixed.pt", c10::IValue(mixed));
  ZipReader zip(dir / "mixed.pt");
  programs.push_back(zip.read(zip.at(zip.commonPrefix() + "/data.pkl")));

  std::mt19937 rng(1234);
  int loaded = 0, rejected = 0;
  for (const std::string& original : programs) {
    for (int trial = 0; trial < 400; ++trial) {
      std::string program = original;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % program.size();
        switch (rng() % 3) {
          case 0:
            program[at] = static_cast<char>(rng() & 0xFF);
            break;
          case 1:
            program.resize(at);
            break;
          default:
            program.insert(at, 1, static_cast<char>(rng() & 0xFF));
            break;
        }
        if (program.empty()) program = "\x80";
      }
      auto loader = [](const StorageRequest& r) -> at::Tensor {
        if (r.numel > (1 << 20)) throw sfr::Error("fuzz", "storage too large");
        return at::zeros({r.numel}, at::TensorOptions().dtype(r.dtype));
      };
      try {
        Unpickler("fuzz", "data.pkl", loader).load(program);
        ++loaded;
      } catch (const sfr::Error&) {
        ++rejected;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "trial " << trial << ": not an sfr::Error: " << e.what();
      }
    }
  }
  EXPECT_GT(rejected, 0);
  std::cout << "fuzzed data.pkl programs: " << loaded << " loaded, " << rejected << " rejected\n";
}

}  // namespace
}  // namespace sfr::engine
