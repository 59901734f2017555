// Python side of the checkpoint tests (see test_checkpoint_python.h). No TESTs live here.
#include "test_checkpoint_python.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sfr::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

// The helper script: `describe FILE...` prints {file: description}; `make VARIANT OUT...` writes
// files and prints {variant: {"object": description of torch.load(OUT), ...}}; `pickles` prints
// plain pickles of every protocol with their description.
constexpr const char* kScript = R"PY(
import collections, io, json, math, os, pickle, sys, zipfile
import torch

def num(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)

def desc(v):
    if isinstance(v, torch.Tensor):
        t = v.detach()
        d = {"type": "tensor", "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
             "requires_grad": bool(v.requires_grad), "numel": t.numel()}
        if t.is_complex():
            t = torch.view_as_real(t)
        flat = t.reshape(-1).double()
        d["sum"] = num(flat.sum()) if flat.numel() else 0.0
        d["head"] = [num(x) for x in flat[:8].tolist()]
        return d
    if isinstance(v, bool): return {"type": "bool", "value": v}
    if isinstance(v, int): return {"type": "int", "value": v}
    if isinstance(v, float): return {"type": "float", "value": num(v)}
    if isinstance(v, str): return {"type": "str", "value": v}
    if v is None: return {"type": "none"}
    if isinstance(v, torch.device): return {"type": "str", "value": str(v)}
    if isinstance(v, tuple): return {"type": "tuple", "items": [desc(x) for x in v]}
    if isinstance(v, list): return {"type": "list", "items": [desc(x) for x in v]}
    if isinstance(v, dict):
        return {"type": "dict", "keys": [desc(k) for k in v.keys()], "values": [desc(x) for x in v.values()]}
    raise SystemExit("cannot describe %r" % type(v))

def mixed():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    return {
        "base": base,
        "view_rows": base[1:3],
        "view_cols": base[:, 2:5],
        "transposed": base.t(),
        "scalar_long": torch.tensor(7, dtype=torch.int64),
        "half": torch.randn(5, generator=g).half(),
        "bfloat16": torch.randn(5, generator=g).bfloat16(),
        "int32": torch.arange(-3, 3, dtype=torch.int32),
        "int16": torch.arange(-3, 3, dtype=torch.int16),
        "int8": torch.arange(-3, 3, dtype=torch.int8),
        "uint8": torch.arange(250, 256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "float64": torch.randn(2, 2, generator=g, dtype=torch.float64),
        "complex64": torch.randn(3, generator=g, dtype=torch.complex64),
        "empty": torch.zeros(0, 3),
        "parameter": torch.nn.Parameter(torch.randn(3, 2, generator=g)),
        "requires_grad": torch.ones(2).requires_grad_(),
        "text": "h\u00e9llo \u2713",
        "int": 42, "negative": -5, "big": 2**40, "huge_negative": -2**62,
        "float": 0.25, "flag": True, "nothing": None,
        "list": [1, 2.5, "three", [4, None]],
        "tuple": (1, "two", (3.0,)),
        "nested": collections.OrderedDict([("a", torch.arange(3)), ("b", {"c": 1})]),
        "int_keys": {1: "one", 2: "two"},
        "device": torch.device("cpu"),
        "size": torch.Size([2, 3]),
    }

def model():
    torch.manual_seed(3)
    m = torch.nn.Sequential(torch.nn.Conv3d(1, 2, 3, padding=1), torch.nn.BatchNorm3d(2),
                            torch.nn.ReLU(), torch.nn.Conv3d(2, 1, 1))
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(2, 1, 4, 4, 4))
    return m.eval()

def model_input():
    return torch.linspace(-1.0, 1.0, 64).reshape(1, 1, 4, 4, 4)

def plain():
    shared = [1, 2]
    return {"a": 1, "b": [1.5, -2, "x", None, True, False], "c": (1, 2, 3, 4),
            "d": collections.OrderedDict([("k", {"n": 2**40})]), "e": {3: "three", -7: "minus"},
            "f": "\u00fcn\u00ef\\code\n\u2713\U0001F600", "g": -2**63, "h": 2**63 - 1, "i": (),
            "j": [], "k": (1,), "l": (1, 2), "m": 1e-300, "s1": shared, "s2": shared}

