// GEMM against a prepacked B: C (m, n) = act(A (m, k) op(B) (k, n) + bias [+ C]).
//
// Why: a Linear's weight is constant over a forward (and, with ALBERT's sharing, used L times in
// it), but CBLAS repacks both operands on every call. Here op(B) is packed once, by pack_b, into
// column panels of NR floats (row l of panel p = op(B)[l, p*NR .. p*NR+NR-1], zero-padded past n),
// stored K slice by K slice (see at()), so a call only copies small strips of A and allocates nothing.
//
// Blocking: a task owns an (MC rows) x (NCP panels) block of C. Per K slice of KC, a strip of MR
// rows of A is copied into a contiguous 6 KB buffer that stays in L1 (in place, rows lda apart hit
// the same L1 sets when lda is a multiple of 1024), and the slice's B panels stream past it as one
// contiguous run (1 MB: from L3, the next slice prefetched). Blocks that wide beat L2-sized ones (256
// columns) by ~10% in a model's forward, where fewer blocks across N mean fewer re-reads of A (and
// in-model timings are what count: isolated ones keep both operands hot). The bias is where the
// accumulators start (first K slice); later slices resume from C; the activation runs over each strip
// of a block once its last slice is done, while the strip is still in cache. Tuned on a 2-core Zen3
// (bench/packed_gemm.ts, and whole forwards with `albert bench`). With AVX-512 (chosen at run time) a
// strip is 12 rows and the tile 12 x 32 over two adjacent panels, on the same pack; edge panels and
// machines without it use the 6 x 16 tiles.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "simd.h"

