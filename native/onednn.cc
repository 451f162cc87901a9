// The optional oneDNN engine (see onednn.h): prepacked matmuls in fp32, bf16 and int8.
//
// Threading: Debian's oneDNN runs on OpenMP (libgomp), a second thread team beside our pool. Instead, each
// call is cut into row blocks, one per pool thread, and each block runs oneDNN single-threaded (1 OpenMP
// thread) with its own stream and its own (user) scratchpad: the library's default scratchpad is shared
// between executions, and a primitive may not run on two threads at once without one of its own. Measured
// in the lab as fast as oneDNN's own two OpenMP threads, and it never leaves a spinning OpenMP team behind.
//
// Primitives are created on the calling thread before the tasks start (creation JITs, ~1 ms) and cached by
// shape; weights are reordered once into the layout the matmul asks for (format_tag::any).
#include "onednn.h"

#include <stdexcept>

#ifdef ALBERT_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl_debug.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "simd.h"

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 flags the _mm512_undefined_* inside its own AVX-512 intrinsics (a false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// libgomp's, resolved when the addon loads through libdnnl's own dependency on it (weak: no -fopenmp or
// -lgomp at link time; null if some other OpenMP runtime is in use, which then relies on OMP_NUM_THREADS).
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace albert {

struct DnnlWeights {
  DnnlType type;
  int64_t k, n;
  std::mutex mu;
  // packed[0]: the layout a representative shape asks for; more only if another row count asks for another
  std::vector<dnnl::memory> packed;
};

namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

// libgomp's thread count is per calling thread (a fresh pool worker gets OMP_NUM_THREADS, or the CPU
// count), so every thread that calls into oneDNN sets its own to 1 once. The JS loader sets
// OMP_NUM_THREADS=1 too, for runtimes this does not reach.
void one_omp_thread() {
  thread_local bool set = false;
  if (!set && omp_set_num_threads) omp_set_num_threads(1);
  set = true;
}

// Leaked on purpose (as the primitive cache): destroying oneDNN objects from static destructors at exit
// would race libdnnl's own teardown.
dnnl::engine& engine() {
  static dnnl::engine* e = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *e;
}

dt src_type(DnnlType t) { return t == DnnlType::f32 ? dt::f32 : t == DnnlType::bf16 ? dt::bf16 : dt::u8; }
dt wei_type(DnnlType t) { return t == DnnlType::f32 ? dt::f32 : t == DnnlType::bf16 ? dt::bf16 : dt::s8; }
dt dst_type(DnnlType t) { return t == DnnlType::s8 ? dt::s32 : dt::f32; }

memory::desc rows_desc(int64_t rows, int64_t cols, dt type, int64_t ld) { return memory::desc({rows, cols}, type, {ld, 1}); }

struct Prim {
  dnnl::matmul matmul;
  memory::desc src, wei, dst, bias, pad;
  float alpha = 1.0f;  // dnnl_gemm_bf16's (oneDNN 3 takes it as a run-time scale)
};

// A primitive's shape: row strides are part of it (a primitive is compiled for its descriptors).
struct Key {
  DnnlType type;
  int64_t m, n, k, lda, ldc;
  bool beta, bias;
  bool operator<(const Key& o) const {
    return std::tie(type, m, n, k, lda, ldc, beta, bias) < std::tie(o.type, o.m, o.n, o.k, o.lda, o.ldc, o.beta, o.bias);
  }
};

std::shared_ptr<const Prim> make_prim(const Key& key) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (key.beta) {  // C += : oneDNN's sum post-op reads C before it writes it
    dnnl::post_ops po;
    po.append_sum(1.0f);
    attr.set_post_ops(po);
  }
  const memory::desc src = rows_desc(key.m, key.k, src_type(key.type), key.lda);
  const memory::desc dst = rows_desc(key.m, key.n, dst_type(key.type), key.ldc);
  const memory::desc wei({key.k, key.n}, wei_type(key.type), tag::any);
  const memory::desc bias = key.bias ? memory::desc({1, key.n}, dt::f32, tag::ab) : memory::desc();
#if DNNL_VERSION_MAJOR >= 3
  const dnnl::matmul::primitive_desc pd(engine(), src, wei, bias, dst, attr);
#else
  const dnnl::matmul::desc d = key.bias ? dnnl::matmul::desc(src, wei, bias, dst) : dnnl::matmul::desc(src, wei, dst);
  const dnnl::matmul::primitive_desc pd(d, attr, engine());
#endif
  auto p = std::make_shared<Prim>();
  p->matmul = dnnl::matmul(pd);
  p->src = src;
  p->wei = pd.weights_desc();
  p->dst = dst;
  p->bias = bias;
  p->pad = pd.scratchpad_desc();
  return p;
}

// Many row counts (a server's batches) would grow the cache without end: past this many, it starts over.
constexpr size_t kMaxPrims = 256;

// One cache per kind of key (the prepacked matmuls' Key, the bf16 GEMM's GemmKey).
template <class K>
std::shared_ptr<const Prim> cached_prim(const K& key, std::shared_ptr<const Prim> (*make)(const K&)) {
  static auto* mu = new std::mutex;
  static auto* cache = new std::map<K, std::shared_ptr<const Prim>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  auto p = make(key);  // outside the lock: another JS thread may be creating its own
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxPrims) cache->clear();
  return cache->emplace(key, std::move(p)).first->second;
}

