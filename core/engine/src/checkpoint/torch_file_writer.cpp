// writeTorchFile(): a protocol-2 pickle in the shape torch.save gives it (tensors as
// _rebuild_tensor_v2 calls over persistent-id storages) inside torch's zip layout, written
// through AtomicFileWriter so a crash never leaves a half-written checkpoint.
#include <ATen/ATen.h>

#include <cstring>
#include <new>
#include <unordered_set>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/checkpoint/unpickler.h"
#include "sfr/engine/checkpoint/zip_archive.h"

namespace sfr::engine {
namespace {

constexpr int kMaxDepth = 512;
constexpr const char* kArchiveFolder = "archive";  // what torch >= 2.0 writes; any name is read

class Pickler {
 public:
  explicit Pickler(const std::string& subject) : subject_(subject) {}

  /// The pickle program for `value`; storages() then lists the tensors in key order.
  std::string dump(const c10::IValue& value) {
    out_.assign("\x80\x02", 2);  // PROTO 2
    write(value, 0);
    out_.push_back('.');  // STOP
    return std::move(out_);
  }

  const std::vector<at::Tensor>& storages() const { return storages_; }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw sfr::Error(subject_, problem); }

  void write(const c10::IValue& v, int depth) {
    if (depth > kMaxDepth)
      fail("value nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (v.isNone()) {
      out_.push_back('N');
    } else if (v.isBool()) {
      out_.push_back(v.toBool() ? '\x88' : '\x89');
    } else if (v.isInt()) {
      writeInt(v.toInt());
    } else if (v.isDouble()) {
      writeFloat(v.toDouble());
    } else if (v.isString()) {
      writeStr(v.toStringRef());
    } else if (v.isTensor()) {
      writeTensor(v.toTensor());
    } else if (v.isGenericDict()) {
      const c10::impl::GenericDict dict = v.toGenericDict();
      out_.push_back('}');  // EMPTY_DICT
      if (dict.size() == 0) return;
      out_.push_back('(');
      for (const auto& item : dict) {
        if (!item.key().isString() && !item.key().isInt())
          fail("dict keys must be str or int, found " + std::string(item.key().tagKind()));
        write(item.key(), depth + 1);
        write(item.value(), depth + 1);
      }
      out_.push_back('u');  // SETITEMS
    } else if (v.isList()) {
      const c10::ArrayRef<c10::IValue> items = v.toListRef();
      out_.push_back(']');  // EMPTY_LIST
      if (items.empty()) return;
      out_.push_back('(');
      for (const c10::IValue& item : items) write(item, depth + 1);
      out_.push_back('e');  // APPENDS
    } else if (v.isTuple()) {
      const auto& items = v.toTupleRef().elements();
      if (items.empty()) {
        out_.push_back(')');
        return;
      }
      if (items.size() > 3) out_.push_back('(');
      for (const c10::IValue& item : items) write(item, depth + 1);
      static const char kTupleN[] = {'\x85', '\x86', '\x87'};
      out_.push_back(items.size() > 3 ? 't' : kTupleN[items.size() - 1]);
    } else {
      fail("cannot write a value of type " + std::string(v.tagKind()));
    }
  }

