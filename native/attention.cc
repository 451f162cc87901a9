// Multi-head attention, one pool task per (batch, head): two GEMMs per head around a fused
// scale + mask + softmax (+ dropout) pass, all on a per-thread scratch, so nothing is allocated per
// call once the scratch has grown. Without dropout on AVX2, the forward runs a head on gemm_packed's
// micro-kernel (head_forward_packed); otherwise on CBLAS calls per block of query rows.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "simd.h"
#include "vmath.h"

namespace albert {
namespace {

thread_local std::vector<float> scratch;

// n floats of this thread's scratch, starting at a packed_b_alignment() boundary (packed panels live there)
float* scratch_floats(int64_t n) {
  const int64_t a = packed_b_alignment() / int64_t(sizeof(float));
  if (int64_t(scratch.size()) < n + a) scratch.resize(n + a);
  const int64_t skew = int64_t(reinterpret_cast<uintptr_t>(scratch.data()) / sizeof(float) % a);
  return scratch.data() + (a - skew) % a;
}

// Row i of raw scores (S) -> softmax(scale * scores + mask), in place; mask is the (S) additive key mask or null.
ALBERT_MULTIVERSION
void softmax_row(float* row, const float* mask, int64_t S, float scale) {
  if (scale != 1.0f)
    for (int64_t j = 0; j < S; j++) row[j] *= scale;
  if (mask)
    for (int64_t j = 0; j < S; j++) row[j] += mask[j];
  const float mx = max_of(row, S);
  double s8[8] = {};
  int64_t j = 0;
  for (; j + 8 <= S; j += 8)
    for (int t = 0; t < 8; t++) {
      float e = exp_f(row[j + t] - mx);
      row[j + t] = e;
      s8[t] += e;
    }
  double s = 0;
  for (int t = 0; t < 8; t++) s += s8[t];
  for (; j < S; j++) {
    float e = exp_f(row[j] - mx);
    row[j] = e;
    s += e;
  }
  const float inv = float(1.0 / s);
  for (j = 0; j < S; j++) row[j] *= inv;
}

#if defined(ALBERT_HAS_AVX2)
// The same softmax, 8 lanes at a time: 2x the auto-vectorized loops above, whose double sum does
// not vectorize (the sum here is in float lanes: relative error ~1e-7 at S = 512).
ALBERT_AVX2 void softmax_row_avx2(float* row, const float* mask, int64_t S, float scale) {
  const int64_t S8 = S / 8 * 8;
  const bool scaled = scale != 1.0f;
  const __m256 vscale = _mm256_set1_ps(scale);
  __m256 vm = _mm256_set1_ps(-3.402823466e38f);
  int64_t j = 0;
  for (; j < S8; j += 8) {
    __m256 v = _mm256_loadu_ps(row + j);
    if (scaled) v = _mm256_mul_ps(v, vscale);
    if (mask) v = _mm256_add_ps(v, _mm256_loadu_ps(mask + j));
    if (scaled || mask) _mm256_storeu_ps(row + j, v);
    vm = _mm256_max_ps(vm, v);
  }
  float mx = S8 ? hmax8(vm) : row[0] * scale + (mask ? mask[0] : 0.0f);
  for (; j < S; j++) {
    if (scaled) row[j] *= scale;
    if (mask) row[j] += mask[j];
    mx = row[j] > mx ? row[j] : mx;
  }
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 vs = _mm256_setzero_ps();
  for (j = 0; j < S8; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), vmx));
    _mm256_storeu_ps(row + j, e);
    vs = _mm256_add_ps(vs, e);
  }
  double s = hsum8(vs);
  for (; j < S; j++) {
    row[j] = exp_f(row[j] - mx);
    s += row[j];
  }
  const float inv = float(1.0 / s);
  const __m256 vinv = _mm256_set1_ps(inv);
  for (j = 0; j < S8; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), vinv));
  for (; j < S; j++) row[j] *= inv;
}

// softmax_backward_row without dropout, 8 lanes at a time.
ALBERT_AVX2 void softmax_backward_row_avx2(const float* P, float* dP, int64_t S, float scale) {
  const int64_t S8 = S / 8 * 8;
  __m256 vd = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j < S8; j += 8) vd = _mm256_fmadd_ps(_mm256_loadu_ps(P + j), _mm256_loadu_ps(dP + j), vd);
  double dot = hsum8(vd);
  for (; j < S; j++) dot += P[j] * dP[j];
  const float d = float(dot);
  const __m256 vdot = _mm256_set1_ps(d), vscale = _mm256_set1_ps(scale);
  for (j = 0; j < S8; j += 8) {
    const __m256 g = _mm256_sub_ps(_mm256_loadu_ps(dP + j), vdot);
    _mm256_storeu_ps(dP + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(P + j), g), vscale));
  }
  for (; j < S; j++) dP[j] = P[j] * (dP[j] - d) * scale;
}
#endif