def make(variant, out):
    extra = {}
    if variant in ("legacy_mixed", "zip_mixed", "zip_proto4"):
        torch.save(mixed(), out, pickle_protocol=4 if variant == "zip_proto4" else 2,
                   _use_new_zipfile_serialization=not variant.startswith("legacy"))
    elif variant in ("legacy_cuda", "zip_cuda"):
        tag = torch.serialization.location_tag
        torch.serialization.location_tag = lambda storage: "cuda:0"
        try:
            torch.save(mixed(), out, _use_new_zipfile_serialization=variant == "zip_cuda")
        finally:
            torch.serialization.location_tag = tag
    elif variant == "zip_deflated":
        buffer = io.BytesIO()
        torch.save(mixed(), buffer)
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
             zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info.filename))
        extra["methods"] = sorted({i.compress_type for i in zipfile.ZipFile(out).infolist()})
    elif variant in ("legacy_state_dict", "zip_state_dict"):
        m = model()
        torch.save(m.state_dict(), out, _use_new_zipfile_serialization=variant.startswith("zip"))
        extra["output"] = m(model_input()).detach().reshape(-1).tolist()
        extra["input"] = model_input().reshape(-1).tolist()
    else:
        raise SystemExit("unknown variant " + variant)
    return {"object": desc(torch.load(out, map_location="cpu")), **extra}

cmd = sys.argv[1]
if cmd == "describe":
    result = {f: desc(torch.load(f, map_location="cpu")) for f in sys.argv[2:]}
elif cmd == "make":
    pairs = sys.argv[2:]
    result = {pairs[i]: make(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)}
elif cmd == "pickles":
    result = {"desc": desc(plain()),
              "pickles": {str(p): pickle.dumps(plain(), protocol=p).hex() for p in range(6)}}
else:
    raise SystemExit("unknown command " + cmd)
json.dump(result, sys.stdout)
)PY";

std::string quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Completed {
  int status = -1;
  std::string out;
  std::string err;
};

Completed run(const std::vector<std::string>& argv) {
  TempDir dir;
  std::string command;
  for (const std::string& a : argv) command += quote(a) + " ";
  command += "2>" + quote((dir / "stderr").string());
  Completed result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start " + command);
  std::array<char, 65536> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(dir / "stderr");
  result.err.assign(std::istreambuf_iterator<char>(err), {});
  return result;
}

std::string pythonDtypeName(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Float:
      return "float32";
    case c10::ScalarType::Double:
      return "float64";
    case c10::ScalarType::Half:
      return "float16";
    case c10::ScalarType::BFloat16:
      return "bfloat16";
    case c10::ScalarType::Long:
      return "int64";
    case c10::ScalarType::Int:
      return "int32";
    case c10::ScalarType::Short:
      return "int16";
    case c10::ScalarType::Char:
      return "int8";
    case c10::ScalarType::Byte:
      return "uint8";
    case c10::ScalarType::Bool:
      return "bool";
    case c10::ScalarType::ComplexFloat:
      return "complex64";
    case c10::ScalarType::ComplexDouble:
      return "complex128";
    default:
      return c10::toString(t);
  }
}

// A JSON number, or the repr Python used for a non-finite float ("nan", "inf", "-inf").
double jsonNumber(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "nan") return std::nan("");
  return s == "-inf" ? -INFINITY : INFINITY;
}

void expectSameNumber(double actual, double expected, double tolerance, const std::string& where) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << where;
  } else if (std::isinf(expected)) {
    EXPECT_EQ(actual, expected) << where;
  } else {
    EXPECT_NEAR(actual, expected, tolerance * std::max(1.0, std::abs(expected))) << where;
  }
}

}  // namespace

const std::string& pythonTorchUnavailable() {
  static const std::string why = [] {
    if (::access(kPython, X_OK) != 0) return std::string(kPython) + " does not exist";
    try {
      const Completed r = run({kPython, "-c", "import torch"});
      return r.status == 0 ? std::string()
                           : std::string(kPython) + " cannot import torch: " + r.err;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }();
  return why;
}

std::string runPython(const std::string& code, const std::vector<std::string>& args) {
  std::vector<std::string> argv{kPython, "-c", code};
  argv.insert(argv.end(), args.begin(), args.end());
  const Completed r = run(argv);
  if (r.status != 0)
    throw std::runtime_error("python failed (" + std::to_string(r.status) + "): " + r.err);
  return r.out;
}

nlohmann::json runCheckpointScript(const std::vector<std::string>& args) {
  const std::string out = runPython(kScript, args);
  try {
    return nlohmann::json::parse(out);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("helper script printed invalid JSON: ") + e.what());
  }
}

