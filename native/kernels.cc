// Elementwise, normalization, embedding, dropout, loss and optimizer kernels, multithreaded over
// the pool. Reductions that decide accuracy use double accumulators; reductions that return a
// number are summed over fixed-size blocks in a fixed order, so results do not depend on threads.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "vmath.h"

namespace albert {
namespace {

// Elementwise work below this many elements per chunk is not worth a thread hand-off.
constexpr int64_t kGrain = 16384;

// ---- GELU (erf form) in double: Phi(x) = 0.5 erfc(-x / sqrt 2). For |x| < 2.5 sqrt 2 the
// all-positive series erf(a) = 2/sqrt(pi) e^{-a^2} a sum_n a^{2n} 2^n / (2n+1)!! (no cancellation,
// vectorizes); beyond, a scalar pass with std::erfc (few elements).
constexpr int kErfTerms = 32;
constexpr double kErfSplit = 2.5;  // in units of a = |x| / sqrt 2
struct ErfSeries {
  double c[kErfTerms] = {};
  constexpr ErfSeries() {
    double d = 1, p = 1;
    for (int n = 0; n < kErfTerms; n++) {
      d *= (2 * n + 1);
      c[n] = p / d;  // 2^n / (2n+1)!!
      p *= 2;
    }
  }
};
constexpr ErfSeries kErf{};

// sum_n c[n] x^n by Estrin's scheme, unrolled at compile time: a dependency chain of log2(32)
// steps instead of Horner's 32, so the vectorized element loop is not latency-bound.
// pw[j] = x^(2^j); evaluates the `len` (a power of two) coefficients from `lo`.
template <int lo, int len>
static inline double erf_estrin(const double* pw) {
  if constexpr (len == 1) {
    return kErf.c[lo];
  } else {
    constexpr int half = len / 2, level = __builtin_ctz(half);
    return erf_estrin<lo, half>(pw) + erf_estrin<lo + half, half>(pw) * pw[level];
  }
}
static_assert((kErfTerms & (kErfTerms - 1)) == 0, "Estrin evaluation needs a power-of-two term count");

static inline double erf_poly(double a2) {
  double pw[5];
  pw[0] = a2;
  for (int j = 1; j < 5; j++) pw[j] = pw[j - 1] * pw[j - 1];
  return erf_estrin<0, kErfTerms>(pw);
}

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// Phi(x) and the normal density phi(x), valid for |x| / sqrt 2 <= kErfSplit (clamped otherwise).
static inline void phi_series(double x, double& cdf, double& pdf) {
  double a = std::fabs(x) * kSqrt1_2;
  a = a > kErfSplit ? kErfSplit : a;
  double a2 = a * a, s = erf_poly(a2);
  double e = exp_d(-a2);
  double erf_a = kTwoOverSqrtPi * e * a * s;
  cdf = x >= 0 ? 0.5 + 0.5 * erf_a : 0.5 - 0.5 * erf_a;
  pdf = kInvSqrt2Pi * e;
}
static inline bool phi_tail(float x) { return std::fabs(double(x)) * kSqrt1_2 > kErfSplit; }
static inline double phi_exact(double x) {
  return x >= 0 ? 1 - 0.5 * std::erfc(x * kSqrt1_2) : 0.5 * std::erfc(-x * kSqrt1_2);
}

constexpr float kGeluNewC = 0.7978845608028654f, kGeluNewA = 0.044715f;
// (1 + tanh u) / 2 = sigmoid(2u): no cancellation where tanh u -> -1
static inline float half_one_plus_tanh(float u) { return 1.0f / (1.0f + exp_f(-2.0f * u)); }

ALBERT_MULTIVERSION
void act_forward_chunk(int act, const float* x, float* y, int64_t n) {
  switch (act) {
    case ACT_GELU:
      // tails keep x in y for the scalar pass (y may alias x)
      for (int64_t i = 0; i < n; i++) {
        double cdf, pdf;
        phi_series(x[i], cdf, pdf);
        y[i] = phi_tail(x[i]) ? x[i] : float(x[i] * cdf);
      }
      for (int64_t i = 0; i < n; i++)
        if (phi_tail(y[i])) y[i] = float(y[i] * phi_exact(y[i]));
      break;
    case ACT_GELU_NEW:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v * half_one_plus_tanh(kGeluNewC * (v + kGeluNewA * v * v * v));
      }
      break;
    case ACT_RELU:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
      break;
    case ACT_SILU:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + exp_f(-x[i]));
      break;
    case ACT_TANH:  // only the pooler uses it: small, and needs relative accuracy near 0
      for (int64_t i = 0; i < n; i++) y[i] = std::tanh(x[i]);
      break;
    default:
      for (int64_t i = 0; i < n; i++) y[i] = x[i];
  }
}