std::shared_ptr<const Prim> prim_for(const Key& key) { return cached_prim(key, make_prim); }

void reorder(memory& from, memory& to) {
  dnnl::stream s(engine());
  dnnl::reorder(from, to).execute(s, from, to);
  s.wait();
}

// The weights in the layout `want`: reordered from packed[0] the first time a shape asks for another
// layout (no plain copy is kept: it would double the memory for a case oneDNN 2.6 never produced here).
memory weights_for(DnnlWeights& w, const memory::desc& want) {
  std::lock_guard<std::mutex> lock(w.mu);
  for (const memory& m : w.packed)
    if (m.get_desc() == want) return m;
  memory out(want, engine());
  reorder(w.packed[0], out);
  w.packed.push_back(out);
  return out;
}

/** A 64-byte-aligned buffer that only grows. */
class Buf {
 public:
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { std::free(p_); }
  void* get(size_t bytes) {
    if (bytes > cap_) {
      std::free(p_);
      cap_ = (bytes + 63) / 64 * 64;
      p_ = std::aligned_alloc(64, cap_);
      if (!p_) {
        cap_ = 0;
        throw std::bad_alloc();
      }
    }
    return p_;
  }

 private:
  void* p_ = nullptr;
  size_t cap_ = 0;
};

// Per thread (a pool task runs on one thread at a time): its stream, scratchpad and converted operands.
struct Scratch {
  std::unique_ptr<dnnl::stream> stream;
  Buf pad, src, wei, acc, scale, zp;
};

Scratch& scratch() {
  thread_local Scratch s;
  if (!s.stream) s.stream = std::make_unique<dnnl::stream>(engine());
  return s;
}

// ---- bf16: round to nearest even, NaN kept a (quiet) NaN (as bf16.ts's roundBits) ----

inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

#if defined(ALBERT_HAS_AVX2)
// The same bits 16 at a time (not vcvtneps2bf16: it flushes denormals to zero)
ALBERT_AVX512 void to_bf16_avx512(const float* x, uint16_t* y, int64_t n) {
  const __m512i abs = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  const __m512i half = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x40);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    const __m512i u = _mm512_maskz_loadu_epi32(m, x + i), hi = _mm512_srli_epi32(u, 16);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs), inf);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(hi, one))), 16);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(hi, quiet));
    _mm512_mask_cvtepi32_storeu_epi16(y + i, m, r);
  }
}
#endif

// rows x k of A (row stride lda) into out (row stride ldo, k when 0)
void rows_to_bf16(const float* a, int64_t lda, int64_t rows, int64_t k, uint16_t* out, int64_t ldo = 0) {
  if (ldo == 0) ldo = k;
  for (int64_t r = 0; r < rows; r++) {
    const float* x = a + r * lda;
    uint16_t* y = out + r * ldo;
#if defined(ALBERT_HAS_AVX2)
    if (use_avx512()) {
      to_bf16_avx512(x, y, k);
      continue;
    }
#endif
    for (int64_t i = 0; i < k; i++) y[i] = to_bf16(x[i]);
  }
}

// ---- s8: dynamic per-row quantization of A, and the epilogue ----
//
// The exact arithmetic (a JS specification does the same, each operation rounded to fp32):
//   per row i of A:  lo = min(0, min_l a[i,l]),  hi = max(0, max_l a[i,l])
//                    s_i = (hi - lo) / 255;  if s_i == 0 then s_i = 1
//                    zp_i = clamp(nearbyint(-lo / s_i), 0, 255)          (ties to even)
//                    q[i,l] = clamp(nearbyint(a[i,l] / s_i) + zp_i, 0, 255)   (a division, not a reciprocal)
//   acc[i,j] = sum_l q[i,l] w[l,j]  (u8 x s8 -> s32, exact)
//   C[i,j]  = act(((s_i * wScale[j]) * float(acc[i,j] - zp_i * wColSum[j]) + bias[j]) + C[i,j])
//             (the products and sums in that order, none fused; "+ bias" without bias, "+ C" only with beta)
// acc - zp * colsum = sum_l (q - zp) w is exact in int32 for k <= 65536 (255 * 128 * 65536 < 2^31).
// NaN in A gives an unspecified (but finite-time, memory-safe) row.

