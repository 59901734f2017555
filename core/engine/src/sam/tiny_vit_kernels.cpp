#include "tiny_vit_kernels.h"

#include <algorithm>
#include <cmath>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SFR_TINY_VIT_AVX2 1
#include <immintrin.h>
#endif

namespace sfr::engine::detail {

size_t windowAttentionScratchFloats(int64_t n, int64_t d) {
  const int64_t np = windowAttentionStride(n);
  return static_cast<size_t>(d * np + n * np + n);
}

#ifdef SFR_TINY_VIT_AVX2

#define SFR_AVX2 __attribute__((target("avx2,fma")))

namespace {

// Cephes' expf: exp(x) = 2^n exp(r), |r| <= ln2 / 2, degree-5 polynomial; relative error ~2e-7.
// Inputs below -88.38 give 0 (so -inf gives 0), above 88.38 give ~FLT_MAX.
SFR_AVX2 inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
  x = _mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f));
  __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i n = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
  return _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(n, 23)));
}

// GELU with erf from Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7).
SFR_AVX2 inline __m256 gelu256(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f));
  const __m256 az = _mm256_andnot_ps(sign, z);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), az, one));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  const __m256 e = exp256(_mm256_xor_ps(_mm256_mul_ps(az, az), sign));
  const __m256 erf_abs = _mm256_fnmadd_ps(p, e, one);
  const __m256 erf = _mm256_xor_ps(erf_abs, _mm256_and_ps(z, sign));
  const __m256 hx = _mm256_mul_ps(x, _mm256_set1_ps(0.5f));
  return _mm256_fmadd_ps(hx, erf, hx);
}

float geluScalar(float x) {
  return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
}

