// writeTorchFile() / writeStateDict(): what we write must read back identically with our
// reader and with Python's torch.load, and replace files atomically.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <limits>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "test_checkpoint_python.h"

namespace sfr::engine {
namespace {

namespace fs = std::filesystem;
using sfr::test::readFileBytes;
using sfr::test::TempDir;
using sfr::test::writeFileBytes;

void expectSame(const c10::IValue& a, const c10::IValue& b, const std::string& where) {
  ASSERT_EQ(std::string(a.tagKind()), std::string(b.tagKind())) << where;
  if (a.isTensor()) {
    const at::Tensor x = a.toTensor(), y = b.toTensor();
    EXPECT_EQ(x.scalar_type(), y.scalar_type()) << where;
    EXPECT_EQ(x.sizes(), y.sizes()) << where;
    EXPECT_EQ(x.requires_grad(), y.requires_grad()) << where;
    if (x.sizes() == y.sizes() && x.scalar_type() == y.scalar_type()) {
      EXPECT_TRUE(at::equal(x.detach(), y.detach())) << where;
    }
  } else if (a.isGenericDict()) {
    const auto da = a.toGenericDict(), db = b.toGenericDict();
    ASSERT_EQ(da.size(), db.size()) << where;
    auto ia = da.begin();
    auto ib = db.begin();
    for (; ia != da.end(); ++ia, ++ib) {
      expectSame(ia->key(), ib->key(), where + " key");
      expectSame(ia->value(), ib->value(), where + "[" + c10::toString(ia->key().type()) + "]");
    }
  } else if (a.isList() || a.isTuple()) {
    const auto ea = a.isList() ? a.toListRef().vec() : a.toTupleRef().elements().vec();
    const auto eb = b.isList() ? b.toListRef().vec() : b.toTupleRef().elements().vec();
    ASSERT_EQ(ea.size(), eb.size()) << where;
    for (std::size_t i = 0; i < ea.size(); ++i)
      expectSame(ea[i], eb[i], where + "[" + std::to_string(i) + "]");
  } else if (a.isString()) {
    EXPECT_EQ(a.toStringRef(), b.toStringRef()) << where;
  } else if (a.isInt()) {
    EXPECT_EQ(a.toInt(), b.toInt()) << where;
  } else if (a.isDouble()) {
    EXPECT_EQ(a.toDouble(), b.toDouble()) << where;
  } else if (a.isBool()) {
    EXPECT_EQ(a.toBool(), b.toBool()) << where;
  } else {
    EXPECT_TRUE(a.isNone()) << where;
  }
}

c10::IValue tuple(std::vector<c10::IValue> items) {
  return c10::ivalue::Tuple::create(std::move(items));
}

c10::IValue everything() {
  at::manual_seed(11);
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert("float", at::randn({2, 3, 4}));
  d.insert("double", at::randn({3}, at::kDouble));
  d.insert("half", at::randn({5}).to(at::kHalf));
  d.insert("bfloat16", at::randn({5}).to(at::kBFloat16));
  d.insert("long", at::arange(-4, 4, at::kLong));
  d.insert("int", at::arange(-4, 4, at::kInt));
  d.insert("short", at::arange(-4, 4, at::kShort));
  d.insert("char", at::arange(-4, 4, at::kChar));
  d.insert("byte", at::arange(250, 256, at::kLong).to(at::kByte));
  d.insert("bool", at::randn({7}) > 0);
  d.insert("complex", at::randn({3}, at::kComplexFloat));
  d.insert("transposed", at::arange(6, at::kFloat).reshape({2, 3}).t());
  d.insert("sliced", at::arange(20, at::kFloat).slice(0, 5, 15, 3));
  d.insert("scalar", at::scalar_tensor(3.5));
  d.insert("empty", at::zeros({0, 4}));
  d.insert("trainable", at::ones({2}).set_requires_grad(true));
  d.insert("text", c10::IValue(std::string("h\xc3\xa9llo \xe2\x9c\x93")));
  for (const std::int64_t v :
       {std::int64_t{0}, std::int64_t{255}, std::int64_t{256}, std::int64_t{65536},
        std::int64_t{-1}, std::int64_t{-129}, std::int64_t{1} << 31, -(std::int64_t{1} << 31),
        std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::max(),
        std::numeric_limits<std::int64_t>::min()})
    d.insert("int_" + std::to_string(v), c10::IValue(v));
  d.insert("pi", c10::IValue(3.141592653589793));
  d.insert("tiny", c10::IValue(-1e-300));
  d.insert("yes", c10::IValue(true));
  d.insert("no", c10::IValue(false));
  d.insert("none", c10::IValue());
  c10::impl::GenericList list(c10::AnyType::get());
  list.push_back(c10::IValue(std::int64_t{1}));
  list.push_back(c10::IValue(std::string("two")));
  list.push_back(at::ones({2}));
  d.insert("list", c10::IValue(list));
  d.insert("empty_list", c10::IValue(c10::impl::GenericList(c10::AnyType::get())));
  d.insert("tuple0", tuple({}));
  d.insert("tuple1", tuple({c10::IValue(1.5)}));
  d.insert("tuple3",
           tuple({c10::IValue(std::int64_t{1}), c10::IValue(), c10::IValue(std::string("x"))}));
  d.insert("tuple5", tuple({c10::IValue(std::int64_t{1}), c10::IValue(std::int64_t{2}),
                            c10::IValue(std::int64_t{3}), c10::IValue(std::int64_t{4}),
                            c10::IValue(std::int64_t{5})}));
  c10::impl::GenericDict byIndex(c10::IntType::get(), c10::AnyType::get());
  byIndex.insert(c10::IValue(std::int64_t{7}), c10::IValue(std::string("seven")));
  byIndex.insert(c10::IValue(std::int64_t{-1}), at::zeros({1}));
  d.insert("by_index", c10::IValue(byIndex));
  c10::impl::GenericDict nested(c10::StringType::get(), c10::AnyType::get());
  nested.insert("inner", c10::IValue(d.copy()));
  d.insert("nested", c10::IValue(nested));
  return c10::IValue(d);
}

TEST(CheckpointWrite, RoundTripsThroughOurReaderAndPython) {
  TempDir dir;
  const fs::path file = dir / "everything.pt";
  const c10::IValue value = everything();
  writeTorchFile(file, value);
  EXPECT_EQ(detectTorchFileFormat(file), TorchFileFormat::Zip);
  expectSame(readTorchFile(file), value, "ours");

  SFR_REQUIRE_PYTHON_TORCH();
  const nlohmann::json python = sfr::test::runCheckpointScript({"describe", file.string()});
  sfr::test::expectMatchesPython(value, python.at(file.string()), "python");
}

TEST(CheckpointWrite, LibTorchPickleLoadReadsOurFiles) {
  // torch::pickle_load is LibTorch's own reader of torch.save zip files (it fails on
  // OrderedDicts, which is why we never write them).
  TempDir dir;
  const fs::path file = dir / "plain.pt";
  c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
  d.insert("w", at::randn({3, 5}));
  d.insert("counter", at::scalar_tensor(4, at::kLong));
  d.insert("config", c10::IValue(std::string("{\"classes\": 2}")));
  d.insert("epoch", c10::IValue(std::int64_t{7}));
  d.insert("lr", c10::IValue(0.001));
  writeTorchFile(file, c10::IValue(d));
  const std::string bytes = readFileBytes(file);
  const c10::IValue loaded = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  expectSame(loaded, c10::IValue(d), "pickle_load");
}

TEST(CheckpointWrite, StateDictsArePlainDictsInOrder) {
  TempDir dir;
  const fs::path file = dir / "state.pth";
  NamedTensors tensors{{"z.weight", at::randn({4, 2})},
                       {"a.bias", at::randn({4})},
                       {"bn.num_batches_tracked", at::scalar_tensor(9, at::kLong)}};
  writeStateDict(file, tensors);
  const NamedTensors back = readStateDict(file);
  ASSERT_EQ(back.size(), tensors.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].first, tensors[i].first);
    EXPECT_TRUE(at::equal(back[i].second, tensors[i].second));
  }
  NamedTensors duplicate{{"a", at::ones({1})}, {"a", at::ones({1})}};
  EXPECT_THROW(writeStateDict(dir / "dup.pth", duplicate), sfr::Error);
  EXPECT_FALSE(fs::exists(dir / "dup.pth"));