ALBERT_MULTIVERSION
void act_backward_chunk(int act, const float* x, const float* dy, float* dx, int64_t n) {
  switch (act) {
    case ACT_GELU:
      // tails keep dy in dx for the scalar pass (dx may alias dy)
      for (int64_t i = 0; i < n; i++) {
        double cdf, pdf;
        phi_series(x[i], cdf, pdf);
        dx[i] = phi_tail(x[i]) ? dy[i] : float(dy[i] * (cdf + x[i] * pdf));
      }
      for (int64_t i = 0; i < n; i++)
        if (phi_tail(x[i])) {
          double v = x[i];
          dx[i] = float(dx[i] * (phi_exact(v) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v)));
        }
      break;
    case ACT_GELU_NEW:
      for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        // with s = (1 + tanh u) / 2: 1 - tanh^2 u = 4 s (1 - s)
        float s = half_one_plus_tanh(kGeluNewC * (v + kGeluNewA * v * v * v));
        dx[i] = dy[i] * (s + 2.0f * v * s * (1.0f - s) * kGeluNewC * (1.0f + 3.0f * kGeluNewA * v * v));
      }
      break;
    case ACT_RELU:
      for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0.0f;
      break;
    case ACT_SILU:
      for (int64_t i = 0; i < n; i++) {
        float s = 1.0f / (1.0f + exp_f(-x[i]));
        dx[i] = dy[i] * (s * (1.0f + x[i] * (1.0f - s)));
      }
      break;
    case ACT_TANH:
      for (int64_t i = 0; i < n; i++) {
        float t = std::tanh(x[i]);
        dx[i] = dy[i] * (1.0f - t * t);
      }
      break;
    default:
      for (int64_t i = 0; i < n; i++) dx[i] = dy[i];
  }
}

// ---- LayerNorm rows. Stats in double with 8 independent partial sums (vectorizable).
ALBERT_MULTIVERSION
void layernorm_rows(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                    int64_t r0, int64_t r1, int64_t cols, float eps) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    double s8[8] = {};
    int64_t j = 0;
    for (; j + 8 <= cols; j += 8)
      for (int t = 0; t < 8; t++) s8[t] += xr[j + t];
    double s = 0;
    for (int t = 0; t < 8; t++) s += s8[t];
    for (; j < cols; j++) s += xr[j];
    double mu = s / double(cols);
    double v8[8] = {};
    j = 0;
    for (; j + 8 <= cols; j += 8)
      for (int t = 0; t < 8; t++) {
        double d = xr[j + t] - mu;
        v8[t] += d * d;
      }
    double v = 0;
    for (int t = 0; t < 8; t++) v += v8[t];
    for (; j < cols; j++) v += (xr[j] - mu) * (xr[j] - mu);
    double rs = 1.0 / std::sqrt(v / double(cols) + double(eps));
    float muf = float(mu), rsf = float(rs);
    float* yr = y + r * cols;
    for (j = 0; j < cols; j++) yr[j] = (xr[j] - muf) * rsf * gamma[j] + beta[j];
    mean[r] = muf;
    rstd[r] = rsf;
  }
}

ALBERT_MULTIVERSION
void layernorm_backward_rows(const float* dy, const float* x, const float* gamma, const float* mean,
                             const float* rstd, float* dx, int64_t r0, int64_t r1, int64_t cols) {
  for (int64_t r = r0; r < r1; r++) {
    const float* dyr = dy + r * cols;
    const float* xr = x + r * cols;
    const float mu = mean[r], rs = rstd[r];
    double sg8[8] = {}, sgx8[8] = {};
    int64_t j = 0;
    for (; j + 8 <= cols; j += 8)
      for (int t = 0; t < 8; t++) {
        float g = dyr[j + t] * gamma[j + t];
        float xhat = (xr[j + t] - mu) * rs;
        sg8[t] += g;
        sgx8[t] += g * xhat;
      }
    double sg = 0, sgx = 0;
    for (int t = 0; t < 8; t++) sg += sg8[t], sgx += sgx8[t];
    for (; j < cols; j++) {
      float g = dyr[j] * gamma[j];
      sg += g;
      sgx += g * ((xr[j] - mu) * rs);
    }
    const float mg = float(sg / double(cols)), mgx = float(sgx / double(cols));
    float* dxr = dx + r * cols;
    for (j = 0; j < cols; j++) dxr[j] = rs * (dyr[j] * gamma[j] - mg - (xr[j] - mu) * rs * mgx);
  }
}

