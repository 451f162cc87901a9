// Branch-free elementary functions written so that loops calling them auto-vectorize
// (std::exp and friends are opaque library calls that do not). Range reduction
// x = k ln2 + r, |r| <= ln2 / 2, then a Taylor polynomial for e^r and 2^k built from its bits.
#pragma once
#include <cstdint>
#include <cstring>

// Hot loops are compiled twice on x86-64 Linux: baseline SSE2 and x86-64-v3 (AVX2 + FMA), picked
// at load time, so the published addon runs on any x86-64 yet uses AVX2 where present.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(ALBERT_NO_MULTIVERSION)
#define ALBERT_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ALBERT_MULTIVERSION
#endif

namespace albert {

template <class To, class From>
static inline To bits(From f) {
  To t;
  std::memcpy(&t, &f, sizeof(t));
  return t;
}

/** e^x in float, ~2 ulp; 0 below -87.3 (so masked softmax entries are exactly 0). */
static inline float exp_f(float x) {
  const float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer held in the low bits
  float xc = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  float t = xc * 1.44269504088896341f + kMagic;
  int32_t k = bits<int32_t>(t) - bits<int32_t>(kMagic);
  float kf = t - kMagic;
  float r = xc - kf * 0.693145751953125f - kf * 1.428606765330187e-06f;  // ln2 split hi + lo
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  float e = p * bits<float>((k + 127) << 23);
  return x < -87.3f ? 0.0f : e;
}

/** e^x in double, ~1e-15 relative, for x in [-700, 700]. */
static inline double exp_d(double x) {
  const double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  double xc = x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);
  double t = xc * 1.4426950408889634 + kMagic;
  int64_t k = bits<int64_t>(t) - bits<int64_t>(kMagic);
  double kf = t - kMagic;
  double r = xc - kf * 6.93147180369123816490e-01 - kf * 1.90821492927058770002e-10;
  double p = 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * bits<double>((k + 1023) << 52);
}

}  // namespace albert
