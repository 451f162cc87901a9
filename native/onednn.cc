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

std::shared_ptr<const Prim> prim_for(const Key& key) {
  static auto* mu = new std::mutex;
  static auto* cache = new std::map<Key, std::shared_ptr<const Prim>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  auto p = make_prim(key);  // outside the lock: another JS thread may be creating its own
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxPrims) cache->clear();
  return cache->emplace(key, std::move(p)).first->second;
}

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
  Buf pad, src, acc, scale, zp;
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

void rows_to_bf16(const float* a, int64_t lda, int64_t rows, int64_t k, uint16_t* out) {
  for (int64_t r = 0; r < rows; r++) {
    const float* x = a + r * lda;
    uint16_t* y = out + r * k;
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

}  // namespace albert

#endif