// Column sums over all rows of dy (and of dy * xhat) for the columns [c0, c1), in double.
ALBERT_MULTIVERSION
void column_sums(const float* dy, const float* x, const float* mean, const float* rstd, int64_t rows,
                 int64_t cols, int64_t c0, int64_t c1, double* sdy, double* sdyx) {
  const int64_t w = c1 - c0;
  for (int64_t j = 0; j < w; j++) sdy[j] = 0, sdyx[j] = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * cols + c0;
    if (x) {
      const float* xr = x + r * cols + c0;
      const float mu = mean[r], rs = rstd[r];
      for (int64_t j = 0; j < w; j++) {
        sdy[j] += dyr[j];
        sdyx[j] += dyr[j] * ((xr[j] - mu) * rs);
      }
    } else {
      for (int64_t j = 0; j < w; j++) sdy[j] += dyr[j];
    }
  }
}

thread_local std::vector<double> col_scratch;

// Adds the column sums of dy (into dsum) and of dy * xhat (into dsumx, when x is given).
void accumulate_columns(const float* dy, const float* x, const float* mean, const float* rstd, int64_t rows,
                        int64_t cols, float* dsum, float* dsumx) {
  int64_t grain = std::max<int64_t>(16, kGrain / std::max<int64_t>(rows, 1));
  parallel_for(cols, grain, [&](int64_t c0, int64_t c1) {
    std::vector<double>& s = col_scratch;
    if (int64_t(s.size()) < 2 * (c1 - c0)) s.resize(2 * (c1 - c0));
    column_sums(dy, x, mean, rstd, rows, cols, c0, c1, s.data(), s.data() + (c1 - c0));
    for (int64_t j = c0; j < c1; j++) {
      dsum[j] += float(s[j - c0]);
      if (x) dsumx[j] += float(s[(c1 - c0) + j - c0]);
    }
  }, 16);
}

}  // namespace

void add_bias(float* x, const float* bias, int64_t rows, int64_t cols) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float* xr = x + r * cols;
      for (int64_t j = 0; j < cols; j++) xr[j] += bias[j];
    }
  });
}

void bias_grad(const float* dy, float* dbias, int64_t rows, int64_t cols) {
  accumulate_columns(dy, nullptr, nullptr, nullptr, rows, cols, dbias, nullptr);
}

void act_forward(int act, const float* x, float* y, int64_t n) {
  parallel_for(n, kGrain / 4, [&](int64_t lo, int64_t hi) { act_forward_chunk(act, x + lo, y + lo, hi - lo); }, 16);
}

void act_backward(int act, const float* x, const float* dy, float* dx, int64_t n) {
  parallel_for(n, kGrain / 4, [&](int64_t lo, int64_t hi) {
    act_backward_chunk(act, x + lo, dy + lo, dx + lo, hi - lo);
  }, 16);
}

void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int64_t rows, int64_t cols, float eps) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    layernorm_rows(x, gamma, beta, y, mean, rstd, r0, r1, cols, eps);
  });
}

void layernorm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                        float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t cols) {
  // parameter gradients first: dx may alias dy
  accumulate_columns(dy, x, mean, rstd, rows, cols, dbeta, dgamma);
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    layernorm_backward_rows(dy, x, gamma, mean, rstd, dx, r0, r1, cols);
  });
}

void embedding_forward(const int32_t* ids, const float* table, float* out, int64_t n, int64_t dim, bool accumulate) {
  parallel_for(n, std::max<int64_t>(1, kGrain / std::max<int64_t>(dim, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      const float* t = table + int64_t(ids[i]) * dim;
      float* o = out + i * dim;
      if (accumulate) for (int64_t j = 0; j < dim; j++) o[j] += t[j];
      else for (int64_t j = 0; j < dim; j++) o[j] = t[j];
    }
  });
}