inline float clamp255(float v) { return v >= 0.0f ? (v <= 255.0f ? v : 255.0f) : 0.0f; }  // NaN -> 0

void quantize_row_generic(const float* x, int64_t k, uint8_t* q, float* scale, int32_t* zp) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t l = 0; l < k; l++) {
    lo = x[l] < lo ? x[l] : lo;
    hi = x[l] > hi ? x[l] : hi;
  }
  float s = (hi - lo) / 255.0f;
  if (s == 0.0f) s = 1.0f;
  const float z = clamp255(std::nearbyint(-lo / s));
  for (int64_t l = 0; l < k; l++) q[l] = uint8_t(clamp255(std::nearbyint(x[l] / s) + z));
  *scale = s;
  *zp = int32_t(z);
}

#if defined(ALBERT_HAS_AVX2)
ALBERT_AVX512 void quantize_row_avx512(const float* x, int64_t k, uint8_t* q, float* scale, int32_t* zp) {
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();  // masked-off lanes load 0: min(0, .) anyway
  for (int64_t l = 0; l < k; l += 16) {
    const __mmask16 m = k - l >= 16 ? __mmask16(0xffff) : __mmask16((1u << (k - l)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + l);
    vlo = _mm512_min_ps(vlo, v);
    vhi = _mm512_max_ps(vhi, v);
  }
  const float lo = _mm512_reduce_min_ps(vlo), hi = _mm512_reduce_max_ps(vhi);
  float s = (hi - lo) / 255.0f;
  if (s == 0.0f) s = 1.0f;
  const float z = clamp255(std::nearbyint(-lo / s));
  const __m512 vs = _mm512_set1_ps(s), vz = _mm512_set1_ps(z), zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
  for (int64_t l = 0; l < k; l += 16) {
    const __mmask16 m = k - l >= 16 ? __mmask16(0xffff) : __mmask16((1u << (k - l)) - 1);
    const __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + l), vs);
    __m512 r = _mm512_add_ps(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vz);
    r = _mm512_min_ps(_mm512_max_ps(r, zero), top);  // max(NaN, 0) = 0, as clamp255
    _mm512_mask_cvtepi32_storeu_epi8(q + l, m, _mm512_cvtps_epi32(r));
  }
  *scale = s;
  *zp = int32_t(z);
}
#endif

void quantize_rows(const float* a, int64_t lda, int64_t rows, int64_t k, uint8_t* q, float* scale, int32_t* zp) {
  for (int64_t r = 0; r < rows; r++) {
#if defined(ALBERT_HAS_AVX2)
    if (use_avx512()) {
      quantize_row_avx512(a + r * lda, k, q + r * k, scale + r, zp + r);
      continue;
    }
#endif
    quantize_row_generic(a + r * lda, k, q + r * k, scale + r, zp + r);
  }
}

// Contraction into an FMA would change the rounding the specification above fixes.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void dequantize_row_generic(const int32_t* acc, int64_t n, float s, int32_t zp, const float* ws, const int32_t* colsum,
                            const float* bias, bool beta, float* c) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (int64_t j = 0; j < n; j++) {
    const float t = s * ws[j];
    // int64: the difference is within int32 (see above), its parts need not be
    float y = t * float(int64_t(acc[j]) - int64_t(zp) * int64_t(colsum[j]));
    if (bias) y = y + bias[j];
    if (beta) y = y + c[j];
    c[j] = y;
  }
}

#if defined(ALBERT_HAS_AVX2)
// _mm512_mul_round_ps: a builtin, never contracted with the adds that follow (as a plain * could be)
ALBERT_AVX512 void dequantize_row_avx512(const int32_t* acc, int64_t n, float s, int32_t zp, const float* ws,
                                         const int32_t* colsum, const float* bias, bool beta, float* c) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512 vs = _mm512_set1_ps(s);
  const __m512i vz = _mm512_set1_epi32(zp);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - j)) - 1);
    const __m512 t = _mm512_mul_round_ps(vs, _mm512_maskz_loadu_ps(m, ws + j), kRound);
    // wraps in int32 on the way, exact at the end
    const __m512i d = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(m, acc + j), _mm512_mullo_epi32(vz, _mm512_maskz_loadu_epi32(m, colsum + j)));
    __m512 y = _mm512_mul_round_ps(t, _mm512_cvtepi32_ps(d), kRound);
    if (bias) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m, bias + j));
    if (beta) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m, c + j));
    _mm512_mask_storeu_ps(c + j, m, y);
  }
}
#endif