namespace albert {
namespace {

constexpr int MR = 6, NR = 16;
constexpr int MR512 = 12;  // rows of the AVX-512 tile (12 x 2 panels)
constexpr int64_t KC = 256;  // K slice: an A strip (MR x KC) stays in L1
constexpr int64_t MC = 192;  // rows of a task: the B slice (KC x NCP*NR) streams past this many / MR strips
constexpr int64_t NCP = 64;  // panels of a task (1024 columns)
constexpr double kSerialWork = 262144;  // multiply-adds below which threads cost more than they give

#if defined(__clang__)
#define ALBERT_UNROLL4 _Pragma("clang loop unroll_count(4)")
#elif defined(__GNUC__)
#define ALBERT_UNROLL4 _Pragma("GCC unroll 4")
#else
#define ALBERT_UNROLL4
#endif

// The body of a tile kernel: one R x NR tile (R <= MR) over one K slice,
//   c (R rows, stride ldc, NR columns) = (load_c ? c : 0) + (bias ? bias : 0) + a (R rows, stride lda, kc) bp (kc, NR),
// over 8-float vectors of type V with the operations O##_zero, _load, _store, _add, _bcast, _fma, so that
// each instance compiles for its own target. Named accumulators, not arrays: GCC 12 spills arrays of
// vectors to the stack on every iteration. Unrolling by 4 gains 10% on Zen3 (loop overhead otherwise
// delays the loads behind the FMAs).
#define ALBERT_ROWS(X, O) \
  X(0, c00, c01, O) X(1, c10, c11, O) X(2, c20, c21, O) X(3, c30, c31, O) X(4, c40, c41, O) X(5, c50, c51, O)
#define ALBERT_INIT(r, x0, x1, O)                                        \
  if (r < R) {                                                           \
    x0 = load_c ? O##_add(O##_load(c + r * ldc), bias0) : bias0;         \
    x1 = load_c ? O##_add(O##_load(c + r * ldc + 8), bias1) : bias1;     \
  }
#define ALBERT_FMA(r, x0, x1, O)          \
  if (r < R) {                            \
    const auto x = O##_bcast(a##r + l);   \
    x0 = O##_fma(x, b0, x0);              \
    x1 = O##_fma(x, b1, x1);              \
  }
#define ALBERT_STORE(r, x0, x1, O)        \
  if (r < R) {                            \
    O##_store(c + r * ldc, x0);           \
    O##_store(c + r * ldc + 8, x1);       \
  }
#define ALBERT_TILE_BODY(V, O)                                                                               \
  const V z = O##_zero();                                                                                    \
  const V bias0 = bias ? O##_load(bias) : z, bias1 = bias ? O##_load(bias + 8) : z;                          \
  V c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z; \
  ALBERT_ROWS(ALBERT_INIT, O)                                                                                \
  const float *a0 = a, *a1 = a + (R > 1 ? lda : 0), *a2 = a + (R > 2 ? 2 * lda : 0);                         \
  const float *a3 = a + (R > 3 ? 3 * lda : 0), *a4 = a + (R > 4 ? 4 * lda : 0), *a5 = a + (R > 5 ? 5 * lda : 0); \
  ALBERT_UNROLL4                                                                                             \
  for (int64_t l = 0; l < kc; l++, bp += NR) {                                                               \
    const V b0 = O##_load(bp), b1 = O##_load(bp + 8);                                                        \
    ALBERT_ROWS(ALBERT_FMA, O)                                                                               \
  }                                                                                                          \
  ALBERT_ROWS(ALBERT_STORE, O)

#if defined(ALBERT_HAS_AVX2)
ALBERT_AVX2 inline __m256 avx_zero() { return _mm256_setzero_ps(); }
ALBERT_AVX2 inline __m256 avx_load(const float* p) { return _mm256_loadu_ps(p); }
ALBERT_AVX2 inline void avx_store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
ALBERT_AVX2 inline __m256 avx_add(__m256 x, __m256 y) { return _mm256_add_ps(x, y); }
ALBERT_AVX2 inline __m256 avx_bcast(const float* p) { return _mm256_broadcast_ss(p); }
ALBERT_AVX2 inline __m256 avx_fma(__m256 x, __m256 y, __m256 acc) { return _mm256_fmadd_ps(x, y, acc); }

template <int R>
ALBERT_AVX2 void tile_avx2(int64_t kc, const float* a, int64_t lda, const float* bp, float* c, int64_t ldc, bool load_c,
                           const float* bias) {
  ALBERT_TILE_BODY(__m256, avx)
}

// AVX-512: a 12 x 32 tile over two adjacent panels (panel p+1 starts kc * NR floats after panel p in a
// K slice, see at()), 24 zmm accumulators + 2 B vectors + 1 broadcast of the 32 registers. Twice the
// rows and twice the width of the AVX2 tile: each B load feeds 12 FMAs, each broadcast 2.
#define ALBERT_ROWS12(X)                                                                                   \
  X(0, d00, d01) X(1, d10, d11) X(2, d20, d21) X(3, d30, d31) X(4, d40, d41) X(5, d50, d51) X(6, d60, d61) \
  X(7, d70, d71) X(8, d80, d81) X(9, d90, d91) X(10, da0, da1) X(11, db0, db1)
#define ALBERT_INIT12(r, x0, x1)                                                   \
  if (r < R) {                                                                     \
    x0 = load_c ? _mm512_add_ps(_mm512_loadu_ps(c + r * ldc), bias0) : bias0;      \
    x1 = load_c ? _mm512_add_ps(_mm512_loadu_ps(c + r * ldc + 16), bias1) : bias1; \
  }
#define ALBERT_FMA12(r, x0, x1)                         \
  if (r < R) {                                          \
    const __m512 x = _mm512_set1_ps(a[r * lda + l]);    \
    x0 = _mm512_fmadd_ps(x, b0, x0);                    \
    x1 = _mm512_fmadd_ps(x, b1, x1);                    \
  }
#define ALBERT_STORE12(r, x0, x1)              \
  if (r < R) {                                 \
    _mm512_storeu_ps(c + r * ldc, x0);         \
    _mm512_storeu_ps(c + r * ldc + 16, x1);    \
  }

template <int R>
ALBERT_AVX512 void tile_avx512(int64_t kc, const float* a, int64_t lda, const float* bp, float* c, int64_t ldc,
                               bool load_c, const float* bias) {
  const __m512 z = _mm512_setzero_ps();
  const __m512 bias0 = bias ? _mm512_loadu_ps(bias) : z, bias1 = bias ? _mm512_loadu_ps(bias + 16) : z;
  __m512 d00 = z, d01 = z, d10 = z, d11 = z, d20 = z, d21 = z, d30 = z, d31 = z, d40 = z, d41 = z, d50 = z, d51 = z,
         d60 = z, d61 = z, d70 = z, d71 = z, d80 = z, d81 = z, d90 = z, d91 = z, da0 = z, da1 = z, db0 = z, db1 = z;
  ALBERT_ROWS12(ALBERT_INIT12)
  const float* bq = bp + kc * NR;
  ALBERT_UNROLL4
  for (int64_t l = 0; l < kc; l++) {
    const __m512 b0 = _mm512_loadu_ps(bp + l * NR), b1 = _mm512_loadu_ps(bq + l * NR);
    ALBERT_ROWS12(ALBERT_FMA12)
  }
  ALBERT_ROWS12(ALBERT_STORE12)
}

// out[l * NR + j] = b[j * ldb + l] for j < 8, l < 8: an 8 x 8 transpose in registers (packing W^T).
ALBERT_AVX2 void transpose8(const float* b, int64_t ldb, float* out) {
  __m256 r0 = _mm256_loadu_ps(b), r1 = _mm256_loadu_ps(b + ldb), r2 = _mm256_loadu_ps(b + 2 * ldb),
         r3 = _mm256_loadu_ps(b + 3 * ldb), r4 = _mm256_loadu_ps(b + 4 * ldb), r5 = _mm256_loadu_ps(b + 5 * ldb),
         r6 = _mm256_loadu_ps(b + 6 * ldb), r7 = _mm256_loadu_ps(b + 7 * ldb);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  r0 = _mm256_shuffle_ps(t0, t2, 0x44);
  r1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  r2 = _mm256_shuffle_ps(t1, t3, 0x44);
  r3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  r4 = _mm256_shuffle_ps(t4, t6, 0x44);
  r5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  r6 = _mm256_shuffle_ps(t5, t7, 0x44);
  r7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(out + 0 * NR, _mm256_permute2f128_ps(r0, r4, 0x20));
  _mm256_storeu_ps(out + 1 * NR, _mm256_permute2f128_ps(r1, r5, 0x20));
  _mm256_storeu_ps(out + 2 * NR, _mm256_permute2f128_ps(r2, r6, 0x20));
  _mm256_storeu_ps(out + 3 * NR, _mm256_permute2f128_ps(r3, r7, 0x20));
  _mm256_storeu_ps(out + 4 * NR, _mm256_permute2f128_ps(r0, r4, 0x31));
  _mm256_storeu_ps(out + 5 * NR, _mm256_permute2f128_ps(r1, r5, 0x31));
  _mm256_storeu_ps(out + 6 * NR, _mm256_permute2f128_ps(r2, r6, 0x31));
  _mm256_storeu_ps(out + 7 * NR, _mm256_permute2f128_ps(r3, r7, 0x31));
}
#endif

// The same tile on GCC/Clang 16-byte vector types (an 8-float vector is two of them: GCC lowers 32-byte
// generic vectors badly without AVX): any CPU. On arm64 the 24 accumulators fit NEON's 32 registers; on
// baseline x86-64 they do not fit SSE's 16 (correct, not fast; NativeBackend then keeps Linear on CBLAS).
typedef float v4f __attribute__((vector_size(16)));
struct v8f {
  v4f lo, hi;
};
inline v8f gen_zero() { return v8f{}; }
inline v8f gen_load(const float* p) {
  v8f v;
  std::memcpy(&v.lo, p, sizeof(v4f));
  std::memcpy(&v.hi, p + 4, sizeof(v4f));
  return v;
}
inline void gen_store(float* p, const v8f& v) {
  std::memcpy(p, &v.lo, sizeof(v4f));
  std::memcpy(p + 4, &v.hi, sizeof(v4f));
}
inline v8f gen_add(const v8f& x, const v8f& y) { return {x.lo + y.lo, x.hi + y.hi}; }
inline float gen_bcast(const float* p) { return *p; }  // float * v4f broadcasts
inline v8f gen_fma(float x, const v8f& y, const v8f& acc) { return {acc.lo + x * y.lo, acc.hi + x * y.hi}; }

template <int R>
void tile_generic(int64_t kc, const float* a, int64_t lda, const float* bp, float* c, int64_t ldc, bool load_c,
                  const float* bias) {
  ALBERT_TILE_BODY(v8f, gen)
}

typedef void (*TileFn)(int64_t, const float*, int64_t, const float*, float*, int64_t, bool, const float*);

TileFn tile_for(int rows) {
#if defined(ALBERT_HAS_AVX2)
  static const TileFn avx2[MR + 1] = {nullptr, tile_avx2<1>, tile_avx2<2>, tile_avx2<3>,
                                      tile_avx2<4>, tile_avx2<5>, tile_avx2<6>};
  if (use_avx2()) return avx2[rows];
#endif
  static const TileFn generic[MR + 1] = {nullptr, tile_generic<1>, tile_generic<2>, tile_generic<3>,
                                         tile_generic<4>, tile_generic<5>, tile_generic<6>};
  return generic[rows];
}

// The AVX-512 12 x 32 tile of `rows` rows, or null where the CPU (or ALBERT_ISA) has no AVX-512.
TileFn tile512_for(int rows) {
#if defined(ALBERT_HAS_AVX2)
  static const TileFn t[MR512 + 1] = {nullptr,          tile_avx512<1>, tile_avx512<2>,  tile_avx512<3>, tile_avx512<4>,
                                      tile_avx512<5>,  tile_avx512<6>, tile_avx512<7>,  tile_avx512<8>, tile_avx512<9>,
                                      tile_avx512<10>, tile_avx512<11>, tile_avx512<12>};
  if (use_avx512()) return t[rows];
#endif
  (void)rows;
  return nullptr;
}

// A tile of `rows` <= MR rows (fn = tile_for(rows)) and `cols` <= NR columns of C; a narrow one (the
// last panel) goes through a padded copy so the kernel always writes NR columns.
inline void tile(TileFn fn, int rows, int cols, int64_t kc, const float* a, int64_t lda, const float* bp, float* c,
                 int64_t ldc, bool load_c, const float* bias) {
  if (cols == NR) {
    fn(kc, a, lda, bp, c, ldc, load_c, bias);
    return;
  }
  float ct[MR * NR] = {}, bt[NR] = {};
  for (int r = 0; r < rows && load_c; r++) std::memcpy(ct + r * NR, c + r * ldc, cols * sizeof(float));
  if (bias) std::memcpy(bt, bias, cols * sizeof(float));
  fn(kc, a, lda, bp, ct, NR, load_c, bias ? bt : nullptr);
  for (int r = 0; r < rows; r++) std::memcpy(c + r * ldc, ct + r * NR, cols * sizeof(float));
}

// Where row l of panel p starts: K slices outermost, so a slice's panels are one contiguous stream.
inline int64_t at(int64_t p, int64_t l, int64_t k, int64_t panels) {
  const int64_t l0 = l - l % KC;
  return l0 * panels * NR + p * std::min(KC, k - l0) * NR + (l - l0) * NR;
}

// Rows [i0, i1) x panels [p0, p1) of C, all of K.
void block(int64_t i0, int64_t i1, int64_t p0, int64_t p1, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* bp, bool beta, float* c, int64_t ldc, const float* bias, int act) {
  const int64_t panels = (n + NR - 1) / NR;
  // With AVX-512 a strip is 12 rows and a step two panels (the 12 x 32 tile); otherwise 6 rows, one panel.
  const bool wide = tile512_for(1) != nullptr;
  const int strip = wide ? MR512 : MR;
  const int64_t pstep = wide ? 2 : 1;
  for (int64_t l0 = 0; l0 < std::max<int64_t>(k, 1); l0 += KC) {
    const int64_t kc = std::min(KC, k - l0);
    const bool first = l0 == 0, last = l0 + KC >= k;
    // The next K slice of this block's B is fetched into L2 while this one computes, a few lines per tile
    // (in a model the weights come from memory: L weights do not fit in L2, nor often in a shared L3).
    const char *pf = nullptr, *pf_end = nullptr;
    int64_t pf_lines = 0;
    if (!last) {
      const int64_t kn = std::min(KC, k - l0 - KC), tiles = (i1 - i0 + strip - 1) / strip * ((p1 - p0 + pstep - 1) / pstep);
      pf = reinterpret_cast<const char*>(bp + at(p0, l0 + KC, k, panels));
      pf_end = pf + (p1 - p0) * kn * NR * int64_t(sizeof(float));
      pf_lines = ((pf_end - pf) / 64 + tiles - 1) / tiles;
    }
    for (int64_t i = i0; i < i1; i += strip) {
      const int rows = int(std::min<int64_t>(strip, i1 - i));
      // the AVX-2/generic 6-row tiles for the strip's halves: edge panels, and machines without AVX-512
      const int rows_lo = std::min(rows, MR), rows_hi = rows - rows_lo;
      const TileFn fn = tile_for(rows_lo), fn_hi = rows_hi > 0 ? tile_for(rows_hi) : nullptr;
      const TileFn fn512 = wide ? tile512_for(rows) : nullptr;
      alignas(64) float as[MR512 * KC];
      for (int r = 0; r < rows; r++) std::memcpy(as + r * KC, a + (i + r) * lda + l0, kc * sizeof(float));
      for (int64_t p = p0; p < p1; p += pstep) {
        for (int64_t q = 0; q < pf_lines && pf < pf_end; q++, pf += 64) __builtin_prefetch(pf, 0, 2);
        const bool first_bias = first && bias;
        if (fn512 && p + 1 < p1 && (p + 2) * NR <= n) {
          const int64_t j = p * NR;
          fn512(kc, as, KC, bp + at(p, l0, k, panels), c + i * ldc + j, ldc, !first || beta,
                first_bias ? bias + j : nullptr);
          continue;
        }
        for (int64_t pp = p; pp < std::min(p1, p + pstep); pp++) {
          const int64_t j = pp * NR;
          const int cols = int(std::min<int64_t>(NR, n - j));
          const float* bpp = bp + at(pp, l0, k, panels);
          const float* bj = first_bias ? bias + j : nullptr;
          tile(fn, rows_lo, cols, kc, as, KC, bpp, c + i * ldc + j, ldc, !first || beta, bj);
          if (fn_hi) tile(fn_hi, rows_hi, cols, kc, as + MR * KC, KC, bpp, c + (i + MR) * ldc + j, ldc, !first || beta, bj);
        }
      }
      if (last && act != ACT_LINEAR) {  // the strip's rows of this block are final and still in L1/L2
        const int64_t j0 = p0 * NR, j1 = std::min(n, p1 * NR);
        for (int r = 0; r < rows; r++) act_forward_serial(act, c + (i + r) * ldc + j0, c + (i + r) * ldc + j0, j1 - j0);
      }
    }
  }
}

}  // namespace

static_assert(kStripRows == MR, "gemm_packed_strip's rows are a tile's");

void gemm_packed_strip(int rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* bp, float* c,
                       int64_t ldc) {
  const TileFn fn = tile_for(rows);
  const int64_t panels = (n + NR - 1) / NR;
  for (int64_t l0 = 0; l0 < std::max<int64_t>(k, 1); l0 += KC)
    for (int64_t p = 0; p < panels; p++)
      tile(fn, rows, int(std::min<int64_t>(NR, n - p * NR)), std::min(KC, k - l0), a + l0, lda, bp + at(p, l0, k, panels),
           c + p * NR, ldc, l0 > 0, nullptr);
}

int64_t packed_b_floats(int64_t k, int64_t n) { return (n + NR - 1) / NR * NR * k; }

int64_t packed_b_alignment() { return 64; }

void pack_b(const float* b, int64_t ldb, bool tb, int64_t k, int64_t n, float* dst) {
  const int64_t panels = (n + NR - 1) / NR;
  if (!tb) {  // op(B) = B (k, n): row l of every panel is a piece of row l of B, read once, in order
    parallel_for(k, 16, [&](int64_t l0, int64_t l1) {
      for (int64_t l = l0; l < l1; l++)
        for (int64_t p = 0; p < panels; p++) {
          float* out = dst + at(p, l, k, panels);
          const int cols = int(std::min<int64_t>(NR, n - p * NR));
          if (cols == NR) {  // a fixed size: two vector moves, where a variable one is a libc call
            std::memcpy(out, b + l * ldb + p * NR, NR * sizeof(float));
            continue;
          }
          std::memcpy(out, b + l * ldb + p * NR, cols * sizeof(float));
          std::fill(out + cols, out + NR, 0.0f);
        }
    });
    return;
  }
  // op(B) = B^T, B (n, k): column j of a panel is a piece of row j0 + j of B
  parallel_for(panels, 4, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t j0 = p * NR;
      const int cols = int(std::min<int64_t>(NR, n - j0));
      for (int64_t l0 = 0; l0 < k; l0 += KC) {
        float* out = dst + at(p, l0, k, panels);
        const int64_t kc = std::min(KC, k - l0);
        int64_t l = 0;
#if defined(ALBERT_HAS_AVX2)
        if (use_avx2() && cols == NR)
          for (; l + 8 <= kc; l += 8)
            for (int j = 0; j < NR; j += 8) transpose8(b + (j0 + j) * ldb + l0 + l, ldb, out + l * NR + j);
#endif
        for (int j = 0; j < NR; j++) {
          const float* row = b + (j0 + j) * ldb + l0;
          for (int64_t i = l; i < kc; i++) out[i * NR + j] = j < cols ? row[i] : 0.0f;
        }
      }
    }
  });
}

