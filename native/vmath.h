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

// exp_f's constants, shared with its 8-lane version (simd.h's exp8).
namespace expk {
constexpr float kLo = -87.3f, kHi = 88.3f;  // below kLo the result is 0; above kHi it is clamped
constexpr float kMagic = 12582912.0f;       // 1.5 * 2^23: adding it rounds to an integer held in the low bits
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693145751953125f, kLn2Lo = 1.428606765330187e-06f;  // ln2 split hi + lo
// Taylor coefficients of e^r, highest first (Horner)
constexpr float kPoly[8] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f};
}  // namespace expk

/** e^x in float, ~2 ulp; 0 below -87.3 (so masked softmax entries are exactly 0). */
static inline float exp_f(float x) {
  using namespace expk;
  float xc = x < kLo ? kLo : (x > kHi ? kHi : x);
  float t = xc * kLog2e + kMagic;
  int32_t k = bits<int32_t>(t) - bits<int32_t>(kMagic);
  float kf = t - kMagic;
  float r = xc - kf * kLn2Hi - kf * kLn2Lo;
  float p = kPoly[0];
  for (int i = 1; i < 8; i++) p = p * r + kPoly[i];
  float e = p * bits<float>((k + 127) << 23);
  return x < kLo ? 0.0f : e;
}

/** max of x[0..n), n >= 1, in 8 lanes (a plain max loop does not vectorize under IEEE rules). */
static inline float max_of(const float* x, int64_t n) {
  float m8[8];
  int64_t j = 0;
  if (n >= 8) {
    for (int t = 0; t < 8; t++) m8[t] = x[t];
    for (j = 8; j + 8 <= n; j += 8)
      for (int t = 0; t < 8; t++) m8[t] = x[j + t] > m8[t] ? x[j + t] : m8[t];
  } else {
    for (int t = 0; t < 8; t++) m8[t] = x[0];
  }
  float m = m8[0];
  for (int t = 1; t < 8; t++) m = m8[t] > m ? m8[t] : m;
  for (; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

}  // namespace albert
