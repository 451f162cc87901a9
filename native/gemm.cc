// GEMM: CBLAS when the build found one (OpenBLAS on Linux, Accelerate on macOS), else a portable
// packed/blocked GEMM. Either way the work is split over our thread pool (CBLAS then runs
// single-threaded in each task), so the pool and OpenBLAS never fight over the cores.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "vmath.h"

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

// ---- portable GEMM: pack op(A) into MR-row panels and op(B) into NR-column panels, then a
// register-blocked MR x NR micro-kernel on GCC/Clang vector types (12 accumulators of 8 floats:
// one AVX2 register each in the x86-64-v3 clone, two SSE registers in the baseline one).
constexpr int MR = 6, NR = 16;
constexpr int64_t KC = 256, MC = 120, NC = 2048;
typedef float v8f __attribute__((vector_size(32)));

struct Packs {
  std::vector<float> a, b;  // grown once per thread, reused
};
thread_local Packs packs;

ALBERT_MULTIVERSION
void micro_kernel(const float* ap, const float* bp, int64_t kc, float* c, int64_t ldc, int rows, int cols) {
  v8f acc[MR][2] = {};
  for (int64_t l = 0; l < kc; l++) {
    v8f b0, b1;
    std::memcpy(&b0, bp + l * NR, sizeof(v8f));
    std::memcpy(&b1, bp + l * NR + 8, sizeof(v8f));
    for (int r = 0; r < MR; r++) {
      const float a = ap[l * MR + r];
      acc[r][0] += a * b0;
      acc[r][1] += a * b1;
    }
  }
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; r++) {
      v8f c0, c1;
      std::memcpy(&c0, c + r * ldc, sizeof(v8f));
      std::memcpy(&c1, c + r * ldc + 8, sizeof(v8f));
      c0 += acc[r][0];
      c1 += acc[r][1];
      std::memcpy(c + r * ldc, &c0, sizeof(v8f));
      std::memcpy(c + r * ldc + 8, &c1, sizeof(v8f));
    }
  } else {  // edge tile
    float tile[MR][NR];
    std::memcpy(tile, acc, sizeof(tile));
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < cols; j++) c[r * ldc + j] += tile[r][j];
  }
}

void portable_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                   const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) {
    float* row = c + i * ldc;
    if (beta == 0.0f) std::fill(row, row + n, 0.0f);  // BLAS: C is not read when beta = 0
    else if (beta != 1.0f) for (int64_t j = 0; j < n; j++) row[j] *= beta;
  }
  if (k == 0 || alpha == 0.0f) return;
  auto A = [&](int64_t i, int64_t l) { return ta ? a[l * lda + i] : a[i * lda + l]; };
  auto Bv = [&](int64_t l, int64_t j) { return tb ? b[j * ldb + l] : b[l * ldb + j]; };
  Packs& pk = packs;
  for (int64_t j0 = 0; j0 < n; j0 += NC) {
    int64_t nc = std::min(NC, n - j0), npan = (nc + NR - 1) / NR;
    for (int64_t l0 = 0; l0 < k; l0 += KC) {
      int64_t kc = std::min(KC, k - l0);
      if (int64_t(pk.b.size()) < npan * kc * NR) pk.b.resize(npan * kc * NR);
      for (int64_t jp = 0; jp < npan; jp++)
        for (int64_t l = 0; l < kc; l++)
          for (int j = 0; j < NR; j++) {
            int64_t jj = j0 + jp * NR + j;
            pk.b[(jp * kc + l) * NR + j] = jj < n ? Bv(l0 + l, jj) : 0.0f;
          }
      for (int64_t i0 = 0; i0 < m; i0 += MC) {
        int64_t mc = std::min(MC, m - i0), mpan = (mc + MR - 1) / MR;
        if (int64_t(pk.a.size()) < mpan * kc * MR) pk.a.resize(mpan * kc * MR);
        for (int64_t ip = 0; ip < mpan; ip++)
          for (int64_t l = 0; l < kc; l++)
            for (int r = 0; r < MR; r++) {
              int64_t ii = i0 + ip * MR + r;
              pk.a[(ip * kc + l) * MR + r] = ii < m ? alpha * A(ii, l0 + l) : 0.0f;
            }
        // B micro-panel (kc x NR) stays in L1 while the A block (mc x kc) streams from L2
        for (int64_t jp = 0; jp < npan; jp++)
          for (int64_t ip = 0; ip < mpan; ip++) {
            int64_t i = i0 + ip * MR, j = j0 + jp * NR;
            micro_kernel(&pk.a[ip * kc * MR], &pk.b[jp * kc * NR], kc, c + i * ldc + j, ldc,
                         int(std::min<int64_t>(MR, m - i)), int(std::min<int64_t>(NR, n - j)));
          }
      }
    }
  }
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
  auto bound = [](int64_t len, int parts, int i) {  // block i of `parts` over len, on multiples of 16
    if (i >= parts) return len;
    int64_t x = len * i / parts;
    return std::min(len, x - x % 16);
  };
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

}  // namespace albert
