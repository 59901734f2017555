// Protobuf wire format (protobuf.dev, "Encoding"): a message is a sequence of (key, value) with
// key = varint(field << 3 | wire type). Wire types: 0 varint, 1 fixed64, 2 length-delimited
// (strings, bytes, sub-messages, packed repeated scalars), 5 fixed32. Types 3 and 4 (groups) are
// deprecated and absent from onnx.proto, so they are rejected rather than guessed at. Every
// length is checked against the bytes left before it is used; nothing is allocated from a size
// the file states until the data is known to be there.
#include "sfr/engine/checkpoint/onnx_model.h"

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// ModelProto / GraphProto / NodeProto / AttributeProto / TensorProto / ValueInfoProto fields.
constexpr uint32_t kModelIrVersion = 1, kModelGraph = 7;
constexpr uint32_t kGraphNode = 1, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12;
constexpr uint32_t kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4,
                   kNodeAttribute = 5;
constexpr uint32_t kAttributeName = 1, kAttributeTensor = 5;
constexpr uint32_t kTensorDims = 1, kTensorDataType = 2, kTensorFloatData = 4, kTensorInt64Data = 7,
                   kTensorName = 8, kTensorRawData = 9, kTensorDataLocation = 14;
constexpr uint32_t kValueInfoName = 1;

// One message's bytes; `base` is their offset in the file, so errors can say where.
class WireReader {
 public:
  WireReader(std::string_view data, size_t base, const std::string& source, const char* message)
      : data_(data), base_(base), source_(&source), message_(message) {}

  bool atEnd() const { return pos_ >= data_.size(); }

  // The next field's number and wire type; false at the end of the message.
  bool nextField(uint32_t& field, uint32_t& wire) {
    if (atEnd()) return false;
    const uint64_t key = varint();
    wire = static_cast<uint32_t>(key & 7);
    if ((key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF) fail("invalid field number");
    field = static_cast<uint32_t>(key >> 3);
    if (wire != kVarint && wire != kFixed64 && wire != kLengthDelimited && wire != kFixed32)
      fail("unsupported wire type " + std::to_string(wire) + " (field " + std::to_string(field) +
           ")");
    return true;
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (atEnd()) fail("truncated varint");
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("varint longer than 10 bytes");
  }

  // A length-delimited value.
  std::string_view bytes() { return take(varint()); }

  // `n` raw bytes (fixed32 / fixed64 values).
  std::string_view take(uint64_t n) {
    if (n > data_.size() - pos_)
      fail("truncated: a value of " + std::to_string(n) + " bytes with " +
           std::to_string(data_.size() - pos_) + " left");
    std::string_view out = data_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }

  WireReader subMessage(const char* message) {
    const uint64_t length = varint();
    const size_t offset = base_ + pos_;
    return WireReader(take(length), offset, *source_, message);
  }

  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint:
        varint();
        break;
      case kFixed64:
        take(8);
        break;
      case kFixed32:
        take(4);
        break;
      default:
        bytes();
    }
  }

  // Fails unless the field has the wire type onnx.proto gives it.
  void expect(uint32_t wire, uint32_t expected, uint32_t field) const {
    if (wire != expected)
      fail("field " + std::to_string(field) + " has wire type " + std::to_string(wire) +
           " instead of " + std::to_string(expected));
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(*source_, std::string(message_) + " at byte " + std::to_string(base_ + pos_) +
                              ": " + problem);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t base_;
  const std::string* source_;
  const char* message_;
};

std::string readString(WireReader& r, uint32_t wire, uint32_t field) {
  r.expect(wire, kLengthDelimited, field);
  return std::string(r.bytes());
}

// Repeated int64 fields (dims, int64_data) may be packed (one length-delimited run of varints)
// or not (one varint per key); a parser must accept both.
void readInt64s(WireReader& r, uint32_t wire, uint32_t field, std::vector<int64_t>& out) {
  if (wire == kVarint) {
    out.push_back(static_cast<int64_t>(r.varint()));
    return;
  }
  r.expect(wire, kLengthDelimited, field);
  WireReader packed = r.subMessage("packed int64 list");
  while (!packed.atEnd()) out.push_back(static_cast<int64_t>(packed.varint()));
}