  SFR_REQUIRE_PYTHON_TORCH();
  const std::string out = sfr::test::runPython(R"(
import sys, torch
sd = torch.load(sys.argv[1])
print(type(sd).__name__, list(sd.keys()), sd["bn.num_batches_tracked"].dtype, int(sd["bn.num_batches_tracked"]))
)",
                                               {file.string()});
  EXPECT_EQ(out, "dict ['z.weight', 'a.bias', 'bn.num_batches_tracked'] torch.int64 9\n");
}

TEST(CheckpointWrite, FailuresLeaveTheOldFileAndNoTemporaryFiles) {
  TempDir dir;
  const fs::path file = dir / "model.pth";
  writeFileBytes(file, "previous checkpoint");

  c10::impl::GenericDict bad(c10::StringType::get(), c10::AnyType::get());
  bad.insert("ok", at::ones({2}));
  bad.insert("device", c10::IValue(c10::Device(c10::kCPU)));
  try {
    writeTorchFile(file, c10::IValue(bad));
    ADD_FAILURE() << "no error";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), file.string());
    EXPECT_NE(e.problem().find("cannot write a value of type Device"), std::string::npos)
        << e.what();
  }
  c10::impl::GenericDict quantized(c10::StringType::get(), c10::AnyType::get());
  quantized.insert("q", at::quantize_per_tensor(at::ones({2}), 0.1, 0, at::kQInt8));
  EXPECT_THROW(writeTorchFile(file, c10::IValue(quantized)), sfr::Error);
  EXPECT_EQ(readFileBytes(file), "previous checkpoint");

  c10::impl::GenericDict good(c10::StringType::get(), c10::AnyType::get());
  good.insert("w", at::ones({3}));
  writeTorchFile(file, c10::IValue(good));
  EXPECT_TRUE(at::equal(readStateDict(file).at(0).second, at::ones({3})));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u) << "temporary files were left behind";

  EXPECT_THROW(writeTorchFile(dir / "missing_folder" / "x.pth", c10::IValue(good)), sfr::Error);
}

}  // namespace
}  // namespace sfr::engine
