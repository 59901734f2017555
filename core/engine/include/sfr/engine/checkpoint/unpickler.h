#pragma once
// A pickle virtual machine for the subset of Python objects torch.save writes (protocols 0..5
// opcodes, the torch rebuild functions and storage types, collections.OrderedDict). LibTorch's
// own unpickler maps OrderedDict to None, so state_dict() files cannot be read with it.
//
// Output is a c10::IValue: dicts and OrderedDicts become GenericDict (string or int keys,
// insertion order kept), lists GenericList, tuples Tuple, tensors Tensor (views of one storage
// share it, as in Python). Anything else (an unknown global, a malformed program) throws one
// sfr::Error naming the file.
#include <ATen/core/ivalue.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sfr::engine {

/// One storage named by a pickled persistent id ('storage', type, key, location, numel[, view]).
struct StorageRequest {
  std::string key;  ///< "0", "1", ... (zip: data/<key>; legacy: position in the key list)
  c10::ScalarType dtype;
  std::int64_t numel;    ///< element count of the whole storage
  std::string location;  ///< "cpu", "cuda:0", ...: informational, everything loads on the CPU
};

/// Returns the 1-D CPU tensor of `numel` elements backing a storage; the same key must give the
/// same tensor so that views share memory. Throws sfr::Error when the storage is unavailable.
using StorageLoader = std::function<at::Tensor(const StorageRequest&)>;

class Unpickler {
 public:
  /// `subject` (the file path) and `part` (e.g. "data.pkl") name the source in errors.
  Unpickler(std::string subject, std::string part, StorageLoader loader);

  /// Runs the pickle program starting at data[pos] until STOP and returns its value; `pos` is
  /// left just after STOP (legacy files hold several pickles back to back).
  c10::IValue load(std::string_view data, std::size_t& pos);

  /// Convenience: the whole of `data` is one pickle.
  c10::IValue load(std::string_view data);

 private:
  std::string subject_;
  std::string part_;
  StorageLoader loader_;
};

/// The torch storage class name of a dtype ("FloatStorage"), or "" when torch has none.
std::string storageTypeName(c10::ScalarType dtype);

}  // namespace sfr::engine