// Repeated float (float_data): packed run of 4-byte values, or one fixed32 per key.
void readFloats(WireReader& r, uint32_t wire, uint32_t field, std::string& out) {
  if (wire == kFixed32) {
    out.append(r.take(4));
    return;
  }
  r.expect(wire, kLengthDelimited, field);
  const std::string_view b = r.bytes();
  if (b.size() % 4 != 0) r.fail("packed float list of " + std::to_string(b.size()) + " bytes");
  out.append(b);
}

OnnxTensor readTensor(WireReader r) {
  OnnxTensor t;
  std::string_view raw;
  bool has_raw = false;
  std::string float_data;  // little-endian float32 bytes
  std::vector<int64_t> int64_data;
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    switch (field) {
      case kTensorDims:
        readInt64s(r, wire, field, t.dims);
        break;
      case kTensorDataType:
        r.expect(wire, kVarint, field);
        t.data_type = static_cast<int32_t>(r.varint());
        break;
      case kTensorFloatData:
        readFloats(r, wire, field, float_data);
        break;
      case kTensorInt64Data:
        readInt64s(r, wire, field, int64_data);
        break;
      case kTensorName:
        t.name = readString(r, wire, field);
        break;
      case kTensorRawData:
        r.expect(wire, kLengthDelimited, field);
        raw = r.bytes();
        has_raw = true;
        break;
      case kTensorDataLocation:
        r.expect(wire, kVarint, field);
        if (r.varint() != 0) r.fail("tensor '" + t.name + "' uses external data (unsupported)");
        break;
      default:
        r.skip(wire);
    }
  }

  int64_t numel = 1;
  for (int64_t d : t.dims) {
    if (d < 0 || (d > 0 && numel > (int64_t{1} << 40) / d))
      r.fail("tensor '" + t.name + "' has invalid dims");
    numel *= d;
  }
  size_t element_size = 0;
  torch::Dtype dtype = torch::kFloat;
  if (t.data_type == static_cast<int32_t>(OnnxDataType::Float)) {
    element_size = 4;
  } else if (t.data_type == static_cast<int32_t>(OnnxDataType::Int64)) {
    element_size = 8;
    dtype = torch::kLong;
  } else {
    return t;  // kept for its name and dims; SFR reads no other element type
  }

  const auto bytes_needed = static_cast<size_t>(numel) * element_size;
  std::string_view data;
  std::string int64_bytes;
  if (has_raw) {
    data = raw;
  } else if (element_size == 4) {
    data = float_data;
  } else {
    int64_bytes.resize(int64_data.size() * 8);
    if (!int64_data.empty()) std::memcpy(int64_bytes.data(), int64_data.data(), int64_bytes.size());
    data = int64_bytes;
  }
  if (data.size() != bytes_needed)
    r.fail("tensor '" + t.name + "' holds " + std::to_string(data.size()) + " bytes, its dims " +
           c10::str(c10::IntArrayRef(t.dims)) + " need " + std::to_string(bytes_needed));
  // raw_data is little-endian, as is every host LibTorch runs on here.
  t.value = torch::empty(t.dims, torch::TensorOptions().dtype(dtype));
  if (bytes_needed > 0) std::memcpy(t.value.data_ptr(), data.data(), bytes_needed);
  return t;
}

std::pair<std::string, OnnxTensor> readAttribute(WireReader r, bool& has_tensor) {
  std::pair<std::string, OnnxTensor> out;
  has_tensor = false;
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    if (field == kAttributeName) {
      out.first = readString(r, wire, field);
    } else if (field == kAttributeTensor) {
      r.expect(wire, kLengthDelimited, field);
      out.second = readTensor(r.subMessage("TensorProto"));
      has_tensor = true;
    } else {
      r.skip(wire);
    }
  }
  return out;
}

OnnxNode readNode(WireReader r) {
  OnnxNode node;
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    switch (field) {
      case kNodeInput:
        node.input.push_back(readString(r, wire, field));
        break;
      case kNodeOutput:
        node.output.push_back(readString(r, wire, field));
        break;
      case kNodeName:
        node.name = readString(r, wire, field);
        break;
      case kNodeOpType:
        node.op_type = readString(r, wire, field);
        break;
      case kNodeAttribute: {
        r.expect(wire, kLengthDelimited, field);
        bool has_tensor = false;
        auto attribute = readAttribute(r.subMessage("AttributeProto"), has_tensor);
        if (has_tensor) node.tensor_attributes.push_back(std::move(attribute));
        break;
      }
      default:
        r.skip(wire);
    }
  }
  return node;
}