// r rows of softmax(scale * P + mask), in place, rows ld apart (one dispatch per block of rows, not per row).
void softmax_rows(float* P, int64_t r, const float* mask, int64_t S, int64_t ld, float scale) {
#if defined(ALBERT_HAS_AVX2)
  if (use_avx2()) {
    for (int64_t i = 0; i < r; i++) softmax_row_avx2(P + i * ld, mask, S, scale);
    return;
  }
#endif
  for (int64_t i = 0; i < r; i++) softmax_row(P + i * ld, mask, S, scale);
}

// dscores row from probs row P, dP row (overwritten): dS = P * (m dP - sum(P m dP)) * scale,
// m the dropout multiplier of each entry (1 without dropout); base is the flat index of the row.
ALBERT_MULTIVERSION
void softmax_backward_row(const float* P, float* dP, int64_t S, float scale, const DropoutMask& mask, uint32_t base) {
  if (mask.on)
    for (int64_t j = 0; j < S; j++) dP[j] = mask.apply(base + uint32_t(j), dP[j]);
  double d8[8] = {};
  int64_t j = 0;
  for (; j + 8 <= S; j += 8)
    for (int t = 0; t < 8; t++) d8[t] += P[j + t] * dP[j + t];
  double dot = 0;
  for (int t = 0; t < 8; t++) dot += d8[t];
  for (; j < S; j++) dot += P[j] * dP[j];
  const float d = float(dot);
  for (j = 0; j < S; j++) dP[j] = P[j] * (dP[j] - d) * scale;
}

// r rows of softmax_backward_row (rows of P and dP S apart, flat index of the first entry base).
void softmax_backward_rows(const float* P, float* dP, int64_t r, int64_t S, float scale, const DropoutMask& mask,
                           uint32_t base) {
#if defined(ALBERT_HAS_AVX2)
  if (use_avx2() && !mask.on) {
    for (int64_t i = 0; i < r; i++) softmax_backward_row_avx2(P + i * S, dP + i * S, S, scale);
    return;
  }
#endif
  for (int64_t i = 0; i < r; i++) softmax_backward_row(P + i * S, dP + i * S, S, scale, mask, base + uint32_t(i * S));
}

// The probabilities as used by ctx for n entries from flat index base: P itself, or dropout(P) in out.
const float* dropped(const float* P, float* out, int64_t n, const DropoutMask& mask, uint32_t base) {
  if (!mask.on) return P;
  for (int64_t t = 0; t < n; t++) out[t] = mask.apply(base + uint32_t(t), P[t]);
  return out;
}

// Query rows per block: a block's (rows, S) scores (~128 KB) stay in cache from the scores GEMM
// through the softmax to the context GEMM, instead of streaming the whole (S, S) head 3 times.
int64_t row_block(int64_t S) { return std::max<int64_t>(16, std::min<int64_t>(S, 32768 / std::max<int64_t>(S, 1))); }

