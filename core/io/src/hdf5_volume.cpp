#include "hdf5_volume.h"

#include <hdf5.h>

#include <mutex>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

/// The HDF5 library serialises its calls anyway (thread-safe build) or is not thread safe at all
/// (other builds); one lock keeps both cases and the error-printing switch below correct.
std::mutex& hdf5Lock() {
  static std::mutex lock;
  return lock;
}

/// Turns off HDF5's printing of its error stack for the lifetime of the object (the stack is
/// read and turned into the sfr::Error message instead).
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

/// Owns an HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

/// The innermost (most specific) description on HDF5's error stack, e.g. "truncated file: eof =
/// 4096, sblock->base_addr = 0, stored_eof = 1565847"; the stack is cleared.
std::string hdf5Reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* entry, void* out) -> herr_t {
        auto* text = static_cast<std::string*>(out);
        if (text->empty() && entry->desc && *entry->desc) *text = entry->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "no details from the HDF5 library" : reason;
}

std::vector<std::string> rootMembers(hid_t file) {
  std::vector<std::string> names;
  H5G_info_t group;
  if (H5Gget_info(file, &group) >= 0)
    for (hsize_t n = 0; n < group.nlinks; ++n) {
      char name[256] = {};
      if (H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, n, name, sizeof name,
                             H5P_DEFAULT) >= 0)
        names.emplace_back(name);
    }
  H5Eclear2(H5E_DEFAULT);
  return names;
}

/// True when `name` at the root of `file` is a dataset (not a group or a named datatype).
bool isDataset(hid_t file, const std::string& name) {
  Handle object(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
  return object.valid() && H5Iget_type(object.get()) == H5I_DATASET;
}

std::string typeClassName(H5T_class_t type) {
  switch (type) {
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_REFERENCE:
      return "reference";
    case H5T_TIME:
      return "time";
    default:
      return "unknown";
  }
}

}  // namespace

ImageVolume readHdf5Volume(const fs::path& path, const std::string& name, const Vec3& spacing) {
  const std::string subject = path.string();
  const std::lock_guard<std::mutex> guard(hdf5Lock());
  QuietHdf5Errors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Error(subject, "not an HDF5 file (no HDF5 signature)");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid())
    throw Error(subject, "HDF5 file cannot be opened (truncated or corrupt?): " + hdf5Reason());

  if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    std::string members;
    for (const std::string& member : rootMembers(file.get()))
      members += (members.empty() ? "" : ", ") + member;
    throw Error(subject, "HDF5 file has no dataset '" + name +
                             "' (its root holds: " + (members.empty() ? "nothing" : members) + ")");
  }
  if (!isDataset(file.get(), name)) {
    H5Eclear2(H5E_DEFAULT);
    throw Error(subject, "HDF5 object '" + name + "' is not a dataset (a group?)");
  }
  Handle dataset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid())
    throw Error(subject, "HDF5 dataset '" + name + "' cannot be opened: " + hdf5Reason());

  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0)
    throw Error(subject, "HDF5 dataset '" + name + "' has an unreadable shape: " + hdf5Reason());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::string shape = "(";
  for (int a = 0; a < rank; ++a) shape += (a ? ", " : "") + std::to_string(dims[a]);
  shape += ")";
  if (rank != 3)
    throw Error(subject, "HDF5 dataset '" + name + "' has rank " + std::to_string(rank) +
                             " (shape " + shape + "); expected rank 3 (X, Y, Z)");
  for (hsize_t d : dims)
    if (d == 0) throw Error(subject, "HDF5 dataset '" + name + "' is empty (shape " + shape + ")");

  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  const H5T_class_t typeClass = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  if (typeClass != H5T_INTEGER && typeClass != H5T_FLOAT)
    throw Error(subject, "HDF5 dataset '" + name + "' has unsupported datatype class " +
                             typeClassName(typeClass) + "; integer or float voxels are expected");

  const std::size_t nx = dims[0], ny = dims[1], nz = dims[2];
  std::vector<float> stored(nx * ny * nz);
  if (H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data()) < 0)
    throw Error(subject, "HDF5 dataset '" + name +
                             "' cannot be read (truncated or corrupt data?): " + hdf5Reason());

  Geometry geometry;
  geometry.size = {nx, ny, nz};
  geometry.spacing = spacing;
  geometry.origin = {0.0, 0.0, 0.0};
  // NIfTI's RAS identity affine seen in ITK's LPS convention (what the NIfTI twins read as).
  geometry.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  ImageVolume volume(geometry);
  float* out = volume.data();
  // Stored element [x][y][z] sits at (x*Y + y)*Z + z; the volume wants x fastest.
  for (std::size_t x = 0; x < nx; ++x)
    for (std::size_t y = 0; y < ny; ++y) {
      const float* row = stored.data() + (x * ny + y) * nz;
      for (std::size_t z = 0; z < nz; ++z) out[x + nx * (y + ny * z)] = row[z];
    }
  return volume;
}

bool hdf5HasDataset(const fs::path& path, const std::string& name) {
  const std::lock_guard<std::mutex> guard(hdf5Lock());
  QuietHdf5Errors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  bool found = false;
  if (file.valid() && H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0)
    found = isDataset(file.get(), name);
  H5Eclear2(H5E_DEFAULT);
  return found;
}

}  // namespace sfr::io::detail