std::string readValueInfoName(WireReader r) {
  std::string name;
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    if (field == kValueInfoName)
      name = readString(r, wire, field);
    else
      r.skip(wire);
  }
  return name;
}

void readGraph(WireReader r, OnnxModel& model) {
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    switch (field) {
      case kGraphNode:
        r.expect(wire, kLengthDelimited, field);
        model.nodes.push_back(readNode(r.subMessage("NodeProto")));
        break;
      case kGraphInitializer:
        r.expect(wire, kLengthDelimited, field);
        model.initializers.push_back(readTensor(r.subMessage("TensorProto")));
        break;
      case kGraphInput:
        r.expect(wire, kLengthDelimited, field);
        model.inputs.push_back(readValueInfoName(r.subMessage("ValueInfoProto")));
        break;
      case kGraphOutput:
        r.expect(wire, kLengthDelimited, field);
        model.outputs.push_back(readValueInfoName(r.subMessage("ValueInfoProto")));
        break;
      default:
        r.skip(wire);
    }
  }
}

}  // namespace

const OnnxTensor* OnnxNode::constantValue() const {
  if (op_type != "Constant") return nullptr;
  for (const auto& [name, tensor] : tensor_attributes)
    if (name == "value") return &tensor;
  return nullptr;
}

void OnnxModel::index() {
  initializer_index_.clear();
  constant_index_.clear();
  consumer_index_.clear();
  for (size_t i = 0; i < initializers.size(); ++i) initializer_index_[initializers[i].name] = i;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].constantValue())
      for (const std::string& out : nodes[i].output) constant_index_[out] = i;
    for (const std::string& in : nodes[i].input) {
      auto& list = consumer_index_[in];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
}

const OnnxTensor* OnnxModel::initializer(const std::string& name) const {
  const auto it = initializer_index_.find(name);
  return it == initializer_index_.end() ? nullptr : &initializers[it->second];
}

const OnnxTensor* OnnxModel::constant(const std::string& name) const {
  const auto it = constant_index_.find(name);
  return it == constant_index_.end() ? nullptr : nodes[it->second].constantValue();
}

std::vector<const OnnxNode*> OnnxModel::consumers(const std::string& name) const {
  std::vector<const OnnxNode*> out;
  const auto it = consumer_index_.find(name);
  if (it != consumer_index_.end())
    for (size_t i : it->second) out.push_back(&nodes[i]);
  return out;
}

OnnxModel parseOnnxModel(std::string_view bytes, const std::string& source) {
  OnnxModel model;
  WireReader r(bytes, 0, source, "ModelProto");
  bool has_graph = false;
  uint32_t field = 0, wire = 0;
  while (r.nextField(field, wire)) {
    if (field == kModelIrVersion) {
      r.expect(wire, kVarint, field);
      model.ir_version = static_cast<int64_t>(r.varint());
    } else if (field == kModelGraph) {
      r.expect(wire, kLengthDelimited, field);
      readGraph(r.subMessage("GraphProto"), model);
      has_graph = true;
    } else {
      r.skip(wire);
    }
  }
  if (!has_graph) throw Error(source, "not an ONNX model: no graph");
  model.index();
  return model;
}

OnnxModel readOnnxModel(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), "cannot open the ONNX file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path.string(), "reading the ONNX file failed");
  return parseOnnxModel(bytes, path.string());
}

std::string onnxScopePath(const std::string& node_name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= node_name.size()) {
    const size_t slash = node_name.find('/', start);
    const size_t end = slash == std::string::npos ? node_name.size() : slash;
    if (end > start) parts.push_back(node_name.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!parts.empty()) parts.pop_back();  // the op name
  std::vector<std::string> path;
  for (const std::string& p : parts) {
    if (!path.empty() && p.rfind(path.back() + ".", 0) == 0)
      path.back() = p;
    else
      path.push_back(p);
  }
  std::string out;
  for (const std::string& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

}  // namespace sfr::engine