// One head without dropout on gemm_packed's micro-kernel (AVX2): K_h^T and V_h are packed once (pack_b),
// then each strip of kStripRows queries goes scores -> softmax -> context while its (rows, S) scores stay
// in L1; Q is read in place. CBLAS calls per block of rows repack both operands and zero C every time:
// this is 1.1x-1.2x their speed at seq 128, 1.2x-1.3x at seq 512 (base-v2 heads, 2 threads).
void head_forward_packed(const float* q, const float* k, const float* v, const float* key_mask, float* probs, float* ctx,
                         int64_t S, int64_t hd, float scale, int64_t ld, int64_t H) {
  const int64_t a = packed_b_alignment() / int64_t(sizeof(float)), S16 = packed_b_floats(1, S);  // S in whole panels
  const int64_t nk = (packed_b_floats(hd, S) + a - 1) / a * a, nv = (packed_b_floats(S, hd) + a - 1) / a * a;
  float* kt = scratch_floats(nk + nv + kStripRows * S16);
  float* vt = kt + nk;
  float* sc = vt + nv;  // a strip's scores, S16 wide: the padded keys' columns come out zero
  pack_b(k, ld, true, hd, S, kt);  // K_h^T (hd, S)
  pack_b(v, ld, false, S, hd, vt); // V_h (S, hd)
  for (int64_t i = 0; i < S; i += kStripRows) {
    const int rows = int(std::min<int64_t>(kStripRows, S - i));
    gemm_packed_strip(rows, S16, hd, q + i * ld, ld, kt, sc, S16);
    softmax_rows(sc, rows, key_mask, S, S16, scale);
    if (probs)
      for (int r = 0; r < rows; r++) std::memcpy(probs + (i + r) * S, sc + r * S16, S * sizeof(float));
    gemm_packed_strip(rows, hd, S, sc, S16, vt, ctx + i * H, H);
  }
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, const float* mask, float* probs, float* ctx,
                       int64_t B, int64_t S, int64_t nh, int64_t hd, float scale, double p, uint32_t seed, int64_t ld) {
  const int64_t H = nh * hd, R = row_block(S);
  const DropoutMask drop(p, seed);
  const bool packed = use_avx2() && !drop.on;
  parallel_tasks(B * nh, [&](int64_t bh) {
    const int64_t b = bh / nh, h = bh % nh;
    // head h of batch b: (S, hd) with row stride ld in q, k, v and H in ctx
    const int64_t off = b * S * ld + h * hd, offc = b * S * H + h * hd;
    const float* key_mask = mask ? mask + b * S : nullptr;
    if (packed) {
      head_forward_packed(q + off, k + off, v + off, key_mask, probs ? probs + bh * S * S : nullptr, ctx + offc, S, hd,
                          scale, ld, H);
      return;
    }
    // without probs (inference) a block's scores live only in this task's scratch, which stays in cache
    float* scratch = scratch_floats((drop.on ? R * S : 0) + (probs ? 0 : R * S));
    float* rows = scratch + (drop.on ? R * S : 0);
    for (int64_t i0 = 0; i0 < S; i0 += R) {
      const int64_t r = std::min(R, S - i0);
      float* P = probs ? probs + (bh * S + i0) * S : rows;  // rows i0 .. i0 + r of this head's (S, S) probs
      // scores = Q_h[rows] K_h^T  (r, S), then softmax(scale * scores + mask) in place
      gemm_serial(false, true, r, S, hd, 1.0f, q + off + i0 * ld, ld, k + off, ld, 0.0f, P, S);
      softmax_rows(P, r, key_mask, S, S, scale);
      const float* Pd = dropped(P, scratch, r * S, drop, uint32_t((bh * S + i0) * S));
      // ctx_h[rows] = Pd V_h  (r, hd)
      gemm_serial(false, false, r, hd, S, 1.0f, Pd, S, v + off, ld, 0.0f, ctx + offc + i0 * H, H);
    }
  });
}

void attention_backward(const float* dctx, const float* q, const float* k, const float* v, const float* probs,
                        float* dq, float* dk, float* dv, int64_t B, int64_t S, int64_t nh, int64_t hd, float scale,
                        double p, uint32_t seed, int64_t ld) {
  const int64_t H = nh * hd, R = row_block(S);
  const DropoutMask drop(p, seed);
  parallel_tasks(B * nh, [&](int64_t bh) {
    const int64_t b = bh / nh, h = bh % nh;
    const int64_t off = b * S * ld + h * hd, offc = b * S * H + h * hd;  // row strides ld and H (dctx)
    float* dP = scratch_floats(2 * R * S);  // (r, S) dP, then (r, S) dropped probs
    for (int64_t i0 = 0; i0 < S; i0 += R) {
      const int64_t r = std::min(R, S - i0);
      const float* P = probs + (bh * S + i0) * S;
      const uint32_t base = uint32_t((bh * S + i0) * S);
      const float* dctx_r = dctx + offc + i0 * H;
      const float beta = i0 == 0 ? 0.0f : 1.0f;  // dK, dV: the first block writes, later ones add
      const float* Pd = dropped(P, dP + R * S, r * S, drop, base);
      // dV_h += Pd^T dctx_h[rows] ; dP = dctx_h[rows] V_h^T
      gemm_serial(true, false, S, hd, r, 1.0f, Pd, S, dctx_r, H, beta, dv + off, ld);
      gemm_serial(false, true, r, S, hd, 1.0f, dctx_r, H, v + off, ld, 0.0f, dP, S);
      softmax_backward_rows(P, dP, r, S, scale, drop, base);
      // dQ_h[rows] = dS K_h ; dK_h += dS^T Q_h[rows]
      gemm_serial(false, false, r, hd, S, 1.0f, dP, S, k + off, ld, 0.0f, dq + off + i0 * ld, ld);
      gemm_serial(true, false, S, hd, r, 1.0f, dP, S, q + off + i0 * ld, ld, beta, dk + off, ld);
    }
  });
}

}  // namespace albert
