// The pickle machine behind readTorchFile(). It models the few Python objects torch.save emits
// (None, bool, int, float, str, bytes, tuple, list, dict, globals, storages, tensors) in a small
// mutable object graph (lists and dicts are filled after they are memoised, as in Python), then
// converts the result to c10::IValue. Every read is bounds-checked and every size that decides
// an allocation is validated first, so corrupt input raises sfr::Error and nothing else.
#include "sfr/engine/checkpoint/unpickler.h"

#include <ATen/ATen.h>

#include <array>
#include <charconv>
#include <cstring>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

struct StorageTypeInfo {
  const char* name;
  c10::ScalarType dtype;
};

constexpr std::array<StorageTypeInfo, 12> kStorageTypes{{
    {"FloatStorage", c10::ScalarType::Float},
    {"DoubleStorage", c10::ScalarType::Double},
    {"HalfStorage", c10::ScalarType::Half},
    {"BFloat16Storage", c10::ScalarType::BFloat16},
    {"LongStorage", c10::ScalarType::Long},
    {"IntStorage", c10::ScalarType::Int},
    {"ShortStorage", c10::ScalarType::Short},
    {"CharStorage", c10::ScalarType::Char},
    {"ByteStorage", c10::ScalarType::Byte},
    {"BoolStorage", c10::ScalarType::Bool},
    {"ComplexFloatStorage", c10::ScalarType::ComplexFloat},
    {"ComplexDoubleStorage", c10::ScalarType::ComplexDouble},
}};

constexpr int kMaxDepth = 512;  // nesting limit when converting (also stops self-referencing lists)

enum class Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };

enum class GlobalId {
  OrderedDict,
  RebuildTensorV2,
  RebuildTensor,
  RebuildParameter,
  RebuildParameterWithState,
  RebuildFromTypeV2,
  StorageType,
  Device,
  Size,
  TensorType,
  ParameterType,
};

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::Str:
      return "str";
    case Kind::Bytes:
      return "bytes";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Global:
      return "global";
    case Kind::Storage:
      return "storage";
    case Kind::Tensor:
      return "tensor";
  }
  return "?";
}

struct Object;
using Ref = std::shared_ptr<Object>;

struct Object {
  explicit Object(Kind k) : kind(k) {}
  Kind kind;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text;        // Str, Bytes; Global: "module.name"
  std::vector<Ref> items;  // Tuple, List; Dict: values
  std::vector<Ref> keys;   // Dict: keys (insertion order)
  std::unordered_map<std::string, std::size_t> strIndex;
  std::unordered_map<std::int64_t, std::size_t> intIndex;
  GlobalId global = GlobalId::OrderedDict;
  c10::ScalarType dtype = c10::ScalarType::Undefined;  // Global StorageType
  at::Tensor tensor;                                   // Tensor; Storage: the 1-D base
  std::int64_t offset = 0;                             // Storage: element offset into the base
  std::int64_t numel = 0;                              // Storage: element count
};

Ref make(Kind kind) {
  return std::make_shared<Object>(kind);
}
Ref makeInt(std::int64_t v) {
  Ref r = make(Kind::Int);
  r->integer = v;
  return r;
}
Ref makeStr(std::string s, Kind kind = Kind::Str) {
  Ref r = make(kind);
  r->text = std::move(s);
  return r;
}

class Machine {
 public:
  Machine(const std::string& subject, const std::string& part, const StorageLoader& loader,
          std::string_view data, std::size_t pos)
      : subject_(subject), part_(part), loader_(loader), data_(data), pos_(pos) {}

  ~Machine() {
    for (const Ref& r : containers_) {
      r->items.clear();
      r->keys.clear();
    }
  }
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  std::size_t position() const { return pos_; }

