// readTorchFile(): format detection, the zip layout (data.pkl + data/<key>) and the legacy
// stream (magic, protocol, sys info, object, storage keys, raw storages), both feeding the
// Unpickler. Storage sizes are checked against the bytes actually present before allocating.
#include <ATen/ATen.h>

#include <cstring>
#include <fstream>
#include <new>
#include <unordered_map>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/checkpoint/unpickler.h"
#include "sfr/engine/checkpoint/zip_archive.h"

namespace sfr::engine {
namespace {

// pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2): the legacy format's first pickle.
constexpr unsigned char kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                          0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
constexpr std::int64_t kLegacyProtocolVersion = 1001;

std::int64_t storageBytes(const std::string& subject, const StorageRequest& request) {
  std::int64_t bytes = 0;
  if (__builtin_mul_overflow(request.numel,
                             static_cast<std::int64_t>(c10::elementSize(request.dtype)), &bytes))
    throw sfr::Error(subject, "storage '" + request.key + "' size overflows");
  return bytes;
}

std::string typeName(const c10::IValue& v) {
  return v.tagKind();
}

c10::IValue readZip(const std::filesystem::path& path) {
  const std::string subject = path.string();
  ZipReader zip(path);
  const std::string prefix = zip.commonPrefix() + "/";
  const ZipEntry* pickle = zip.find(prefix + "data.pkl");
  if (!pickle) throw sfr::Error(subject, "not a torch.save archive (no " + prefix + "data.pkl)");
  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    if (order->size > 16 || zip.read(*order) != "little")
      throw sfr::Error(subject, "only little-endian checkpoints are supported");
  }
  const std::string program = zip.read(*pickle);

  std::unordered_map<std::string, at::Tensor> storages;
  auto loader = [&](const StorageRequest& request) -> at::Tensor {
    const auto known = storages.find(request.key);
    if (known != storages.end()) {
      if (known->second.scalar_type() != request.dtype || known->second.numel() != request.numel)
        throw sfr::Error(
            subject, "storage data/" + request.key + " is used with two different types or sizes");
      return known->second;
    }
    const ZipEntry* entry = zip.find(prefix + "data/" + request.key);
    if (!entry) throw sfr::Error(subject, "missing storage data/" + request.key);
    const std::int64_t bytes = storageBytes(subject, request);
    if (entry->size != static_cast<std::uint64_t>(bytes))
      throw sfr::Error(subject,
                       "storage data/" + request.key + " holds " + std::to_string(entry->size) +
                           " bytes but the pickle declares " + std::to_string(request.numel) + " " +
                           c10::toString(request.dtype) + " elements (" + std::to_string(bytes) +
                           " bytes)");
    at::Tensor storage = at::empty({request.numel}, at::TensorOptions().dtype(request.dtype));
    zip.readInto(*entry, storage.data_ptr(), static_cast<std::uint64_t>(bytes));
    storages.emplace(request.key, storage);
    return storage;
  };
  return Unpickler(subject, "data.pkl", loader).load(program);
}

c10::IValue readLegacy(const std::filesystem::path& path) {
  const std::string subject = path.string();
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw sfr::Error(subject, "cannot open the file");
  const auto size = static_cast<std::size_t>(file.tellg());
  std::string data(size, '\0');
  file.seekg(0);
  if (!file.read(data.data(), static_cast<std::streamsize>(size)))
    throw sfr::Error(subject, "read error");
  if (size < sizeof kLegacyMagic ||
      std::memcmp(data.data(), kLegacyMagic, sizeof kLegacyMagic) != 0)
    throw sfr::Error(subject, "legacy torch.save stream without the expected magic number");
  std::size_t pos = sizeof kLegacyMagic;

  auto noStorages = [&](const StorageRequest&) -> at::Tensor {
    throw sfr::Error(subject, "legacy header refers to a storage");
  };
  const c10::IValue protocol =
      Unpickler(subject, "legacy protocol version", noStorages).load(data, pos);
  if (!protocol.isInt() || protocol.toInt() != kLegacyProtocolVersion)
    throw sfr::Error(subject, "unsupported legacy protocol version");
  const c10::IValue sysInfo = Unpickler(subject, "legacy system info", noStorages).load(data, pos);
  if (!sysInfo.isGenericDict()) throw sfr::Error(subject, "legacy system info is not a dict");
  for (const auto& item : sysInfo.toGenericDict()) {
    if (item.key().isString() && item.key().toStringRef() == "little_endian" &&
        !(item.value().isBool() && item.value().toBool()))
      throw sfr::Error(subject, "only little-endian checkpoints are supported");
  }

  // Storages are allocated when the object pickle names them and filled afterwards.
  struct Pending {
    at::Tensor tensor;
    bool filled = false;
  };
  std::unordered_map<std::string, Pending> storages;
  auto loader = [&](const StorageRequest& request) -> at::Tensor {
    const auto known = storages.find(request.key);
    if (known != storages.end()) {
      if (known->second.tensor.scalar_type() != request.dtype ||
          known->second.tensor.numel() != request.numel)
        throw sfr::Error(subject,
                         "storage '" + request.key + "' is used with two different types or sizes");
      return known->second.tensor;
    }
    const std::int64_t bytes = storageBytes(subject, request);
    if (static_cast<std::uint64_t>(bytes) > data.size() - pos)
      throw sfr::Error(subject, "storage '" + request.key + "' declares " + std::to_string(bytes) +
                                    " bytes, more than the rest of the file (truncated?)");
    at::Tensor storage = at::empty({request.numel}, at::TensorOptions().dtype(request.dtype));
    storages.emplace(request.key, Pending{storage, false});
    return storage;
  };
  c10::IValue object = Unpickler(subject, "legacy object pickle", loader).load(data, pos);
  const c10::IValue keys =
      Unpickler(subject, "legacy storage key list", noStorages).load(data, pos);
  if (!keys.isList()) throw sfr::Error(subject, "legacy storage key list is not a list");

  for (const c10::IValue& keyValue : keys.toListRef()) {
    if (!keyValue.isString()) throw sfr::Error(subject, "legacy storage key is not a string");
    const std::string& key = keyValue.toStringRef();
    const auto it = storages.find(key);
    if (it == storages.end())
      throw sfr::Error(subject, "storage '" + key + "' is listed but never used");
    Pending& pending = it->second;
    if (pending.filled) throw sfr::Error(subject, "storage '" + key + "' is listed twice");
    if (data.size() - pos < 8)
      throw sfr::Error(subject, "truncated legacy file (storage '" + key + "')");
    std::int64_t count = 0;
    for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<unsigned char>(data[pos + i]);
    pos += 8;
    if (count != pending.tensor.numel())
      throw sfr::Error(subject, "storage '" + key + "' has " + std::to_string(count) +
                                    " elements in the file but " +
                                    std::to_string(pending.tensor.numel()) + " in the pickle");
    const std::size_t bytes = pending.tensor.nbytes();
    if (bytes > data.size() - pos)
      throw sfr::Error(subject, "truncated legacy file (storage '" + key + "')");
    if (bytes > 0) std::memcpy(pending.tensor.data_ptr(), data.data() + pos, bytes);
    pos += bytes;
    pending.filled = true;
  }
  for (const auto& [key, pending] : storages)
    if (!pending.filled) throw sfr::Error(subject, "storage '" + key + "' has no data in the file");
  return object;
}

}  // namespace