void dequantize_row(const int32_t* acc, int64_t n, float s, int32_t zp, const float* ws, const int32_t* colsum,
                    const float* bias, bool beta, float* c) {
#if defined(ALBERT_HAS_AVX2)
  if (use_avx512()) return dequantize_row_avx512(acc, n, s, zp, ws, colsum, bias, beta, c);
#endif
  dequantize_row_generic(acc, n, s, zp, ws, colsum, bias, beta, c);
}

// Rows of A per oneDNN call inside a block. f32 and bf16 write C in place, so a block is one call (oneDNN
// blocks it best); int8 goes through an s32 buffer, read back by the epilogue: 128 rows (1.5 MB at n = 3072,
// in L2) ran 20-30% faster at n = 3072 than whole blocks of 512 or chunks of 32 (bench/onednn_gemm.ts).
int64_t chunk_rows(DnnlType t, int64_t block) {
  return t == DnnlType::s8 ? std::min<int64_t>(block, 128) : block;
}

}  // namespace

const char* dnnl_version_string() {
  static const std::string s = [] {
    const dnnl_version_t* v = dnnl_version();
    std::string isa = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());
    if (isa.rfind("cpu_isa_", 0) == 0) isa = isa.substr(8);
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " (isa " + isa + ")";
  }();
  return s.c_str();
}

DnnlType dnnl_weights_type(const DnnlWeights* w) { return w->type; }
int64_t dnnl_weights_k(const DnnlWeights* w) { return w->k; }
int64_t dnnl_weights_n(const DnnlWeights* w) { return w->n; }
int64_t dnnl_weights_bytes(const DnnlWeights* w) {
  int64_t bytes = 0;
  for (const memory& m : w->packed) bytes += int64_t(m.get_desc().get_size());
  return bytes;
}

void dnnl_free(DnnlWeights* w) { delete w; }

// A representative row count for the layout the weights are packed into once (a batch of short sequences).
constexpr int64_t kPackRows = 128;

DnnlWeights* dnnl_pack(const void* b, int64_t ldb, bool tb, int64_t k, int64_t n, DnnlType type) {
  one_omp_thread();
  try {
    auto w = std::make_unique<DnnlWeights>();
    w->type = type;
    w->k = k;
    w->n = n;
    // op(B) (k, n) read in place: B^T is B (n, k) seen with swapped strides
    const memory::desc plain({k, n}, wei_type(type), tb ? memory::dims{1, ldb} : memory::dims{ldb, 1});
    memory from(plain, engine(), const_cast<void*>(b));
    const auto p = prim_for(Key{type, kPackRows, n, k, k, n, false, false});
    memory to(p->wei, engine());
    reorder(from, to);
    w->packed.push_back(to);
    return w.release();
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("oneDNN: ") + e.what());
  }
}