void gemm_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* bp, bool beta, float* c,
                 int64_t ldc, const float* bias, int act) {
  if (m <= 0 || n <= 0) return;
  const int64_t panels = (n + NR - 1) / NR;
  const int threads = pool_in_task() ? 1 : pool_threads();
  if (threads == 1 || double(m) * double(n) * double(k) < kSerialWork) {
    for (int64_t i0 = 0; i0 < m; i0 += MC)
      for (int64_t p0 = 0; p0 < panels; p0 += NCP)
        block(i0, std::min(m, i0 + MC), p0, std::min(panels, p0 + NCP), n, k, a, lda, bp, beta, c, ldc, bias, act);
    return;
  }
  // A grid of (row blocks) x (panel blocks), scheduled dynamically, panel block by panel block: the
  // threads share each B block (the weights, streamed from memory once, then from L3) and re-read the
  // activations instead, 6% faster at batch 8 than row block by row block. Row blocks of tall products are
  // multiples of MR. A short product (m <= MC, e.g. batch 1) is cut into row blocks first, one per thread
  // (of 32 rows at least): each thread then copies each A strip once per panel block, where cutting panels
  // had every thread copy every strip for each of its narrow blocks (4-7% slower at batch 1 x 128).
  // When there are still too few blocks to keep every thread busy, panel blocks shrink; the last panel
  // blocks shrink too (guided scheduling) so that the threads finish together: with whole blocks to the
  // end, one thread idled ~4% of a batch-1 forward.
  const bool short_m = m <= MC;
  const int64_t mblocks = short_m ? std::max<int64_t>(1, std::min<int64_t>(threads, m / 32)) : (m + MC - 1) / MC;
  const int64_t mstep = short_m ? (m + mblocks - 1) / mblocks : ((m + mblocks - 1) / mblocks + MR512 - 1) / MR512 * MR512;
  const int64_t enough = short_m && mblocks == threads ? threads : 2 * threads;
  int64_t pstep = NCP;
  while (pstep > 1 && mblocks * ((panels + pstep - 1) / pstep) < enough) pstep /= 2;
  struct Task {
    int64_t i0, p0, p1;
  };
  // grown once per calling thread, not allocated per call; the pool's workers read it through this reference
  // (naming the thread_local inside the task would give each worker its own, empty one)
  thread_local std::vector<Task> task_list;
  std::vector<Task>& tasks = task_list;
  tasks.clear();
  for (int64_t p0 = 0, w; p0 < panels; p0 += w) {
    w = std::min(pstep, std::max<int64_t>(2, ((panels - p0) * mblocks + 2 * threads - 1) / (2 * threads)));
    for (int64_t i0 = 0; i0 < m; i0 += mstep) tasks.push_back({i0, p0, std::min(panels, p0 + w)});
  }
  parallel_tasks(int64_t(tasks.size()), [&](int64_t t) {
    const Task& b = tasks[t];
    block(b.i0, std::min(m, b.i0 + mstep), b.p0, b.p1, n, k, a, lda, bp, beta, c, ldc, bias, act);
  });
}

}  // namespace albert