  Ref run() {
    for (;;) {
      opPos_ = pos_;
      const auto op = static_cast<unsigned char>(*take(1));
      switch (op) {
        case 0x80: {  // PROTO
          const unsigned proto = u8();
          if (proto > 5) fail("unsupported pickle protocol " + std::to_string(proto));
          break;
        }
        case 0x95:  // FRAME: a framing hint; the frame's bytes follow inline
          if (u64() > data_.size() - pos_) fail("frame longer than the data (truncated?)");
          break;
        case '.':  // STOP
          if (stack_.empty()) fail("STOP with an empty stack");
          if (!marks_.empty()) fail("STOP inside an unclosed MARK");
          return pop();
        case '(':
          marks_.push_back(stack_.size());
          break;
        case '0':  // POP; on an empty frame Python pops the mark instead
          if (stack_.size() > floor()) {
            pop();
          } else {
            popMark();
          }
          break;
        case '1':
          popMark();
          break;
        case '2':
          push(top());
          break;
        case 'N':
          push(make(Kind::None));
          break;
        case 0x88:
          push(makeBool(true));
          break;
        case 0x89:
          push(makeBool(false));
          break;
        case 'J':
          push(makeInt(static_cast<std::int32_t>(u32())));
          break;
        case 'K':
          push(makeInt(u8()));
          break;
        case 'M':
          push(makeInt(u16()));
          break;
        case 0x8a: {  // LONG1
          const std::size_t n = u8();
          push(makeInt(littleEndianSigned(take(n), n)));
          break;
        }
        case 0x8b: {  // LONG4
          const auto n = static_cast<std::int32_t>(u32());
          if (n < 0) fail("negative LONG4 length");
          push(makeInt(
              littleEndianSigned(take(static_cast<std::size_t>(n)), static_cast<std::size_t>(n))));
          break;
        }
        case 'I': {  // INT (text); "01"/"00" are protocol 0's True/False
          const std::string_view s = line();
          if (s == "01" || s == "00") {
            push(makeBool(s == "01"));
          } else {
            push(makeInt(parseInt(s)));
          }
          break;
        }
        case 'L': {  // LONG (text)
          std::string_view s = line();
          if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
          push(makeInt(parseInt(s)));
          break;
        }
        case 'F':
          push(makeFloat(parseFloat(line())));
          break;
        case 'G': {  // BINFLOAT: big-endian IEEE double
          const char* p = take(8);
          std::uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(p[i]);
          double v;
          std::memcpy(&v, &bits, sizeof v);
          push(makeFloat(v));
          break;
        }
        case 'V':  // UNICODE (protocol 0 text)
          push(makeStr(decodeRawUnicodeEscape(line())));
          break;
        case 'X':
          pushText(u32(), Kind::Str);
          break;
        case 0x8c:
          pushText(u8(), Kind::Str);
          break;
        case 0x8d:
          pushText(u64(), Kind::Str);
          break;
        case 'T': {  // BINSTRING (Python 2 str)
          const auto n = static_cast<std::int32_t>(u32());
          if (n < 0) fail("negative BINSTRING length");
          pushText(static_cast<std::uint64_t>(n), Kind::Str);
          break;
        }
        case 'U':
          pushText(u8(), Kind::Str);
          break;
        case 'B':
          pushText(u32(), Kind::Bytes);
          break;
        case 'C':
          pushText(u8(), Kind::Bytes);
          break;
        case 0x8e:
          pushText(u64(), Kind::Bytes);
          break;
        case 0x96:
          pushText(u64(), Kind::Bytes);
          break;
        case ']':
          push(container(Kind::List));
          break;
        case 'l': {
          Ref list = container(Kind::List);
          list->items = popMark();
          push(list);
          break;
        }
        case 'a': {
          Ref value = pop();
          expect(top(), Kind::List, "APPEND target")->items.push_back(std::move(value));
          break;
        }
        case 'e': {
          std::vector<Ref> values = popMark();
          Ref list = expect(top(), Kind::List, "APPENDS target");
          list->items.insert(list->items.end(), values.begin(), values.end());
          break;
        }
        case ')':
          push(container(Kind::Tuple));
          break;
        case 't':
          push(makeTuple(popMark()));
          break;
        case 0x85:
          push(makeTuple(popN(1)));
          break;
        case 0x86:
          push(makeTuple(popN(2)));
          break;
        case 0x87:
          push(makeTuple(popN(3)));
          break;
        case '}':
          push(container(Kind::Dict));
          break;
        case 'd': {
          Ref dict = container(Kind::Dict);
          setItems(dict, popMark());
          push(dict);
          break;
        }
        case 's': {
          Ref value = pop();
          Ref key = pop();
          setItem(expect(top(), Kind::Dict, "SETITEM target"), key, value);
          break;
        }
        case 'u': {
          std::vector<Ref> values = popMark();
          setItems(expect(top(), Kind::Dict, "SETITEMS target"), values);
          break;
        }
        case 'c': {  // GLOBAL "module\nname\n"
          const std::string module(line());
          const std::string name(line());
          push(resolveGlobal(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          Ref name = pop();
          Ref module = pop();
          if (module->kind != Kind::Str || name->kind != Kind::Str)
            fail("STACK_GLOBAL needs two strings");
          push(resolveGlobal(module->text, name->text));
          break;
        }
        case 'R': {  // REDUCE
          Ref args = expect(pop(), Kind::Tuple, "REDUCE arguments");
          Ref callable = pop();
          push(call(callable, args));
          break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
          Ref args = expect(pop(), Kind::Tuple, "NEWOBJ arguments");
          push(newObject(pop(), args));
          break;
        }
        case 0x92: {  // NEWOBJ_EX
          Ref kwargs = expect(pop(), Kind::Dict, "NEWOBJ_EX keyword arguments");
          Ref args = expect(pop(), Kind::Tuple, "NEWOBJ_EX arguments");
          if (!kwargs->keys.empty()) fail("NEWOBJ_EX with keyword arguments is not supported");
          push(newObject(pop(), args));
          break;
        }
        case 'b': {  // BUILD
          Ref state = pop();
          build(top(), state);
          break;
        }
        case 'Q':
          push(persistentLoad(pop()));
          break;
        case 'h':
          get(u8());
          break;
        case 'j':
          get(u32());
          break;
        case 'g':
          get(static_cast<std::uint64_t>(parseInt(line())));
          break;
        case 'q':
          put(u8());
          break;
        case 'r':
          put(u32());
          break;
        case 'p':
          put(static_cast<std::uint64_t>(parseInt(line())));
          break;
        case 0x94:
          put(memo_.size());
          break;  // MEMOIZE
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unsupported or invalid pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  // ---- errors and raw reads ----------------------------------------------------------------
  [[noreturn]] void fail(const std::string& problem) const {
    throw sfr::Error(subject_,
                     part_ + ": " + problem + " (at byte " + std::to_string(opPos_) + ")");
  }

  const char* take(std::uint64_t n) {
    if (n > data_.size() - pos_) fail("unexpected end of the pickle data (truncated?)");
    const char* p = data_.data() + pos_;
    pos_ += static_cast<std::size_t>(n);
    return p;
  }
  std::uint64_t littleEndian(std::size_t n) {
    const char* p = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
  }
  std::uint64_t u8() { return littleEndian(1); }
  std::uint64_t u16() { return littleEndian(2); }
  std::uint64_t u32() { return littleEndian(4); }
  std::uint64_t u64() { return littleEndian(8); }

  std::int64_t littleEndianSigned(const char* p, std::size_t n) {
    if (n == 0) return 0;
    // Python writes the minimal two's-complement form; longer forms must still fit in 64 bits.
    std::size_t used = n;
    const auto last = static_cast<unsigned char>(p[n - 1]);
    const bool negative = last & 0x80;
    while (used > 8) {
      if (static_cast<unsigned char>(p[used - 1]) != (negative ? 0xFF : 0x00))
        fail("integer larger than 64 bits");
      --used;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < used; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    if (used < 8 && negative) v |= ~std::uint64_t{0} << (8 * used);
    if (used == 8 && n > 8 && (static_cast<unsigned char>(p[7]) & 0x80) != (negative ? 0x80 : 0))
      fail("integer larger than 64 bits");
    return static_cast<std::int64_t>(v);
  }

  std::string_view line() {
    const std::size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) fail("unterminated text argument (truncated?)");
    std::string_view s = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  std::int64_t parseInt(std::string_view s) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
      fail("invalid integer '" + std::string(s.substr(0, 40)) + "'");
    return v;
  }
  double parseFloat(std::string_view s) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty())
      fail("invalid float '" + std::string(s.substr(0, 40)) + "'");
    return v;
  }

  // Protocol 0 str: latin-1 bytes with \uXXXX / \UXXXXXXXX escapes, returned as UTF-8.
  std::string decodeRawUnicodeEscape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      std::uint32_t code = static_cast<unsigned char>(s[i]);
      if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
        const std::size_t digits = s[i + 1] == 'u' ? 4 : 8;
        if (i + 2 + digits > s.size()) fail("truncated \\u escape in a text string");
        const char* first = s.data() + i + 2;
        const auto [ptr, ec] = std::from_chars(first, first + digits, code, 16);
        if (ec != std::errc() || ptr != first + digits || code > 0x10FFFF)
          fail("invalid \\u escape in a text string");
        i += 1 + digits;
      }
      if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
    }
    return out;
  }