  void writeInt(std::int64_t v) {
    if (v >= 0 && v < 0x100) {
      out_.push_back('K');
      putLittle(static_cast<std::uint64_t>(v), 1);
    } else if (v >= 0 && v < 0x10000) {
      out_.push_back('M');
      putLittle(static_cast<std::uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_.push_back('J');
      putLittle(
          static_cast<std::uint64_t>(static_cast<std::uint32_t>(static_cast<std::int32_t>(v))), 4);
    } else {
      // LONG1 with the minimal two's-complement length, as Python writes it.
      std::size_t n = 8;
      const auto u = static_cast<std::uint64_t>(v);
      while (n > 1) {
        const auto top = static_cast<unsigned char>(u >> (8 * (n - 1)));
        const auto next = static_cast<unsigned char>(u >> (8 * (n - 2)));
        if ((top == 0x00 && !(next & 0x80)) || (top == 0xFF && (next & 0x80))) {
          --n;
        } else {
          break;
        }
      }
      out_.push_back('\x8a');
      out_.push_back(static_cast<char>(n));
      putLittle(u, n);
    }
  }

  void writeFloat(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    out_.push_back('G');
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }

  void writeStr(const std::string& s) {
    if (s.size() > 0xFFFFFFFFu) fail("string longer than 4 GiB");
    out_.push_back('X');  // BINUNICODE
    putLittle(s.size(), 4);
    out_ += s;
  }

  void writeGlobal(const char* module, const std::string& name) {
    out_.push_back('c');
    out_ += module;
    out_.push_back('\n');
    out_ += name;
    out_.push_back('\n');
  }

  void writeTensor(const at::Tensor& tensor) {
    if (!tensor.defined()) fail("cannot write an undefined tensor");
    if (tensor.layout() != at::kStrided || tensor.is_quantized())
      fail("only dense tensors can be written");
    const std::string storageType = storageTypeName(tensor.scalar_type());
    if (storageType.empty())
      fail("cannot write tensors of type " + std::string(c10::toString(tensor.scalar_type())));
    const at::Tensor data = tensor.detach().to(at::kCPU).contiguous();
    const std::string key = std::to_string(storages_.size());
    storages_.push_back(data);

    writeGlobal("torch._utils", "_rebuild_tensor_v2");
    out_.push_back('(');
    out_.push_back('(');  // persistent id ('storage', type, key, location, numel)
    writeStr("storage");
    writeGlobal("torch", storageType);
    writeStr(key);
    writeStr("cpu");
    writeInt(data.numel());
    out_.push_back('t');
    out_.push_back('Q');  // BINPERSID
    writeInt(0);          // storage offset
    writeIntTuple(data.sizes());
    writeIntTuple(data.strides());
    out_.push_back(tensor.requires_grad() ? '\x88' : '\x89');
    writeGlobal("collections", "OrderedDict");  // backward hooks: OrderedDict()
    out_.push_back(')');
    out_.push_back('R');
    out_.push_back('t');
    out_.push_back('R');
  }

  void writeIntTuple(c10::IntArrayRef values) {
    out_.push_back('(');
    for (const std::int64_t v : values) writeInt(v);
    out_.push_back('t');
  }

  void putLittle(std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }

  const std::string& subject_;
  std::string out_;
  std::vector<at::Tensor> storages_;
};

}  // namespace

void writeTorchFile(const std::filesystem::path& path, const c10::IValue& value) {
  const std::string subject = path.string();
  try {
    Pickler pickler(subject);
    const std::string program = pickler.dump(value);
    AtomicFileWriter file(path);
    ZipWriter zip([&file](const void* data, std::size_t size) { file.write(data, size); }, subject);
    const std::string folder = std::string(kArchiveFolder) + "/";
    zip.add(folder + "data.pkl", program);
    zip.add(folder + "byteorder", std::string("little"));
    for (std::size_t k = 0; k < pickler.storages().size(); ++k) {
      const at::Tensor& storage = pickler.storages()[k];
      zip.add(folder + "data/" + std::to_string(k), storage.data_ptr(), storage.nbytes());
    }
    zip.add(folder + "version", std::string("3\n"));
    zip.finish();
    file.commit();
  } catch (const sfr::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw sfr::Error(subject, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw sfr::Error(subject, "out of memory");
  }
}

void writeStateDict(const std::filesystem::path& path, const NamedTensors& tensors) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!dict.insert(name, tensor).second)
      throw sfr::Error(path.string(), "duplicate tensor name '" + name + "'");
  }
  writeTorchFile(path, c10::IValue(dict));
}

}  // namespace sfr::engine
