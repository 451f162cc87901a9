// GEMM: CBLAS when the build found one (OpenBLAS on Linux, Accelerate on macOS), else the portable
// one below (packed_gemm.cc's kernel). Either way the work is split over our thread pool (CBLAS then runs
// single-threaded in each task), so the pool and OpenBLAS never fight over the cores.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels.h"
#include "pool.h"

#if defined(ALBERT_CBLAS_OPENBLAS)
#include <cblas.h>
#define ALBERT_HAVE_CBLAS 1
#elif defined(ALBERT_CBLAS_ACCELERATE)
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
#define ALBERT_HAVE_CBLAS 1
#endif

namespace albert {
namespace {

bool force_portable = false;
bool blas_threading = false;

void blas_threads(int n) {
#if defined(ALBERT_CBLAS_OPENBLAS)
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

// ---- portable GEMM: the packed-B kernel of packed_gemm.cc (its AVX2 tile where the CPU has one),
// with op(B) packed per call (alpha folded in) and op(A) copied row-major when transposed.
struct Scratch {
  std::vector<float> a, b;  // grown once per thread, reused
};
thread_local Scratch scratch;

float* aligned(std::vector<float>& v, int64_t n) {
  const int64_t pad = packed_b_alignment() / int64_t(sizeof(float));
  if (int64_t(v.size()) < n + pad) v.resize(n + pad);
  const uintptr_t a = uintptr_t(packed_b_alignment()), p = reinterpret_cast<uintptr_t>(v.data());
  return reinterpret_cast<float*>((p + a - 1) / a * a);
}

void portable_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) std::fill(row, row + n, 0.0f);  // BLAS: C is not read when beta = 0
    else if (beta != 1.0f) for (int64_t j = 0; j < n; j++) row[j] *= beta;
  }
  if (k == 0 || alpha == 0.0f) return;
  float* bp = aligned(scratch.b, packed_b_floats(k, n));
  pack_b(b, ldb, tb, k, n, bp);
  if (alpha != 1.0f) for (int64_t t = 0, e = packed_b_floats(k, n); t < e; t++) bp[t] *= alpha;
  if (ta) {  // op(A) = A^T, A (k, m)
    float* at = aligned(scratch.a, m * k);
    for (int64_t l = 0; l < k; l++)
      for (int64_t i = 0; i < m; i++) at[i * k + l] = a[l * lda + i];
    a = at;
    lda = k;
  }
  gemm_packed(m, n, k, a, lda, bp, true, c, ldc, nullptr);
}

// Where block i of `parts` over [0, len) starts: on multiples of 16 (len for i >= parts).
int64_t bound(int64_t len, int64_t parts, int64_t i) {
  if (i >= parts) return len;
  const int64_t x = len * i / parts;
  return std::min(len, x - x % 16);
}

// Below this many multiply-adds a GEMM is not worth splitting across threads.
constexpr double kParallelMinWork = 262144;

void gemm_parallel(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  int threads = pool_in_task() ? 1 : pool_threads();
  if (threads == 1 || double(m) * double(n) * double(k) < kParallelMinWork) {
    gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#if defined(ALBERT_HAVE_CBLAS)
  if (blas_threading && !force_portable) {
    blas_threads(threads);
    gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    blas_threads(1);
    return;
  }
#endif
  // A grid of tm x tn blocks of C, one per thread. A task packs its (m/tm, k) rows of op(A) and
  // (k, n/tn) columns of op(B), so pick the grid that packs the least: minimize m/tm + n/tn.
  int tm = 1;
  for (int d = 1; d <= threads; d++)
    if (threads % d == 0 && double(m) / d + double(n) / (threads / d) < double(m) / tm + double(n) / (threads / tm)) tm = d;
  const int tn = threads / tm;
  parallel_tasks(threads, [&](int64_t t) {
    const int64_t i0 = bound(m, tm, int(t / tn)), i1 = bound(m, tm, int(t / tn) + 1);
    const int64_t j0 = bound(n, tn, int(t % tn)), j1 = bound(n, tn, int(t % tn) + 1);
    if (i0 >= i1 || j0 >= j1) return;
    const float* as = ta ? a + i0 : a + i0 * lda;
    const float* bs = tb ? b + j0 * ldb : b + j0;
    gemm_serial(ta, tb, i1 - i0, j1 - j0, k, alpha, as, lda, bs, ldb, beta, c + i0 * ldc + j0, ldc);
  });
}

}  // namespace