TorchFileFormat detectTorchFileFormat(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw sfr::Error(path.string(), "cannot open the file");
  unsigned char head[4] = {0, 0, 0, 0};
  file.read(reinterpret_cast<char*>(head), sizeof head);
  if (file.gcount() != sizeof head) return TorchFileFormat::Unknown;
  if (head[0] == 'P' && head[1] == 'K' && head[2] == 0x03 && head[3] == 0x04)
    return TorchFileFormat::Zip;
  if (std::memcmp(head, kLegacyMagic, sizeof head) == 0) return TorchFileFormat::Legacy;
  return TorchFileFormat::Unknown;
}

c10::IValue readTorchFile(const std::filesystem::path& path) {
  const std::string subject = path.string();
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw sfr::Error(subject, "is a folder, not a file");
    switch (detectTorchFileFormat(path)) {
      case TorchFileFormat::Zip:
        return readZip(path);
      case TorchFileFormat::Legacy:
        return readLegacy(path);
      case TorchFileFormat::Unknown:
        break;
    }
    throw sfr::Error(subject,
                     "not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy "
                     "torch.save stream)");
  } catch (const sfr::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw sfr::Error(subject, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw sfr::Error(subject, "out of memory");
  } catch (const std::exception& e) {
    throw sfr::Error(subject, e.what());
  }
}

NamedTensors toNamedTensors(const c10::IValue& value, const std::string& subject) {
  if (!value.isGenericDict())
    throw sfr::Error(subject, "expected a dict of tensors, found a " + typeName(value));
  NamedTensors out;
  const c10::impl::GenericDict dict = value.toGenericDict();
  out.reserve(dict.size());
  for (const auto& item : dict) {
    if (!item.key().isString()) throw sfr::Error(subject, "expected a dict with str keys");
    if (!item.value().isTensor())
      throw sfr::Error(subject, "key '" + item.key().toStringRef() + "' holds a " +
                                    typeName(item.value()) + ", not a tensor");
    out.emplace_back(item.key().toStringRef(), item.value().toTensor());
  }
  return out;
}

NamedTensors readStateDict(const std::filesystem::path& path) {
  return toNamedTensors(readTorchFile(path), path.string());
}

}  // namespace sfr::engine
