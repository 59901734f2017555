#pragma once
// CPU kernels of TinyViT's inference path (tiny_vit.cpp): the exact-erf GELU and one window
// attention head, on raw float32 buffers. They are compiled for AVX2 + FMA with function
// attributes and chosen at run time (tinyVitKernelsAvailable()), so the library still runs on
// any x86-64 or other CPU: there tiny_vit.cpp uses LibTorch's operators instead. Single-threaded;
// the caller splits the work (at::parallel_for). Private to the engine; free of LibTorch.
#include <cstddef>
#include <cstdint>

namespace sfr::engine::detail {

/// True when this CPU runs the kernels below (x86-64 with AVX2 and FMA).
bool tinyVitKernelsAvailable();

/// out[i] = GELU(a[i] + b[i]) (b may be null: GELU(a[i])), GELU(x) = x/2 (1 + erf(x/sqrt 2)),
/// erf to within ~2e-7 absolute. `out` may alias `a` or `b`.
void geluErfKernel(const float* a, const float* b, float* out, int64_t n);

/// Floats of scratch windowAttentionKernel needs for n tokens of key width d.
size_t windowAttentionScratchFloats(int64_t n, int64_t d);

/// n rounded up to a multiple of 8: the row stride of windowAttentionKernel's bias.
inline int64_t windowAttentionStride(int64_t n) {
  return (n + 7) / 8 * 8;
}

/// One head of one window of n tokens: out = softmax(scale * q k^T + bias) v. Token i's q, k
/// and v are the d floats at rows[i], rows[i] + d and rows[i] + 2 d (rows may repeat, e.g. a
/// shared padding token); its output row goes to outs[i] (d floats), or nowhere when outs[i] is
/// null. `bias` is n rows of windowAttentionStride(n) floats whose columns from n on are
/// -infinity. d must be a multiple of 8. `scratch` holds windowAttentionScratchFloats(n, d)
/// floats.
void windowAttentionKernel(const float* const* rows, float* const* outs, const float* bias,
                           float scale, int64_t n, int64_t d, float* scratch);

/// Depthwise 3x3 convolution with padding 1 and stride 1 or 2 of one channels-last image `in`
/// (H, W, C): output rows [oy0, oy1) of out (Ho, Wo, C), Ho = (H - 1) / stride + 1 (likewise
/// Wo), with `weight` tap-major (3, 3, C) and `bias` (C); GELU applied to the result when
/// `gelu`. C must be a multiple of 8.
void depthwise3x3Kernel(const float* in, int64_t H, int64_t W, int64_t C, const float* weight,
                        const float* bias, int64_t stride, bool gelu, float* out, int64_t oy0,
                        int64_t oy1);

}  // namespace sfr::engine::detail