void dnnl_matmul(const DnnlWeights* cw, int64_t m, const float* a, int64_t lda, bool beta, float* c, int64_t ldc,
                 const float* bias, int act, const float* w_scale, const int32_t* w_colsum) {
  if (m <= 0) return;
  DnnlWeights& w = const_cast<DnnlWeights&>(*cw);  // its packed layouts are a cache
  const DnnlType type = w.type;
  const int64_t k = w.k, n = w.n;
  const bool s8 = type == DnnlType::s8;
  one_omp_thread();
  // Row blocks, one per thread, multiples of 16 rows (AMX tiles, brgemm's row blocking); a short product in one.
  const int threads = pool_in_task() ? 1 : pool_threads();
  const int64_t nblocks = m < 32 ? 1 : std::min<int64_t>(threads, (m + 15) / 16);
  const int64_t step = ((m + nblocks - 1) / nblocks + 15) / 16 * 16;
  const int64_t blocks = (m + step - 1) / step, chunk = chunk_rows(type, step);
  // The primitives every chunk needs (at most a few row counts), created here, not in the tasks.
  struct Use {
    int64_t rows;
    std::shared_ptr<const Prim> prim;
    memory wei;
  };
  std::vector<Use> uses;
  try {
    for (int64_t b0 = 0; b0 < m; b0 += step)
      for (int64_t r0 = b0, b1 = std::min(m, b0 + step); r0 < b1; r0 += chunk) {
        const int64_t rows = std::min(chunk, b1 - r0);
        if (std::any_of(uses.begin(), uses.end(), [&](const Use& u) { return u.rows == rows; })) continue;
        const Key key = s8 ? Key{type, rows, n, k, k, n, false, false}
                           : Key{type, rows, n, k, type == DnnlType::f32 ? lda : k, ldc, beta, bias != nullptr};
        auto prim = prim_for(key);
        uses.push_back({rows, prim, weights_for(w, prim->wei)});
      }
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("oneDNN: ") + e.what());
  }
  std::mutex err_mu;
  std::string err;
  parallel_tasks(blocks, [&](int64_t t) {
    try {
      one_omp_thread();
      Scratch& s = scratch();
      const int64_t b0 = t * step, b1 = std::min(m, b0 + step);
      for (int64_t r0 = b0; r0 < b1; r0 += chunk) {
        const int64_t rows = std::min(chunk, b1 - r0);
        const Use& u = *std::find_if(uses.begin(), uses.end(), [&](const Use& x) { return x.rows == rows; });
        const Prim& p = *u.prim;
        const float* ar = a + r0 * lda;
        float* cr = c + r0 * ldc;
        void* src = const_cast<float*>(ar);
        void* dst = cr;
        float* scale = nullptr;
        int32_t* zp = nullptr;
        if (type == DnnlType::bf16) {
          src = s.src.get(size_t(rows * k) * 2);
          rows_to_bf16(ar, lda, rows, k, static_cast<uint16_t*>(src));
        } else if (s8) {
          src = s.src.get(size_t(rows * k));
          scale = static_cast<float*>(s.scale.get(size_t(rows) * 4));
          zp = static_cast<int32_t*>(s.zp.get(size_t(rows) * 4));
          quantize_rows(ar, lda, rows, k, static_cast<uint8_t*>(src), scale, zp);
          dst = s.acc.get(size_t(rows * n) * 4);
        }
        std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, memory(p.src, engine(), src)},
                                                {DNNL_ARG_WEIGHTS, u.wei},
                                                {DNNL_ARG_DST, memory(p.dst, engine(), dst)}};
        if (bias && !s8) args.emplace(DNNL_ARG_BIAS, memory(p.bias, engine(), const_cast<float*>(bias)));
        if (p.pad.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, memory(p.pad, engine(), s.pad.get(p.pad.get_size())));
        p.matmul.execute(*s.stream, args);
        s.stream->wait();
        for (int64_t r = 0; r < rows; r++) {  // the rows just written, still in cache
          float* cj = cr + r * ldc;
          if (s8) dequantize_row(static_cast<const int32_t*>(dst) + r * n, n, scale[r], zp[r], w_scale, w_colsum, bias, beta, cj);
          if (act != ACT_LINEAR) act_forward_serial(act, cj, cj, n);
        }
      }
    } catch (const std::exception& e) {  // never across the pool's threads
      std::lock_guard<std::mutex> lock(err_mu);
      if (err.empty()) err = e.what();
    }
  });
  if (!err.empty()) throw std::runtime_error(std::string("oneDNN: ") + err);
}

// ---- bf16 GEMM on unpacked operands (training): C_p = alpha op(A_p) op(B_p) + beta C_p ----
//
// The operands are rounded into compact bf16 copies: op(A) (m, k) row-major (A^T transposed on the way), B
// as stored, which oneDNN reads as op(B) (k, n) through strides ({n, 1}, or {1, k} when transposed).
// bf16 x bf16 products, fp32 accumulation; alpha an output scale, beta a sum post-op (none for beta = 0, so
// C is never read then).

namespace {

// A GEMM primitive: op(A) (m, k) with strides {as0, as1}, op(B) (k, n) with {bs0, bs1}, C (m, n) with {ldc, 1}.
struct GemmKey {
  int64_t m, n, k, as0, as1, bs0, bs1, ldc;
  uint32_t alpha, beta;  // their bits (a strict order even for NaN)
  bool operator<(const GemmKey& o) const {
    return std::tie(m, n, k, as0, as1, bs0, bs1, ldc, alpha, beta) <
           std::tie(o.m, o.n, o.k, o.as0, o.as1, o.bs0, o.bs1, o.ldc, o.alpha, o.beta);
  }
};

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::shared_ptr<const Prim> make_gemm_prim(const GemmKey& key) {
  const float alpha = float_of(key.alpha), beta = float_of(key.beta);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (alpha != 1.0f) {  // applied to the accumulator, before the sum post-op: alpha AB + beta C
#if DNNL_VERSION_MAJOR >= 3
    attr.set_scales_mask(DNNL_ARG_WEIGHTS, 0);
#else
    attr.set_output_scales(0, {alpha});
#endif
  }
  if (beta != 0.0f) {
    dnnl::post_ops po;
    po.append_sum(beta);
    attr.set_post_ops(po);
  }
  const memory::desc src({key.m, key.k}, dt::bf16, memory::dims{key.as0, key.as1});
  const memory::desc wei({key.k, key.n}, dt::bf16, memory::dims{key.bs0, key.bs1});
  const memory::desc dst({key.m, key.n}, dt::f32, memory::dims{key.ldc, 1});
#if DNNL_VERSION_MAJOR >= 3
  const dnnl::matmul::primitive_desc pd(engine(), src, wei, dst, attr);
#else
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), attr, engine());
#endif
  auto p = std::make_shared<Prim>();
  p->matmul = dnnl::matmul(pd);
  p->src = src;
  p->wei = wei;
  p->dst = dst;
  p->pad = pd.scratchpad_desc();
  p->alpha = alpha;
  return p;
}