  // ---- stack ---------------------------------------------------------------------------------
  void push(Ref r) { stack_.push_back(std::move(r)); }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Ref pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    Ref r = std::move(stack_.back());
    stack_.pop_back();
    return r;
  }
  const Ref& top() {
    if (stack_.size() <= floor()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Ref> popN(std::size_t n) {
    if (stack_.size() - floor() < n) fail("stack underflow");
    std::vector<Ref> out(std::make_move_iterator(stack_.end() - static_cast<std::ptrdiff_t>(n)),
                         std::make_move_iterator(stack_.end()));
    stack_.resize(stack_.size() - n);
    return out;
  }
  std::vector<Ref> popMark() {
    if (marks_.empty()) fail("missing MARK");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Ref> out(
        std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
        std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return out;
  }
  void get(std::uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " does not exist");
    push(it->second);
  }
  void put(std::uint64_t index) { memo_[index] = top(); }

  Ref expect(const Ref& r, Kind kind, const char* what) {
    if (r->kind != kind)
      fail(std::string(what) + " is a " + kindName(r->kind) + ", expected a " + kindName(kind));
    return r;
  }

  // ---- values --------------------------------------------------------------------------------
  // Containers are registered so the destructor can break reference cycles (a list appended
  // to itself is legal pickle) and free deep nests without deep recursion.
  Ref container(Kind kind) {
    Ref r = make(kind);
    containers_.push_back(r);
    return r;
  }

  static Ref makeBool(bool v) {
    Ref r = make(Kind::Bool);
    r->boolean = v;
    return r;
  }
  static Ref makeFloat(double v) {
    Ref r = make(Kind::Float);
    r->real = v;
    return r;
  }
  Ref makeTuple(std::vector<Ref> items) {
    Ref r = container(Kind::Tuple);
    r->items = std::move(items);
    return r;
  }
  void pushText(std::uint64_t n, Kind kind) {
    const char* p = take(n);
    push(makeStr(std::string(p, static_cast<std::size_t>(n)), kind));
  }

  void setItem(const Ref& dict, const Ref& key, const Ref& value) {
    std::size_t slot = dict->keys.size();
    if (key->kind == Kind::Str) {
      slot = dict->strIndex.emplace(key->text, slot).first->second;
    } else if (key->kind == Kind::Int) {
      slot = dict->intIndex.emplace(key->integer, slot).first->second;
    } else {
      fail(std::string("unsupported dict key type ") + kindName(key->kind));
    }
    if (slot == dict->keys.size()) {
      dict->keys.push_back(key);
      dict->items.push_back(value);
    } else {
      dict->items[slot] = value;  // Python keeps the first position and the last value
    }
  }
  void setItems(const Ref& dict, const std::vector<Ref>& flat) {
    if (flat.size() % 2 != 0) fail("odd number of items for a dict");
    for (std::size_t i = 0; i < flat.size(); i += 2) setItem(dict, flat[i], flat[i + 1]);
  }

  // ---- globals and calls ---------------------------------------------------------------------
  Ref resolveGlobal(const std::string& module, const std::string& name) {
    Ref g = make(Kind::Global);
    g->text = module + "." + name;
    auto is = [&](const char* m, const char* n) { return module == m && name == n; };
    if (is("collections", "OrderedDict")) {
      g->global = GlobalId::OrderedDict;
    } else if (is("torch._utils", "_rebuild_tensor_v2")) {
      g->global = GlobalId::RebuildTensorV2;
    } else if (is("torch._utils", "_rebuild_tensor")) {
      g->global = GlobalId::RebuildTensor;
    } else if (is("torch._utils", "_rebuild_parameter")) {
      g->global = GlobalId::RebuildParameter;
    } else if (is("torch._utils", "_rebuild_parameter_with_state")) {
      g->global = GlobalId::RebuildParameterWithState;
    } else if (is("torch._tensor", "_rebuild_from_type_v2")) {
      g->global = GlobalId::RebuildFromTypeV2;
    } else if (is("torch", "device")) {
      g->global = GlobalId::Device;
    } else if (is("torch", "Size")) {
      g->global = GlobalId::Size;
    } else if (is("torch", "Tensor") || is("torch._tensor", "Tensor")) {
      g->global = GlobalId::TensorType;
    } else if (is("torch.nn.parameter", "Parameter")) {
      g->global = GlobalId::ParameterType;
    } else if (module == "torch" || module == "torch.cuda") {
      g->global = GlobalId::StorageType;
      if (name == "UntypedStorage") {
        g->dtype = c10::ScalarType::Byte;
      } else {
        for (const StorageTypeInfo& info : kStorageTypes)
          if (name == info.name) g->dtype = info.dtype;
      }
      if (g->dtype == c10::ScalarType::Undefined) fail("unsupported global '" + g->text + "'");
    } else {
      fail("unsupported global '" + g->text + "'");
    }
    return g;
  }

  Ref call(const Ref& callable, const Ref& argsRef) {
    if (callable->kind != Kind::Global)
      fail(std::string("REDUCE on a ") + kindName(callable->kind) + ", expected a global");
    const std::vector<Ref>& args = argsRef->items;
    auto arity = [&](std::size_t lo, std::size_t hi) {
      if (args.size() < lo || args.size() > hi)
        fail(callable->text + " called with " + std::to_string(args.size()) + " arguments");
    };
    switch (callable->global) {
      case GlobalId::OrderedDict: {
        arity(0, 1);
        Ref dict = container(Kind::Dict);
        if (args.size() == 1) {
          const Ref& pairs = args[0];
          if (pairs->kind != Kind::List && pairs->kind != Kind::Tuple)
            fail("OrderedDict argument is a " + std::string(kindName(pairs->kind)));
          for (const Ref& pair : pairs->items) {
            if ((pair->kind != Kind::Tuple && pair->kind != Kind::List) || pair->items.size() != 2)
              fail("OrderedDict item is not a pair");
            setItem(dict, pair->items[0], pair->items[1]);
          }
        }
        return dict;
      }
      case GlobalId::RebuildTensorV2:
        arity(6, 7);  // (storage, offset, size, stride, requires_grad, hooks[, metadata])
        return rebuildTensor(args[0], args[1], args[2], args[3], asBool(args[4], "requires_grad"));
      case GlobalId::RebuildTensor:
        arity(4, 4);
        return rebuildTensor(args[0], args[1], args[2], args[3], false);
      case GlobalId::RebuildParameter:
        arity(3, 3);  // (data, requires_grad, backward_hooks)
        return withRequiresGrad(args[0], asBool(args[1], "requires_grad"));
      case GlobalId::RebuildParameterWithState:
        arity(4, 4);
        requireEmptyState(args[3]);
        return withRequiresGrad(args[0], asBool(args[1], "requires_grad"));
      case GlobalId::RebuildFromTypeV2: {
        arity(4, 4);  // (func, new_type, args, state)
        const Ref& type = args[1];
        if (type->kind != Kind::Global ||
            (type->global != GlobalId::TensorType && type->global != GlobalId::ParameterType))
          fail("_rebuild_from_type_v2 of an unsupported tensor subclass");
        Ref tensor = call(args[0], expect(args[2], Kind::Tuple, "_rebuild_from_type_v2 arguments"));
        expect(tensor, Kind::Tensor, "_rebuild_from_type_v2 result");
        requireEmptyState(args[3]);
        return tensor;
      }
      case GlobalId::Device: {
        arity(1, 2);
        std::string device = expect(args[0], Kind::Str, "torch.device argument")->text;
        if (args.size() == 2)
          device += ":" + std::to_string(expect(args[1], Kind::Int, "device index")->integer);
        return makeStr(device);
      }
      case GlobalId::Size: {
        arity(1, 1);
        const Ref& dims = args[0];
        if (dims->kind != Kind::Tuple && dims->kind != Kind::List)
          fail("torch.Size argument is not a sequence");
        return makeTuple(dims->items);
      }
      default:
        fail("calling '" + callable->text + "' is not supported");
    }
  }

  Ref newObject(const Ref& cls, const Ref& args) {
    if (cls->kind == Kind::Global && cls->global == GlobalId::OrderedDict && args->items.empty())
      return container(Kind::Dict);
    fail("cannot create an object of " +
         (cls->kind == Kind::Global ? "'" + cls->text + "'" : std::string(kindName(cls->kind))));
  }

  void build(const Ref& target, const Ref& state) {
    // OrderedDict state is the instance __dict__ (state_dict's `_metadata`): not part of the data.
    if (target->kind == Kind::Dict) return;
    if (target->kind == Kind::Tensor) {
      requireEmptyState(state);
      return;
    }
    fail(std::string("BUILD on a ") + kindName(target->kind) + " is not supported");
  }

  void requireEmptyState(const Ref& state) {
    const bool empty =
        state->kind == Kind::None || (state->kind == Kind::Dict && state->keys.empty()) ||
        (state->kind == Kind::Tuple && [&] {
          for (const Ref& item : state->items)
            if (!(item->kind == Kind::None || (item->kind == Kind::Dict && item->keys.empty())))
              return false;
          return true;
        }());
    if (!empty) fail("tensors with Python attributes are not supported");
  }

  bool asBool(const Ref& r, const char* what) {
    if (r->kind == Kind::Bool) return r->boolean;
    if (r->kind == Kind::Int) return r->integer != 0;
    fail(std::string(what) + " is a " + kindName(r->kind) + ", expected a bool");
  }

  std::vector<std::int64_t> intTuple(const Ref& r, const char* what) {
    if (r->kind != Kind::Tuple && r->kind != Kind::List)
      fail(std::string(what) + " is a " + kindName(r->kind) + ", expected a tuple");
    std::vector<std::int64_t> out;
    out.reserve(r->items.size());
    for (const Ref& item : r->items) {
      if (item->kind != Kind::Int) fail(std::string(what) + " holds a " + kindName(item->kind));
      out.push_back(item->integer);
    }
    return out;
  }

  Ref persistentLoad(const Ref& pid) {
    // Zip files: ('storage', type, key, location, numel); legacy adds view metadata.
    if (pid->kind != Kind::Tuple || pid->items.empty() || pid->items[0]->kind != Kind::Str ||
        pid->items[0]->text != "storage")
      fail("unsupported persistent id (expected a ('storage', ...) tuple)");
    const std::vector<Ref>& f = pid->items;
    if (f.size() != 5 && f.size() != 6)
      fail("storage persistent id with " + std::to_string(f.size()) + " fields");
    if (f[1]->kind != Kind::Global || f[1]->global != GlobalId::StorageType)
      fail("storage persistent id without a storage type");
    StorageRequest request;
    request.dtype = f[1]->dtype;
    if (f[2]->kind == Kind::Str) {
      request.key = f[2]->text;
    } else if (f[2]->kind == Kind::Int) {
      request.key = std::to_string(f[2]->integer);
    } else {
      fail("storage key is a " + std::string(kindName(f[2]->kind)));
    }
    request.location = expect(f[3], Kind::Str, "storage location")->text;
    request.numel = expect(f[4], Kind::Int, "storage size")->integer;
    if (request.numel < 0) fail("negative storage size");
    at::Tensor base = loader_(request);
    if (!base.defined() || base.dim() != 1 || base.scalar_type() != request.dtype ||
        base.numel() < request.numel)
      fail("storage '" + request.key + "' could not be provided");
    Ref storage = make(Kind::Storage);
    storage->tensor = base;
    storage->numel = request.numel;
    if (f.size() == 6 && f[5]->kind != Kind::None) {
      // Legacy view of a root storage: (view_key, offset, view_size), in elements.
      const Ref& view = expect(f[5], Kind::Tuple, "storage view metadata");
      if (view->items.size() != 3) fail("storage view metadata needs 3 fields");
      const std::int64_t offset = expect(view->items[1], Kind::Int, "view offset")->integer;
      const std::int64_t size = expect(view->items[2], Kind::Int, "view size")->integer;
      if (offset < 0 || size < 0 || offset > request.numel || size > request.numel - offset)
        fail("storage view outside its storage '" + request.key + "'");
      storage->offset = offset;
      storage->numel = size;
    }
    return storage;
  }

  Ref rebuildTensor(const Ref& storageRef, const Ref& offsetRef, const Ref& sizeRef,
                    const Ref& strideRef, bool requiresGrad) {
    const Ref& storage = expect(storageRef, Kind::Storage, "tensor storage");
    const std::int64_t offset = expect(offsetRef, Kind::Int, "tensor storage offset")->integer;
    const std::vector<std::int64_t> size = intTuple(sizeRef, "tensor size");
    const std::vector<std::int64_t> stride = intTuple(strideRef, "tensor stride");
    if (size.size() != stride.size()) fail("tensor size and stride differ in length");
    if (offset < 0 || offset > storage->numel) fail("tensor storage offset out of range");
    // The highest element touched must lie inside the storage (checked without overflow).
    bool empty = false;
    std::int64_t last = offset;
    for (std::size_t d = 0; d < size.size(); ++d) {
      if (size[d] < 0 || stride[d] < 0) fail("negative tensor size or stride");
      if (size[d] == 0) empty = true;
    }
    if (!empty) {
      for (std::size_t d = 0; d < size.size(); ++d) {
        std::int64_t reach = 0;
        if (__builtin_mul_overflow(size[d] - 1, stride[d], &reach) ||
            __builtin_add_overflow(last, reach, &last))
          fail("tensor extent overflows");
      }
      if (last >= storage->numel)
        fail("storage too short for the tensor (needs " + std::to_string(last + 1) +
             " elements, has " + std::to_string(storage->numel) + ")");
    }
    Ref tensor = make(Kind::Tensor);
    tensor->tensor = storage->tensor.as_strided(size, stride, storage->offset + offset);
    if (requiresGrad) tensor->tensor.set_requires_grad(true);
    return tensor;
  }

  Ref withRequiresGrad(const Ref& tensorRef, bool requiresGrad) {
    const Ref& tensor = expect(tensorRef, Kind::Tensor, "parameter data");
    Ref out = make(Kind::Tensor);
    out->tensor = tensor->tensor.detach();  // same memory, its own autograd flag
    out->tensor.set_requires_grad(requiresGrad);
    return out;
  }

  const std::string& subject_;
  const std::string& part_;
  const StorageLoader& loader_;
  std::string_view data_;
  std::size_t pos_;
  std::size_t opPos_ = 0;
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Ref> memo_;
  std::vector<Ref> containers_;
};

class Converter {
 public:
  Converter(const std::string& subject, const std::string& part) : subject_(subject), part_(part) {}

  c10::IValue convert(const Ref& r, int depth = 0) {
    if (depth > kMaxDepth)
      fail("objects nested deeper than " + std::to_string(kMaxDepth) + " levels");
    switch (r->kind) {
      case Kind::None:
        return c10::IValue();
      case Kind::Bool:
        return c10::IValue(r->boolean);
      case Kind::Int:
        return c10::IValue(r->integer);
      case Kind::Float:
        return c10::IValue(r->real);
      case Kind::Str:
      case Kind::Bytes:
        return c10::IValue(r->text);
      case Kind::Tensor:
        return c10::IValue(r->tensor);
      case Kind::Storage:
        return c10::IValue(r->tensor.narrow(0, r->offset, r->numel));
      case Kind::Tuple: {
        std::vector<c10::IValue> items;
        items.reserve(r->items.size());
        for (const Ref& item : r->items) items.push_back(convert(item, depth + 1));
        return c10::ivalue::Tuple::create(std::move(items));
      }
      case Kind::List: {
        c10::impl::GenericList list(c10::AnyType::get());
        list.reserve(r->items.size());
        for (const Ref& item : r->items) list.push_back(convert(item, depth + 1));
        return c10::IValue(list);
      }
      case Kind::Dict: {
        const bool intKeys = !r->keys.empty() && r->keys.front()->kind == Kind::Int;
        if (intKeys ? !r->strIndex.empty() : !r->intIndex.empty())
          fail("dict mixes str and int keys");
        c10::impl::GenericDict dict(
            intKeys ? c10::TypePtr(c10::IntType::get()) : c10::TypePtr(c10::StringType::get()),
            c10::AnyType::get());
        dict.reserve(r->keys.size());
        for (std::size_t i = 0; i < r->keys.size(); ++i) {
          const c10::IValue key =
              intKeys ? c10::IValue(r->keys[i]->integer) : c10::IValue(r->keys[i]->text);
          dict.insert(key, convert(r->items[i], depth + 1));
        }
        return c10::IValue(dict);
      }
      case Kind::Global:
        fail("the pickle returns a bare global '" + r->text + "'");
    }
    fail("unknown object");
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw sfr::Error(subject_, part_ + ": " + problem);
  }
  const std::string& subject_;
  const std::string& part_;
};

}  // namespace

std::string storageTypeName(c10::ScalarType dtype) {
  for (const StorageTypeInfo& info : kStorageTypes)
    if (info.dtype == dtype) return info.name;
  return {};
}

Unpickler::Unpickler(std::string subject, std::string part, StorageLoader loader)
    : subject_(std::move(subject)), part_(std::move(part)), loader_(std::move(loader)) {}

c10::IValue Unpickler::load(std::string_view data, std::size_t& pos) {
  if (pos > data.size())
    throw sfr::Error(subject_, part_ + ": start position past the end of the data");
  try {
    Machine machine(subject_, part_, loader_, data, pos);
    const Ref result = machine.run();
    c10::IValue value = Converter(subject_, part_).convert(result);
    pos = machine.position();
    return value;
  } catch (const sfr::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw sfr::Error(subject_, part_ + ": " + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw sfr::Error(subject_, part_ + ": out of memory");
  }
}

c10::IValue Unpickler::load(std::string_view data) {
  std::size_t pos = 0;
  c10::IValue value = load(data, pos);
  if (pos != data.size())
    throw sfr::Error(subject_,
                     part_ + ": " + std::to_string(data.size() - pos) + " bytes after STOP");
  return value;
}

}  // namespace sfr::engine