void embedding_backward(const int32_t* ids, const float* dout, float* dtable, int64_t n, int64_t dim) {
  // split over columns: repeated ids then never race
  parallel_for(dim, std::max<int64_t>(16, kGrain / std::max<int64_t>(n, 1)), [&](int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < n; i++) {
      if (ids[i] < 0) continue;
      float* t = dtable + int64_t(ids[i]) * dim;
      const float* d = dout + i * dim;
      for (int64_t j = c0; j < c1; j++) t[j] += d[j];
    }
  }, 16);
}

void dropout(const float* x, float* y, int64_t n, double p, uint32_t seed) {
  if (p <= 0) {
    if (x != y) parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { std::copy(x + lo, x + hi, y + lo); });
    return;
  }
  const DropoutMask mask(p, seed);
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) y[i] = mask.apply(uint32_t(i), x[i]);
  });
}

double cross_entropy(const float* logits, const int32_t* labels, int64_t rows, int64_t V, float* dlogits,
                     float grad_scale, int32_t ignore_index) {
  thread_local std::vector<double> losses;  // per row, summed in order afterwards
  losses.assign(rows, 0.0);
  double* lr = losses.data();
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(V, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* x = logits + r * V;
      float* d = dlogits ? dlogits + r * V : nullptr;
      if (labels[r] == ignore_index) {
        if (d) std::fill(d, d + V, 0.0f);
        continue;
      }
      float mx = x[0];
      for (int64_t j = 1; j < V; j++) mx = x[j] > mx ? x[j] : mx;
      double s8[8] = {};
      int64_t j = 0;
      for (; j + 8 <= V; j += 8)
        for (int t = 0; t < 8; t++) s8[t] += exp_f(x[j + t] - mx);
      double s = 0;
      for (int t = 0; t < 8; t++) s += s8[t];
      for (; j < V; j++) s += exp_f(x[j] - mx);
      const double lse = double(mx) + std::log(s);
      lr[r] = lse - double(x[labels[r]]);
      if (d) {
        const float inv = float(1.0 / s);
        for (j = 0; j < V; j++) d[j] = exp_f(x[j] - mx) * inv * grad_scale;
        d[labels[r]] -= grad_scale;
      }
    }
  });
  double total = 0;
  for (int64_t r = 0; r < rows; r++) total += lr[r];
  return total;
}

void add(const float* a, const float* b, float* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
  });
}

void axpy(float alpha, const float* x, float* y, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) y[i] += alpha * x[i];
  });
}

void scale(float* x, float alpha, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) x[i] *= alpha;
  });
}

double sum_squares(const float* x, int64_t n) {
  // fixed blocks, summed in order: the result does not depend on the thread count
  const int64_t block = 8192, nb = (n + block - 1) / block;
  thread_local std::vector<double> partial;
  partial.assign(nb, 0.0);
  double* ps = partial.data();
  parallel_for(nb, std::max<int64_t>(1, kGrain / block), [&](int64_t b0, int64_t b1) {
    for (int64_t bi = b0; bi < b1; bi++) {
      const int64_t lo = bi * block, hi = std::min(n, lo + block);
      double s8[8] = {};
      int64_t i = lo;
      for (; i + 8 <= hi; i += 8)
        for (int t = 0; t < 8; t++) s8[t] += double(x[i + t]) * double(x[i + t]);
      double s = 0;
      for (int t = 0; t < 8; t++) s += s8[t];
      for (; i < hi; i++) s += double(x[i]) * double(x[i]);
      ps[bi] = s;
    }
  });
  double total = 0;
  for (int64_t bi = 0; bi < nb; bi++) total += ps[bi];
  return total;
}

void adam_update(const float* param, const float* grad, float* m, float* v, float* update, int64_t n, double beta1,
                 double beta2, double eps, double bc1, double bc2, double weight_decay) {
  // coefficients from the double-precision hyperparameters (1 - 0.9f is not 0.1f)
  const float b1 = float(beta1), b2 = float(beta2), c1 = float(1.0 - beta1), c2 = float(1.0 - beta2);
  const float ib1 = float(1.0 / bc1), ib2 = float(1.0 / bc2), fe = float(eps), wd = float(weight_decay);
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
      const float g = grad[i];
      const float mi = b1 * m[i] + c1 * g;
      const float vi = b2 * v[i] + c2 * g * g;
      m[i] = mi;
      v[i] = vi;
      update[i] = (mi * ib1) / (std::sqrt(vi * ib2) + fe) + wd * param[i];
    }
  });
}

}  // namespace albert