std::shared_ptr<const Prim> gemm_prim_for(const GemmKey& key) { return cached_prim(key, make_gemm_prim); }

void run_gemm(const Prim& p, const uint16_t* a, const uint16_t* b, float* c, Scratch& s) {
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, memory(p.src, engine(), const_cast<uint16_t*>(a))},
                                          {DNNL_ARG_WEIGHTS, memory(p.wei, engine(), const_cast<uint16_t*>(b))},
                                          {DNNL_ARG_DST, memory(p.dst, engine(), c)}};
  if (p.pad.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, memory(p.pad, engine(), s.pad.get(p.pad.get_size())));
#if DNNL_VERSION_MAJOR >= 3
  float alpha = p.alpha;
  if (alpha != 1.0f)
    args.emplace(DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, memory(memory::desc({1}, dt::f32, tag::x), engine(), &alpha));
#endif
  p.matmul.execute(*s.stream, args);
  s.stream->wait();
}

// Where block i of `parts` over [0, len) starts, on multiples of `align` (len for i >= parts).
int64_t block_start(int64_t len, int64_t parts, int64_t i, int64_t align) {
  if (i >= parts) return len;
  const int64_t x = len * i / parts;
  return std::min(len, x - x % align);
}

// Rows [i0, i1) of A^T (m, k), from A (k, m) with row stride lda, into out (row stride k), rounded as
// to_bf16: a transposing copy. (oneDNN 2.6 runs a transposed bf16 src on its gemm:jit, 230 GFLOP/s at dW's
// 768 x 768 x 1024 on 2 threads of an AMX Xeon; a row-major one on brgemm: 300-330 with this copy. Walking
// 16 columns of A along all of k per step instead, or 32 rows at a time, was 10-40% slower.)
#if defined(ALBERT_HAS_AVX2)
// 16 x 16 tiles: 16 rows of A loaded and rounded (bf16 bits in the low half of each 32-bit lane), transposed
// in registers, stored 16 bf16 values (32 bytes) per row of A^T.
ALBERT_AVX512 void cols_to_bf16_avx512(const float* a, int64_t lda, int64_t k, int64_t i0, int64_t i1, uint16_t* out) {
  const __m512i abs = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  const __m512i half = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x40);
  auto mask = [](int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); };
  for (int64_t l0 = 0; l0 < k; l0 += 16) {
    const int64_t nl = std::min<int64_t>(16, k - l0);
    const __mmask16 store = mask(nl);
    for (int64_t i = i0; i < i1; i += 16) {
      const int64_t ni = std::min<int64_t>(16, i1 - i);
      const __mmask16 load = mask(ni);
      __m512i r[16], t[16];
      for (int64_t x = 0; x < 16; x++) {
        if (x >= nl) {
          r[x] = _mm512_setzero_si512();
          continue;
        }
        const __m512i u = _mm512_maskz_loadu_epi32(load, a + (l0 + x) * lda + i), hi = _mm512_srli_epi32(u, 16);
        const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs), inf);
        const __m512i v = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(hi, one))), 16);
        r[x] = _mm512_mask_mov_epi32(v, nan, _mm512_or_si512(hi, quiet));
      }
      // t[4j + s], 128-bit lane q: rows 4j..4j+3 of column 4q + s
      for (int j = 0; j < 8; j++) {
        const __m512i lo = _mm512_unpacklo_epi32(r[2 * j], r[2 * j + 1]), up = _mm512_unpackhi_epi32(r[2 * j], r[2 * j + 1]);
        r[2 * j] = lo;
        r[2 * j + 1] = up;
      }
      for (int j = 0; j < 4; j++) {
        t[4 * j + 0] = _mm512_unpacklo_epi64(r[4 * j], r[4 * j + 2]);
        t[4 * j + 1] = _mm512_unpackhi_epi64(r[4 * j], r[4 * j + 2]);
        t[4 * j + 2] = _mm512_unpacklo_epi64(r[4 * j + 1], r[4 * j + 3]);
        t[4 * j + 3] = _mm512_unpackhi_epi64(r[4 * j + 1], r[4 * j + 3]);
      }
      // column 4q + s: lane q of t[s], t[4 + s], t[8 + s], t[12 + s] (a 4 x 4 transpose of 128-bit lanes)
      for (int s = 0; s < 4; s++) {
        const __m512i x0 = _mm512_shuffle_i32x4(t[s], t[4 + s], 0x88), x1 = _mm512_shuffle_i32x4(t[s], t[4 + s], 0xdd);
        const __m512i x2 = _mm512_shuffle_i32x4(t[8 + s], t[12 + s], 0x88), x3 = _mm512_shuffle_i32x4(t[8 + s], t[12 + s], 0xdd);
        const __m512i col[4] = {_mm512_shuffle_i32x4(x0, x2, 0x88), _mm512_shuffle_i32x4(x1, x3, 0x88),
                                _mm512_shuffle_i32x4(x0, x2, 0xdd), _mm512_shuffle_i32x4(x1, x3, 0xdd)};
        for (int q = 0; q < 4; q++)
          if (4 * q + s < ni) _mm512_mask_cvtepi32_storeu_epi16(out + (i + 4 * q + s) * k + l0, store, col[q]);
      }
    }
  }
}
#endif