SFR_AVX2 inline float hmax256(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

SFR_AVX2 inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// S[i0 + r][j0 + 8 cv ..] = scale * sum_c q[i0 + r][c] kT[c][j0 + 8 cv ..] + bias[..], for R rows
// and CV vectors of 8 columns.
template <int R, int CV>
SFR_AVX2 inline void scoreTile(const float* const* rows, const float* kT, int64_t np,
                               const float* bias, float scale, int64_t d, int64_t i0, int64_t j0,
                               float* S) {
  __m256 acc[R][CV];
  for (int r = 0; r < R; ++r)
    for (int cv = 0; cv < CV; ++cv) acc[r][cv] = _mm256_setzero_ps();
  for (int64_t c = 0; c < d; ++c) {
    __m256 kv[CV];
    for (int cv = 0; cv < CV; ++cv) kv[cv] = _mm256_loadu_ps(kT + c * np + j0 + 8 * cv);
    for (int r = 0; r < R; ++r) {
      const __m256 qb = _mm256_broadcast_ss(rows[i0 + r] + c);
      for (int cv = 0; cv < CV; ++cv) acc[r][cv] = _mm256_fmadd_ps(qb, kv[cv], acc[r][cv]);
    }
  }
  const __m256 s = _mm256_set1_ps(scale);
  for (int r = 0; r < R; ++r)
    for (int cv = 0; cv < CV; ++cv) {
      const int64_t at = (i0 + r) * np + j0 + 8 * cv;
      _mm256_storeu_ps(S + at, _mm256_fmadd_ps(acc[r][cv], s, _mm256_loadu_ps(bias + at)));
    }
}

template <int R>
SFR_AVX2 inline void scoreRows(const float* const* rows, const float* kT, int64_t np,
                               const float* bias, float scale, int64_t d, int64_t i0, float* S) {
  int64_t j = 0;
  for (; j + 16 <= np; j += 16) scoreTile<R, 2>(rows, kT, np, bias, scale, d, i0, j, S);
  for (; j < np; j += 8) scoreTile<R, 1>(rows, kT, np, bias, scale, d, i0, j, S);
}

// out[i0 + r][c0 + 8 cv ..] = rinv[i0 + r] * sum_j P[i0 + r][j] v[j][c0 + 8 cv ..].
template <int R, int CV>
SFR_AVX2 inline void valueTile(const float* P, int64_t np, const float* const* rows, int64_t d,
                               const float* rinv, int64_t n, int64_t i0, int64_t c0,
                               float* const* outs) {
  __m256 acc[R][CV];
  for (int r = 0; r < R; ++r)
    for (int cv = 0; cv < CV; ++cv) acc[r][cv] = _mm256_setzero_ps();
  for (int64_t j = 0; j < n; ++j) {
    __m256 vv[CV];
    const float* v = rows[j] + 2 * d + c0;
    for (int cv = 0; cv < CV; ++cv) vv[cv] = _mm256_loadu_ps(v + 8 * cv);
    for (int r = 0; r < R; ++r) {
      const __m256 p = _mm256_broadcast_ss(P + (i0 + r) * np + j);
      for (int cv = 0; cv < CV; ++cv) acc[r][cv] = _mm256_fmadd_ps(p, vv[cv], acc[r][cv]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float* out = outs[i0 + r];
    if (!out) continue;
    const __m256 s = _mm256_set1_ps(rinv[i0 + r]);
    for (int cv = 0; cv < CV; ++cv)
      _mm256_storeu_ps(out + c0 + 8 * cv, _mm256_mul_ps(acc[r][cv], s));
  }
}

template <int R>
SFR_AVX2 inline void valueRows(const float* P, int64_t np, const float* const* rows,
                               const float* rinv, int64_t n, int64_t d, int64_t i0,
                               float* const* outs) {
  int64_t c = 0;
  for (; c + 32 <= d; c += 32) valueTile<R, 4>(P, np, rows, d, rinv, n, i0, c, outs);
  for (; c < d; c += 8) valueTile<R, 1>(P, np, rows, d, rinv, n, i0, c, outs);
}

SFR_AVX2 void geluAvx2(const float* a, const float* b, float* out, int64_t n) {
  int64_t i = 0;
  if (b) {
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(out + i,
                       gelu256(_mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
    for (; i < n; ++i) out[i] = geluScalar(a[i] + b[i]);
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, gelu256(_mm256_loadu_ps(a + i)));
    for (; i < n; ++i) out[i] = geluScalar(a[i]);
  }
}

SFR_AVX2 void attentionAvx2(const float* const* rows, float* const* outs, const float* bias,
                            float scale, int64_t n, int64_t d, float* scratch) {
  const int64_t np = windowAttentionStride(n);
  float* kT = scratch;       // d x np, zero beyond column n
  float* S = kT + d * np;    // n x np scores, then probabilities (unnormalised)
  float* rinv = S + n * np;  // 1 / row sums
  for (int64_t c = 0; c < d; ++c) {
    for (int64_t j = 0; j < n; ++j) kT[c * np + j] = rows[j][d + c];
    for (int64_t j = n; j < np; ++j) kT[c * np + j] = 0.0f;
  }
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) scoreRows<4>(rows, kT, np, bias, scale, d, i, S);
  for (; i < n; ++i) scoreRows<1>(rows, kT, np, bias, scale, d, i, S);
  for (i = 0; i < n; ++i) {
    float* row = S + i * np;
    __m256 m = _mm256_loadu_ps(row);
    for (int64_t j = 8; j < np; j += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(row + j));
    const __m256 mx = _mm256_set1_ps(hmax256(m));
    __m256 sum = _mm256_setzero_ps();
    for (int64_t j = 0; j < np; j += 8) {
      const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(row + j), mx));
      _mm256_storeu_ps(row + j, e);
      sum = _mm256_add_ps(sum, e);
    }
    rinv[i] = 1.0f / hsum256(sum);
  }
  for (i = 0; i + 2 <= n; i += 2) valueRows<2>(S, np, rows, rinv, n, d, i, outs);
  for (; i < n; ++i) valueRows<1>(S, np, rows, rinv, n, d, i, outs);
}

// One output pixel's channels [c, c + 8): bias + sum over the in-range taps.
SFR_AVX2 inline __m256 dwPixel(const float* const* rows, const float* w, const float* bias,
                               int64_t x0, int64_t W, int64_t C, int64_t c) {
  __m256 acc = _mm256_loadu_ps(bias + c);
  for (int ky = 0; ky < 3; ++ky) {
    if (!rows[ky]) continue;
    for (int kx = 0; kx < 3; ++kx) {
      const int64_t ix = x0 + kx;
      if (ix < 0 || ix >= W) continue;
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(rows[ky] + ix * C + c),
                            _mm256_loadu_ps(w + (ky * 3 + kx) * C + c), acc);
    }
  }
  return acc;
}