const char* gemm_impl() {
#if defined(ALBERT_CBLAS_OPENBLAS)
  return force_portable ? "portable" : "openblas";
#elif defined(ALBERT_CBLAS_ACCELERATE)
  return force_portable ? "portable" : "accelerate";
#else
  return "portable";
#endif
}

const char* gemm_core() {
#if defined(ALBERT_CBLAS_OPENBLAS)
  return force_portable ? "" : openblas_get_corename();
#else
  return "";
#endif
}

void set_portable_gemm(bool on) { force_portable = on; }
void set_blas_threading(bool on) { blas_threading = on; }

void set_threads(int n) {
  pool_set_threads(n);
  blas_threads(1);  // parallelism comes from our pool; see gemm_parallel
}

int get_threads() { return pool_threads(); }

void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
#if defined(ALBERT_HAVE_CBLAS)
  if (!force_portable) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m), int(n), int(k),
                alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
    return;
  }
#endif
  portable_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int64_t batch, int64_t sa, int64_t sb,
          int64_t sc) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  int threads = pool_in_task() ? 1 : pool_threads();
  if (batch > 1 && threads > 1 && (batch >= 2 * threads || double(m) * double(n) * double(k) < kParallelMinWork)) {
    // many small products (attention heads): one task per product
    parallel_tasks(batch, [&](int64_t p) {
      gemm_serial(ta, tb, m, n, k, alpha, a + p * sa, lda, b + p * sb, ldb, beta, c + p * sc, ldc);
    });
    return;
  }
  for (int64_t p = 0; p < batch; p++)
    gemm_parallel(ta, tb, m, n, k, alpha, a + p * sa, lda, b + p * sb, ldb, beta, c + p * sc, ldc);
}

void linear_backward(const float* dy, const float* x, int64_t ldx, const float* w, float* dw, float* db, float* dx,
                     int64_t lddx, int64_t rows, int64_t in, int64_t out, bool accumulate) {
  bias_grad(dy, db, rows, out);
  const int threads = pool_in_task() ? 1 : pool_threads();
  const double work = double(rows) * double(in) * double(out);
  if (!dx || threads == 1 || work < 2 * kParallelMinWork || blas_threading) {
    gemm(true, false, out, in, rows, 1.0f, dy, out, x, ldx, 1.0f, dw, in, 1, 0, 0, 0);
    if (dx) gemm(false, false, rows, in, out, 1.0f, dy, out, w, in, accumulate ? 1.0f : 0.0f, dx, lddx, 1, 0, 0, 0);
    return;
  }
  // dW += dy^T x and dx = dy W cost the same and do not depend on each other: half the threads take
  // each, so that each product is split in two fewer parts (one thread each: unsplit), 3-5% faster for
  // both than one after the other split over every thread (isolated pairs with cold operands, 2 threads).
  const int64_t parts = (threads + 1) / 2;
  parallel_tasks(2 * parts, [&](int64_t t) {
    const int64_t i = t % parts;
    if (t < parts) {  // rows [o0, o1) of dW
      const int64_t o0 = bound(out, parts, i), o1 = bound(out, parts, i + 1);
      if (o0 < o1) gemm_serial(true, false, o1 - o0, in, rows, 1.0f, dy + o0, out, x, ldx, 1.0f, dw + o0 * in, in);
    } else {  // columns [j0, j1) of dx
      const int64_t j0 = bound(in, parts, i), j1 = bound(in, parts, i + 1);
      if (j0 < j1)
        gemm_serial(false, false, rows, j1 - j0, out, 1.0f, dy, out, w + j0, in, accumulate ? 1.0f : 0.0f, dx + j0, lddx);
    }
  });
}

}  // namespace albert