void cols_to_bf16(const float* a, int64_t lda, int64_t k, int64_t i0, int64_t i1, uint16_t* out) {
#if defined(ALBERT_HAS_AVX2)
  if (use_avx512()) return cols_to_bf16_avx512(a, lda, k, i0, i1, out);
#endif
  constexpr int64_t kBlock = 32;  // 32 read streams, 64-byte runs written
  for (int64_t l0 = 0; l0 < k; l0 += kBlock) {
    const int64_t l1 = std::min(k, l0 + kBlock);
    for (int64_t i = i0; i < i1; i++) {
      uint16_t* y = out + i * k;
      for (int64_t l = l0; l < l1; l++) y[l] = to_bf16(a[l * lda + i]);
    }
  }
}

// Below this many multiply-adds a product runs on one thread (gemm.cc's threshold).
constexpr double kGemmParallelMinWork = 262144;

// The calling thread's bf16 copies of one product's operands (shared by the pool's tasks).
struct GemmOperands {
  Buf a, b;
};

}  // namespace

void dnnl_gemm_bf16(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int64_t batch, int64_t sa, int64_t sb,
                    int64_t sc) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  if (k == 0 || alpha == 0.0f) {  // C = beta C, A and B not read (as BLAS); beta = 0 does not read C either
    if (beta == 1.0f) return;
    for (int64_t p = 0; p < batch; p++)
      for (int64_t i = 0; i < m; i++) {
        float* row = c + p * sc + i * ldc;
        if (beta == 0.0f) std::fill(row, row + n, 0.0f);
        else for (int64_t j = 0; j < n; j++) row[j] *= beta;
      }
    return;
  }
  one_omp_thread();
  // The copies: op(A) (m, k) row-major (transposed while converted), B as stored (rb, cb), compacted, which
  // oneDNN reads as op(B) (k, n) through strides {bs0, bs1}.
  const int64_t rb = tb ? n : k, cb = tb ? k : n, as0 = k, as1 = 1, bs0 = tb ? 1 : n, bs1 = tb ? k : 1;
  // rows [i0, i1) of op(A_p) into a16
  auto convert_a = [&](const float* ap, int64_t i0, int64_t i1, uint16_t* a16) {
    if (ta) cols_to_bf16(ap, lda, k, i0, i1, a16);
    else rows_to_bf16(ap + i0 * lda, lda, i1 - i0, k, a16 + i0 * k);
  };
  const uint32_t ab = bits_of(alpha), bb = bits_of(beta);
  const double work = double(m) * double(n) * double(k);
  const int pool = pool_in_task() ? 1 : pool_threads(), threads = work < kGemmParallelMinWork ? 1 : pool;
  std::mutex err_mu;
  std::string err;
  auto guard = [&](auto&& body) {
    try {
      one_omp_thread();
      body();
    } catch (const std::exception& e) {  // never across the pool's threads
      std::lock_guard<std::mutex> lock(err_mu);
      if (err.empty()) err = e.what();
    }
  };
  try {
    if (batch > 1 && pool > 1 && (batch >= pool || threads == 1)) {
      // Many products (attention's heads), or small ones: one task each, its operands converted into the
      // task's own copies.
      const auto prim = gemm_prim_for({m, n, k, as0, as1, bs0, bs1, ldc, ab, bb});
      parallel_tasks(batch, [&](int64_t p) {
        guard([&] {
          Scratch& s = scratch();
          auto* a16 = static_cast<uint16_t*>(s.src.get(size_t(m * k) * 2));
          auto* b16 = static_cast<uint16_t*>(s.wei.get(size_t(rb * cb) * 2));
          convert_a(a + p * sa, 0, m, a16);
          rows_to_bf16(b + p * sb, ldb, rb, cb, b16);
          run_gemm(*prim, a16, b16, c + p * sc, s);
        });
      });
    } else {
      // One product at a time, C cut into one block per thread: row blocks (multiples of 16: brgemm's row
      // blocking), or column blocks (multiples of 64: its column blocking) when op(A) has too few rows for
      // every thread. The operand all blocks share is converted first, its rows split over the tasks; then
      // each task converts its own part of the other (still in its cache when oneDNN reads it) and runs.
      const bool by_rows = threads == 1 || m >= 32 * threads || m >= n;
      const int64_t len = by_rows ? m : n, align = by_rows ? 16 : 64;
      const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, (len + align - 1) / align));
      struct Block {
        int64_t lo, hi;
        std::shared_ptr<const Prim> prim;
      };
      std::vector<Block> blocks;
      for (int64_t i = 0; i < parts; i++) {
        const int64_t lo = block_start(len, parts, i, align), hi = block_start(len, parts, i + 1, align);
        if (lo >= hi) continue;
        std::shared_ptr<const Prim> prim;
        for (const Block& o : blocks)
          if (o.hi - o.lo == hi - lo) prim = o.prim;
        if (!prim)
          prim = by_rows ? gemm_prim_for({hi - lo, n, k, as0, as1, bs0, bs1, ldc, ab, bb})
                         : gemm_prim_for({m, hi - lo, k, as0, as1, bs0, bs1, ldc, ab, bb});
        blocks.push_back({lo, hi, prim});
      }
      thread_local GemmOperands ops;
      auto* a16 = static_cast<uint16_t*>(ops.a.get(size_t(m * k) * 2));
      auto* b16 = static_cast<uint16_t*>(ops.b.get(size_t(rb * cb) * 2));
      const int64_t tasks = int64_t(blocks.size());
      for (int64_t p = 0; p < batch; p++) {
        const float *ap = a + p * sa, *bp = b + p * sb;
        float* cp = c + p * sc;
        parallel_tasks(tasks, [&](int64_t t) {
          guard([&] {
            if (by_rows) {  // all of B
              const int64_t r0 = rb * t / tasks, r1 = rb * (t + 1) / tasks;
              rows_to_bf16(bp + r0 * ldb, ldb, r1 - r0, cb, b16 + r0 * cb);
            } else {  // all of op(A)
              convert_a(ap, m * t / tasks, m * (t + 1) / tasks, a16);
            }
          });
        });
        if (!err.empty()) break;
        parallel_tasks(tasks, [&](int64_t t) {
          guard([&] {
            const Block& blk = blocks[size_t(t)];
            const int64_t lo = blk.lo, hi = blk.hi;
            if (by_rows) {  // rows [lo, hi) of op(A) and of C
              convert_a(ap, lo, hi, a16);
              run_gemm(*blk.prim, a16 + lo * k, b16, cp + lo * ldc, scratch());
            } else {  // columns [lo, hi) of op(B) and of C
              if (tb) rows_to_bf16(bp + lo * ldb, ldb, hi - lo, k, b16 + lo * k);
              else rows_to_bf16(bp + lo, ldb, k, hi - lo, b16 + lo, n);
              run_gemm(*blk.prim, a16, b16 + (tb ? lo * k : lo), cp + lo, scratch());
            }
          });
        });
        if (!err.empty()) break;
      }
    }
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("oneDNN: ") + e.what());
  }
  if (!err.empty()) throw std::runtime_error(std::string("oneDNN: ") + err);
}

}  // namespace albert

#else  // built without oneDNN: the entries exist, and say so

namespace albert {

struct DnnlWeights {};

namespace {
[[noreturn]] void unavailable() { throw std::runtime_error("built without oneDNN"); }
}  // namespace

const char* dnnl_version_string() { return nullptr; }
DnnlWeights* dnnl_pack(const void*, int64_t, bool, int64_t, int64_t, DnnlType) { unavailable(); }
void dnnl_free(DnnlWeights* w) { delete w; }
DnnlType dnnl_weights_type(const DnnlWeights*) { unavailable(); }
int64_t dnnl_weights_k(const DnnlWeights*) { unavailable(); }
int64_t dnnl_weights_n(const DnnlWeights*) { unavailable(); }
int64_t dnnl_weights_bytes(const DnnlWeights*) { return 0; }
void dnnl_matmul(const DnnlWeights*, int64_t, const float*, int64_t, bool, float*, int64_t, const float*, int, const float*,
                 const int32_t*) {
  unavailable();
}
void dnnl_gemm_bf16(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t, float, float*,
                    int64_t, int64_t, int64_t, int64_t, int64_t) {
  unavailable();
}

}  // namespace albert

#endif