SFR_AVX2 void depthwiseAvx2(const float* in, int64_t H, int64_t W, int64_t C, const float* w,
                            const float* bias, int64_t s, bool gelu, float* out, int64_t oy0,
                            int64_t oy1) {
  const int64_t Wo = (W - 1) / s + 1;
  // Output columns whose three taps are all inside the image.
  const int64_t inner0 = 1, inner1 = std::min(Wo, (W - 2) / s + 1);
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    const float* rows[3];
    for (int ky = 0; ky < 3; ++ky) {
      const int64_t iy = oy * s - 1 + ky;
      rows[ky] = (iy >= 0 && iy < H) ? in + iy * W * C : nullptr;
    }
    float* orow = out + oy * Wo * C;
    for (int64_t c = 0; c < C; c += 8) {
      __m256 wk[9];
      for (int k = 0; k < 9; ++k) wk[k] = _mm256_loadu_ps(w + k * C + c);
      const __m256 b = _mm256_loadu_ps(bias + c);
      const bool full = rows[0] && rows[2];
      for (int64_t ox = 0; ox < Wo; ++ox) {
        __m256 acc;
        if (full && ox >= inner0 && ox < inner1) {
          const int64_t at = (ox * s - 1) * C + c;
          acc = b;
          for (int ky = 0; ky < 3; ++ky) {
            const float* p = rows[ky] + at;
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(p), wk[ky * 3], acc);
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + C), wk[ky * 3 + 1], acc);
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2 * C), wk[ky * 3 + 2], acc);
          }
        } else {
          acc = dwPixel(rows, w, bias, ox * s - 1, W, C, c);
        }
        if (gelu) acc = gelu256(acc);
        _mm256_storeu_ps(orow + ox * C + c, acc);
      }
    }
  }
}

}  // namespace

bool tinyVitKernelsAvailable() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

void geluErfKernel(const float* a, const float* b, float* out, int64_t n) {
  geluAvx2(a, b, out, n);
}

void windowAttentionKernel(const float* const* rows, float* const* outs, const float* bias,
                           float scale, int64_t n, int64_t d, float* scratch) {
  attentionAvx2(rows, outs, bias, scale, n, d, scratch);
}

void depthwise3x3Kernel(const float* in, int64_t H, int64_t W, int64_t C, const float* weight,
                        const float* bias, int64_t stride, bool gelu, float* out, int64_t oy0,
                        int64_t oy1) {
  depthwiseAvx2(in, H, W, C, weight, bias, stride, gelu, out, oy0, oy1);
}

#else  // not x86-64 with GCC/Clang: tiny_vit.cpp never calls the kernels

bool tinyVitKernelsAvailable() {
  return false;
}
void geluErfKernel(const float*, const float*, float*, int64_t) {}
void windowAttentionKernel(const float* const*, float* const*, const float*, float, int64_t,
                           int64_t, float*) {}

void depthwise3x3Kernel(const float*, int64_t, int64_t, int64_t, const float*, const float*,
                        int64_t, bool, float*, int64_t, int64_t) {}

#endif

}  // namespace sfr::engine::detail
