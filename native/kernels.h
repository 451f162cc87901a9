// Kernel implementations behind the addon (pointer + size APIs; the N-API layer in addon.cc
// validates every array length first). Semantics: src/backend/backend.ts; reference: src/backend/js.ts.
#pragma once
#include <cstdint>

namespace albert {

/** Must match ACT_CODES in src/backend/native.ts. */
enum Act { ACT_LINEAR = 0, ACT_GELU = 1, ACT_GELU_NEW = 2, ACT_RELU = 3, ACT_SILU = 4, ACT_TANH = 5 };

// ---- threads and GEMM (gemm.cc) ----
void set_threads(int n);
int get_threads();
/** 'openblas' | 'accelerate' | 'portable'. */
const char* gemm_impl();
// The CBLAS's own kernel family (OpenBLAS's corename, e.g. "Haswell", "SapphireRapids"); "" when none.
const char* gemm_core();
void set_portable_gemm(bool on);
/** Large GEMMs: split over our pool (false, default) or one call with OpenBLAS's own threads (true). */
void set_blas_threading(bool on);

/** Batched strided row-major GEMM: C_p = alpha op(A_p) op(B_p) + beta C_p, multithreaded. */
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int64_t batch, int64_t sa, int64_t sb,
          int64_t sc);
/** One GEMM on the calling thread only (used inside pool tasks). */
void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/**
 * A Linear's backward (y = x W^T + b, W (out, in)): dW (out, in) += dy^T x, db (out) += column sums of dy,
 * and, when dx is not null, dx (rows, in) = dy W (+= when accumulate). dy (rows, out); x and dx have row
 * strides ldx and lddx; dx must not overlap the others (the two products may run at the same time).
 */
void linear_backward(const float* dy, const float* x, int64_t ldx, const float* w, float* dw, float* db, float* dx,
                     int64_t lddx, int64_t rows, int64_t in, int64_t out, bool accumulate);

// ---- hand-vectorized kernels (simd.cc): gemm_packed's micro-kernel, the attention softmax ----
/** What they run on this CPU: "avx2" (AVX2 + FMA) or "generic" (portable vector code). */
const char* simd_kernels();
/** Forces the generic kernels (tests compare them with the AVX2 ones). */
void set_generic_kernels(bool on);

// ---- GEMM against a prepacked B (packed_gemm.cc) ----
/** Floats a packed op(B) (k, n) occupies: ceil(n / 16) column panels of k x 16 (zero-padded past n). */
int64_t packed_b_floats(int64_t k, int64_t n);
/** Bytes the packed data should be aligned to (its start; each panel then is too). */
int64_t packed_b_alignment();
/** Packs op(B) (k, n) into dst: B is (k, n) with row stride ldb, or (n, k) when tb. */
void pack_b(const float* b, int64_t ldb, bool tb, int64_t k, int64_t n, float* dst);
/**
 * C (m, n) = act(A (m, k) op(B) + bias (n, or null) broadcast over rows [+ C when beta]); bp from pack_b;
 * act an Act code (ACT_LINEAR: none), applied to each block of C while it is still in cache.
 */
void gemm_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* bp, bool beta, float* c,
                 int64_t ldc, const float* bias, int act = 0);
/** One strip of gemm_packed on the calling thread, A read in place, for callers that pack small operands
 *  of their own (attention, per head): C (rows <= kStripRows, n) = A (rows, k) op(B), bp from pack_b. */
constexpr int kStripRows = 6;
void gemm_packed_strip(int rows, int64_t n, int64_t k, const float* a, int64_t lda, const float* bp, float* c, int64_t ldc);

// ---- everything else (kernels.cc, attention.cc) ----
void add_bias(float* x, const float* bias, int64_t rows, int64_t cols);
/** y = act(x) over n elements on the calling thread (y may be x): the body of act_forward's tasks. */
void act_forward_serial(int act, const float* x, float* y, int64_t n);
void bias_grad(const float* dy, float* dbias, int64_t rows, int64_t cols);
void act_forward(int act, const float* x, float* y, int64_t n);
void act_backward(int act, const float* x, const float* dy, float* dx, int64_t n);
void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int64_t rows, int64_t cols, float eps);
void layernorm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                        float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols);
// q, k, v, dq, dk, dv: (B*S, nh*hd) with row stride ld (>= nh*hd: e.g. 3*nh*hd for views into one packed
// (B*S, 3H) QKV tensor); ctx, dctx: (B*S, nh*hd) contiguous; mask: (B, S) or null; probs: (B, nh, S, S) (forward: or null, not kept)
void attention_forward(const float* q, const float* k, const float* v, const float* mask, float* probs, float* ctx,
                       int64_t B, int64_t S, int64_t nh, int64_t hd, float scale, double p, uint32_t seed, int64_t ld);
void attention_backward(const float* dctx, const float* q, const float* k, const float* v, const float* probs,
                        float* dq, float* dk, float* dv, int64_t B, int64_t S, int64_t nh, int64_t hd, float scale,
                        double p, uint32_t seed, int64_t ld);
void embedding_forward(const int32_t* ids, const float* table, float* out, int64_t n, int64_t dim, bool accumulate);
void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t dim);
/** y = x * keep(i) / (1 - p); y may alias x. */
void dropout(const float* x, float* y, int64_t n, double p, uint32_t seed);
double cross_entropy(const float* logits, const int32_t* labels, int64_t rows, int64_t V, float* dlogits,
                     float grad_scale, int32_t ignore_index);
void add(const float* a, const float* b, float* out, int64_t n);
void axpy(float alpha, const float* x, float* y, int64_t n);
void scale(float* x, float alpha, int64_t n);
double sum_squares(const float* x, int64_t n);
void adam_update(const float* param, const float* grad, float* m, float* v, float* update, int64_t n, double beta1,
                 double beta2, double eps, double bc1, double bc2, double weight_decay);

// ---- dropout mask (same bits as dropoutKeep in backend.ts) ----
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
/**
 * The mask of dropoutKeep in backend.ts: keep(i) <=> (fmix32(fmix32(seed) ^ i) >> 8) >= floor(p * 2^24);
 * kept values are scaled by 1 / (1 - p) (0 when p = 1).
 */
struct DropoutMask {
  bool on;
  uint32_t hseed, threshold;
  float scale;
  DropoutMask(double p, uint32_t seed)
      : on(p > 0),
        hseed(fmix32(seed)),
        threshold(p <= 0 ? 0u : p >= 1 ? 16777216u : uint32_t(p * 16777216.0)),
        scale(p >= 1 ? 0.0f : float(1.0 / (1.0 - p))) {}
  bool keep(uint32_t i) const { return (fmix32(hseed ^ i) >> 8) >= threshold; }
  /** x * keep(i) / (1 - p) */
  float apply(uint32_t i, float x) const {
    const float kept = x * scale;  // computed unconditionally: the select vectorizes
    return keep(i) ? kept : 0.0f;
  }
};

}  // namespace albert