void expectMatchesPython(const c10::IValue& value, const nlohmann::json& d,
                         const std::string& where) {
  const std::string type = d.at("type").get<std::string>();
  if (type == "tensor") {
    ASSERT_TRUE(value.isTensor()) << where << " is a " << value.tagKind()
                                  << ", Python has a tensor";
    const at::Tensor t = value.toTensor();
    EXPECT_EQ(pythonDtypeName(t.scalar_type()), d.at("dtype").get<std::string>()) << where;
    EXPECT_EQ(t.sizes().vec(), d.at("shape").get<std::vector<std::int64_t>>()) << where;
    EXPECT_EQ(t.requires_grad(), d.at("requires_grad").get<bool>()) << where;
    if (t.sizes().vec() != d.at("shape").get<std::vector<std::int64_t>>()) return;
    at::Tensor flat = t.detach();
    if (flat.is_complex()) flat = at::view_as_real(flat);
    flat = flat.reshape({-1}).to(at::kDouble);
    if (flat.numel() > 0)
      expectSameNumber(flat.sum().item<double>(), jsonNumber(d.at("sum")), 1e-9, where + " sum");
    const auto& head = d.at("head");
    ASSERT_EQ(static_cast<std::size_t>(std::min<std::int64_t>(flat.numel(), 8)), head.size())
        << where;
    for (std::size_t i = 0; i < head.size(); ++i)
      expectSameNumber(flat[static_cast<std::int64_t>(i)].item<double>(), jsonNumber(head[i]), 0.0,
                       where + " element " + std::to_string(i));
  } else if (type == "bool") {
    ASSERT_TRUE(value.isBool()) << where << " is a " << value.tagKind();
    EXPECT_EQ(value.toBool(), d.at("value").get<bool>()) << where;
  } else if (type == "int") {
    ASSERT_TRUE(value.isInt()) << where << " is a " << value.tagKind();
    EXPECT_EQ(value.toInt(), d.at("value").get<std::int64_t>()) << where;
  } else if (type == "float") {
    ASSERT_TRUE(value.isDouble()) << where << " is a " << value.tagKind();
    expectSameNumber(value.toDouble(), jsonNumber(d.at("value")), 0.0, where);
  } else if (type == "str") {
    ASSERT_TRUE(value.isString()) << where << " is a " << value.tagKind();
    EXPECT_EQ(value.toStringRef(), d.at("value").get<std::string>()) << where;
  } else if (type == "none") {
    EXPECT_TRUE(value.isNone()) << where << " is a " << value.tagKind();
  } else if (type == "tuple" || type == "list") {
    const auto& items = d.at("items");
    if (type == "tuple") {
      ASSERT_TRUE(value.isTuple())
          << where << " is a " << value.tagKind() << ", Python has a tuple";
    } else {
      ASSERT_TRUE(value.isList()) << where << " is a " << value.tagKind() << ", Python has a list";
    }
    const std::vector<c10::IValue> elements =
        value.isTuple() ? value.toTupleRef().elements().vec() : value.toListRef().vec();
    ASSERT_EQ(elements.size(), items.size()) << where;
    for (std::size_t i = 0; i < items.size(); ++i)
      expectMatchesPython(elements[i], items[i], where + "[" + std::to_string(i) + "]");
  } else if (type == "dict") {
    ASSERT_TRUE(value.isGenericDict())
        << where << " is a " << value.tagKind() << ", Python has a dict";
    const c10::impl::GenericDict dict = value.toGenericDict();
    const auto& keys = d.at("keys");
    const auto& values = d.at("values");
    ASSERT_EQ(dict.size(), keys.size()) << where;
    std::size_t i = 0;
    for (const auto& item : dict) {
      const std::string key =
          item.key().isString() ? item.key().toStringRef() : std::to_string(item.key().toInt());
      expectMatchesPython(item.key(), keys[i], where + " key " + std::to_string(i));
      expectMatchesPython(item.value(), values[i], where + "['" + key + "']");
      ++i;
    }
  } else {
    ADD_FAILURE() << where << ": unknown description type " << type;
  }
}

std::filesystem::path referenceDir() {
  for (const char* name : {"SFR_REFERENCE_DIR", "SFR_REFERENCE_DIR_DEFAULT"}) {
    const char* value = std::getenv(name);
    if (value && *value) return value;
  }
  return {};
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sfr-ckpt-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string readFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFileBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace sfr::test
