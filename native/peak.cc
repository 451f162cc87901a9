// The machine's arithmetic peak, for the benchmarks' "% of peak" figures: a tight loop of independent
// accumulator chains of one instruction (vfmadd231ps ymm/zmm, vdpbf16ps zmm, vpdpbusd ymm/zmm, AMX), on 1..N
// std::threads of its own (not the kernels' pool, so the pool's state is untouched). Enough chains
// (12 ymm, 16 zmm) to cover the FMA latency on two ports; AMX: tdpbf16ps / tdpbssd into four tiles. The kind names the instruction, so the CPU's
// own abilities decide what runs, not ALBERT_ISA's cap.
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "simd.h"

#if defined(ALBERT_HAS_AVX2) && defined(__linux__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#define ALBERT_PEAK_AMX 1
#endif

namespace albert {
namespace {

constexpr int64_t kInner = 4096;  // loop passes between clock reads

struct Kind {
  const char* name;
  double ops_per_pass;  // FLOP (or int8 OP) of one pass over every chain
  bool (*supported)();
  double (*loop)(int64_t passes);  // returns a value that depends on every chain, so nothing is elided
};

#if defined(ALBERT_HAS_AVX2)
// __builtin_cpu_supports takes literals only (and checks XCR0: the OS saves the vector state)
bool sup_avx2() { __builtin_cpu_init(); return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool sup_avx512() { return sup_avx2() && __builtin_cpu_supports("avx512f"); }
bool sup_bf16() { return sup_avx512() && __builtin_cpu_supports("avx512bf16"); }
bool sup_vnni512() { return sup_avx512() && __builtin_cpu_supports("avx512vnni"); }
bool sup_avxvnni() { return sup_avx2() && __builtin_cpu_supports("avxvnni"); }

// x * 0.999 + 1e-7 converges: no overflow, no denormals
ALBERT_AVX2 double loop_avx2(int64_t passes) {
  __m256 a[12];
  const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(float(i));
  for (int64_t r = 0; r < passes; r++)
    for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], x, y);
  __m256 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
  return hsum8(s);
}

// stored and summed: GCC 12's _mm512_reduce_add_* warn about an uninitialized temporary
ALBERT_AVX512 double sum_lanes(__m512 v) {
  alignas(64) float f[16];
  _mm512_store_ps(f, v);
  double t = 0;
  for (float e : f) t += e;
  return t;
}

ALBERT_AVX512 double loop_avx512(int64_t passes) {
  __m512 a[16];
  const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(float(i));
  for (int64_t r = 0; r < passes; r++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], x, y);
  __m512 s = a[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
  return sum_lanes(s);
}

ALBERT_AVX512BF16 double loop_bf16(int64_t passes) {
  __m512 a[16];
  // bf16 pairs of ~1e-3: each pass adds ~2e-6 per lane
  const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3a833a83), y = (__m512bh)_mm512_set1_epi32(0x3a833a83);
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(float(i));
  for (int64_t r = 0; r < passes; r++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_dpbf16_ps(a[i], x, y);
  __m512 s = a[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
  return sum_lanes(s);
}

ALBERT_AVX512VNNI double loop_vnni512(int64_t passes) {
  __m512i a[16];
  const __m512i x = _mm512_set1_epi8(1), y = _mm512_set1_epi8(1);  // int32 wrap-around is harmless
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_epi32(i);
  for (int64_t r = 0; r < passes; r++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_dpbusd_epi32(a[i], x, y);
  __m512i s = a[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_epi32(s, a[i]);
  return sum_lanes(_mm512_cvtepi32_ps(s));
}

ALBERT_AVXVNNI double loop_avxvnni(int64_t passes) {
  __m256i a[12];
  const __m256i x = _mm256_set1_epi8(1), y = _mm256_set1_epi8(1);
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_epi32(i);
  for (int64_t r = 0; r < passes; r++)
    for (int i = 0; i < 12; i++) a[i] = _mm256_dpbusd_avx_epi32(a[i], x, y);
  __m256i s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_epi32(s, a[i]);
  alignas(32) int32_t v[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(v), s);
  double t = 0;
  for (int32_t e : v) t += e;
  return t;
}

#if defined(ALBERT_PEAK_AMX)
// AMX: CPUID leaf 7 EDX (AMX-BF16 bit 22, AMX-TILE 24, AMX-INT8 25), and Linux's permission for the tile
// data (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA; asked once, for the whole process)
bool amx_bit(int bit) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  static const bool permitted = syscall(SYS_arch_prctl, 0x1023, 18) == 0;
  return ((d >> 24) & 1) && ((d >> bit) & 1) && permitted;
}
bool sup_amx_bf16() { return amx_bit(22); }
bool sup_amx_int8() { return amx_bit(25); }

struct alignas(64) TileConfig { uint8_t palette, start_row, reserved[14]; uint16_t colsb[16]; uint8_t rows[16]; };

// four 16x16 accumulator tiles (0-3) from two A tiles (4, 5) and two B tiles (6, 7), all 16 rows x 64 bytes;
// the tile state is per thread, so each call configures and releases it
template <bool kBf16>
__attribute__((target("amx-tile,amx-bf16,amx-int8"))) double loop_amx(int64_t passes) {
  TileConfig cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 8; t++) { cfg.colsb[t] = 64; cfg.rows[t] = 16; }
  _tile_loadconfig(&cfg);
  alignas(64) uint8_t src[16 * 64];
  std::memset(src, 0, sizeof src);
  _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
  _tile_loadd(4, src, 64); _tile_loadd(5, src, 64); _tile_loadd(6, src, 64); _tile_loadd(7, src, 64);
  for (int64_t r = 0; r < passes; r++) {
    if (kBf16) { _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7); _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7); }
    else { _tile_dpbssd(0, 4, 6); _tile_dpbssd(1, 4, 7); _tile_dpbssd(2, 5, 6); _tile_dpbssd(3, 5, 7); }
  }
  alignas(64) float out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}
