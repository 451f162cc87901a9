// Hand-written kernels per ISA beside portable ones, picked at run time by isa() (CPUID once at load,
// capped by ALBERT_ISA or set_isa), so one published addon runs on any x86-64 (and compiles elsewhere)
// yet uses AVX2 or AVX-512 where the CPU has them. Per-function target attributes, never -march: a whole
// file built with -mavx512f could leak AVX-512 copies of shared inline functions into the addon.
#pragma once
#include <cstdint>

#include "vmath.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(ALBERT_NO_MULTIVERSION)
#include <immintrin.h>
#define ALBERT_HAS_AVX2 1
#define ALBERT_AVX2 __attribute__((target("avx2,fma")))
#define ALBERT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))
#define ALBERT_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma")))
#define ALBERT_AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))
#define ALBERT_AVXVNNI __attribute__((target("avxvnni,avx2,fma")))
#endif

namespace albert {

/** Vector ISA levels, ordered: a level implies the ones below it. */
enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

/** The level kernels use: the CPU's best, capped by ALBERT_ISA (read once) and by set_isa. */
Isa isa();
/** The CPU's own best level, whatever the cap. */
Isa cpu_isa();
/** Caps the level (tests run every level the machine has); a level above cpu_isa() is clamped to it. */
void set_isa(Isa level);
const char* isa_name(Isa level);

/** Extensions beside the level, each false when isa() is below AVX-512 (resp. AVX2 for avx_vnni). */
bool has_avx512_bf16();
bool has_avx512_vnni();
bool has_avx_vnni();

/** The CPU has AVX2 + FMA and the kernels are not capped below it. */
inline bool use_avx2() { return isa() >= Isa::avx2; }
inline bool use_avx512() { return isa() >= Isa::avx512; }

#if defined(ALBERT_HAS_AVX2)
/** e^x lane-wise, the operations of vmath.h's exp_f: ~2 ulp, exactly 0 below -87.3. */
ALBERT_AVX2 inline __m256 exp8(__m256 x) {
  using namespace expk;
  const __m256 lo = _mm256_set1_ps(kLo), magic = _mm256_set1_ps(kMagic);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), _mm256_set1_ps(kHi));
  const __m256 t = _mm256_fmadd_ps(xc, _mm256_set1_ps(kLog2e), magic);
  const __m256i k = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic));
  const __m256 kf = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmadd_ps(kf, _mm256_set1_ps(kLn2Hi), xc);
  r = _mm256_fnmadd_ps(kf, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kPoly[0]);
  for (int i = 1; i < 8; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kPoly[i]));
  const __m256 two_k = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
  return _mm256_andnot_ps(under, _mm256_mul_ps(p, two_k));
}

ALBERT_AVX2 inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

ALBERT_AVX2 inline float hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}
#endif

}  // namespace albert