#endif

// ops per pass: chains x lanes x (2 per multiply-add; vdpbf16ps: 2 pairs; vpdpbusd: 4 byte pairs)
const Kind kKinds[] = {
    {"avx2_fma", 12 * 8 * 2, sup_avx2, loop_avx2},
    {"avx512_fma", 16 * 16 * 2, sup_avx512, loop_avx512},
    {"avx512_bf16", 16 * 16 * 2 * 2, sup_bf16, loop_bf16},
    {"avx512_vnni", 16 * 16 * 4 * 2, sup_vnni512, loop_vnni512},
    {"avx_vnni", 12 * 8 * 4 * 2, sup_avxvnni, loop_avxvnni},
#if defined(ALBERT_PEAK_AMX)
    // per tile product: 16 x 16 outputs x 32 bf16 pairs (or 64 int8 pairs) x 2
    {"amx_bf16", 4 * 16 * 16 * 32 * 2, sup_amx_bf16, loop_amx<true>},
    {"amx_int8", 4 * 16 * 16 * 64 * 2, sup_amx_int8, loop_amx<false>},
#endif
};
#else
bool sup_none() { return false; }
double loop_none(int64_t) { return 0; }
const Kind kKinds[] = {{"avx2_fma", 0, sup_none, loop_none}};
#endif

std::atomic<double> sink{0};

/** G(FL)OP/s of `threads` threads each running the kind's loop for ~seconds. */
double measure(const Kind& k, int threads, double seconds) {
  using clock = std::chrono::steady_clock;
  std::atomic<bool> go{false};
  std::vector<int64_t> passes(threads, 0);
  std::vector<std::thread> pool;
  k.loop(kInner);  // warm up the vector units (AVX-512 frequency licence) before timing
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      while (!go.load(std::memory_order_acquire)) {}
      const auto end = clock::now() + std::chrono::duration<double>(seconds);
      double acc = 0;
      int64_t n = 0;
      do { acc += k.loop(kInner); n += kInner; } while (clock::now() < end);
      passes[t] = n;
      sink.store(acc, std::memory_order_relaxed);
    });
  }
  const auto t0 = clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  const double dt = std::chrono::duration<double>(clock::now() - t0).count();
  double total = 0;
  for (int64_t n : passes) total += double(n);
  return total * k.ops_per_pass / dt / 1e9;
}

napi_value throw_error(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
  return nullptr;
}

// fmaPeak(kind: string, threads: number, seconds: number): number (GFLOP/s, or GOP/s for int8)
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return throw_error(env, "fmaPeak(kind, threads, seconds): 3 arguments expected");
  char name[32] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) return throw_error(env, "fmaPeak: kind must be a string");
  int32_t threads = 0;
  double seconds = 0;
  if (napi_get_value_int32(env, argv[1], &threads) != napi_ok || threads < 1 || threads > 1024) return throw_error(env, "fmaPeak: threads must be an integer in [1, 1024]");
  if (napi_get_value_double(env, argv[2], &seconds) != napi_ok || !(seconds > 0 && seconds <= 60)) return throw_error(env, "fmaPeak: seconds must be in (0, 60]");
  for (const Kind& k : kKinds) {
    if (std::strcmp(k.name, name)) continue;
    if (!k.supported()) return throw_error(env, std::string("fmaPeak: this CPU has no ") + name);
    napi_value out;
    napi_create_double(env, measure(k, threads, seconds), &out);
    return out;
  }
  return throw_error(env, std::string("fmaPeak: unknown kind \"") + name + "\"");
}

// fmaPeakKinds(): string[], the kinds this CPU runs
napi_value FmaPeakKinds(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (const Kind& k : kKinds) {
    if (!k.supported()) continue;
    napi_value s;
    napi_create_string_utf8(env, k.name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i++, s);
  }
  return arr;
}

}  // namespace

void register_peak(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback fn; } fns[] = {{"fmaPeak", FmaPeak}, {"fmaPeakKinds", FmaPeakKinds}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
}

}  // namespace albert
