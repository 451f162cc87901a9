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

// ---- GELU (erf form): gelu(x) = x Phi(x), Phi(x) = 0.5 erfc(-x / sqrt 2), in float.
// With a = |x| / sqrt 2 and t = 2 / (2 + a): erfc(a) = t exp(-a^2 + P(t)), where P is our own fit of
// log(erfc(a) / t) + a^2 (degree 9, least squares on 4000 Chebyshev nodes of t over a in [0, 10],
// max error 5e-8). In float this gives erfc to ~2e-6 relative for a <= 4 (the rounding of a^2),
// so Phi(x) = 0.5 erfc(a) for x < 0 keeps its relative accuracy deep into the tail.
constexpr float kErfcP[10] = {-1.2654479969022587f, 0.9986327833499651f,  0.38664041205172867f,
                              0.03460280045231872f, 0.0012675851138429094f, -0.08028042996305101f,
                              -0.6962519013934608f, 1.156733758827258f,   -0.6808271784305944f,
                              0.14493021382553523f};
constexpr float kSqrt1_2f = 0.70710678118654752f, kInvSqrt2Pif = 0.39894228040143268f;

static inline float erfc_poly(float t) {
  // Estrin-style pairing: a short dependency chain for the vectorized loop
  const float t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
  const float p01 = kErfcP[0] + kErfcP[1] * t, p23 = kErfcP[2] + kErfcP[3] * t, p45 = kErfcP[4] + kErfcP[5] * t;
  const float p67 = kErfcP[6] + kErfcP[7] * t, p89 = kErfcP[8] + kErfcP[9] * t;
  return (p01 + p23 * t2) + (p45 + p67 * t2) * t4 + p89 * t8;
}

/** Phi(x); also returns exp(-x^2 / 2) in e when asked (the backward needs the density). */
static inline float normal_cdf(float x, float* e) {
  const float a = (x < 0 ? -x : x) * kSqrt1_2f, t = 2.0f / (2.0f + a);
  float h;  // 0.5 erfc(a) = Phi(-|x|)
  if (e) {
    *e = exp_f(-a * a);
    h = 0.5f * t * *e * exp_f(erfc_poly(t));
  } else {
    h = 0.5f * t * exp_f(erfc_poly(t) - a * a);
  }
  return x < 0 ? h : 1.0f - h;
}

constexpr float kGeluNewC = 0.7978845608028654f, kGeluNewA = 0.044715f;
// (1 + tanh u) / 2 = sigmoid(2u): no cancellation where tanh u -> -1
static inline float half_one_plus_tanh(float u) { return 1.0f / (1.0f + exp_f(-2.0f * u)); }

ALBERT_MULTIVERSION
void act_forward_chunk(int act, const float* x, float* y, int64_t n) {
  switch (act) {
    case ACT_GELU:
      for (int64_t i = 0; i < n; i++) y[i] = x[i] * normal_cdf(x[i], nullptr);
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
      for (int64_t i = 0; i < n; i++) {
        float e;
        const float cdf = normal_cdf(x[i], &e);
        dx[i] = dy[i] * (cdf + x[i] * kInvSqrt2Pif * e);
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

// ---- elementwise chunks (multiversioned: the lambdas that call them are not)
ALBERT_MULTIVERSION
void add_chunk(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

ALBERT_MULTIVERSION
void axpy_chunk(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

ALBERT_MULTIVERSION
void scale_chunk(float* x, float alpha, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

ALBERT_MULTIVERSION
double sum_squares_chunk(const float* x, int64_t n) {
  double s8[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int t = 0; t < 8; t++) s8[t] += double(x[i + t]) * double(x[i + t]);
  double s = 0;
  for (int t = 0; t < 8; t++) s += s8[t];
  for (; i < n; i++) s += double(x[i]) * double(x[i]);
  return s;
}

ALBERT_MULTIVERSION
void adam_chunk(const float* param, const float* grad, float* m, float* v, float* update, int64_t n, float b1, float b2,
                float c1, float c2, float ib1, float ib2, float eps, float wd) {
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i];
    const float mi = b1 * m[i] + c1 * g;
    const float vi = b2 * v[i] + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    update[i] = (mi * ib1) / (std::sqrt(vi * ib2) + eps) + wd * param[i];
  }
}

// Loss of one row of logits (V) with its label; d (or null) gets (softmax - onehot) * grad_scale.
// With d, the exponentials are stored on the first pass and scaled on the second; d may be x.
ALBERT_MULTIVERSION
double cross_entropy_row(const float* x, int32_t label, int64_t V, float* d, float grad_scale) {
  const float x_label = x[label];  // read before d (maybe x) is written
  const float mx = max_of(x, V);
  double s8[8] = {};
  int64_t j = 0;
  for (; j + 8 <= V; j += 8)
    for (int t = 0; t < 8; t++) {
      const float e = exp_f(x[j + t] - mx);
      if (d) d[j + t] = e;
      s8[t] += e;
    }
  double s = 0;
  for (int t = 0; t < 8; t++) s += s8[t];
  for (; j < V; j++) {
    const float e = exp_f(x[j] - mx);
    if (d) d[j] = e;
    s += e;
  }
  if (d) {
    const float f = float(grad_scale / s);
    for (j = 0; j < V; j++) d[j] *= f;
    d[label] -= grad_scale;
  }
  return double(mx) + std::log(s) - double(x_label);
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

void act_forward_serial(int act, const float* x, float* y, int64_t n) { act_forward_chunk(act, x, y, n); }

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
      float* d = dlogits ? dlogits + r * V : nullptr;
      if (labels[r] == ignore_index) {
        if (d) std::fill(d, d + V, 0.0f);
        continue;
      }
      lr[r] = cross_entropy_row(logits + r * V, labels[r], V, d, grad_scale);
    }
  });
  double total = 0;
  for (int64_t r = 0; r < rows; r++) total += lr[r];
  return total;
}

void add(const float* a, const float* b, float* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { add_chunk(a + lo, b + lo, out + lo, hi - lo); });
}

void axpy(float alpha, const float* x, float* y, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { axpy_chunk(alpha, x + lo, y + lo, hi - lo); });
}

void scale(float* x, float alpha, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) { scale_chunk(x + lo, alpha, hi - lo); });
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
      ps[bi] = sum_squares_chunk(x + lo, hi - lo);
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
    adam_chunk(param + lo, grad + lo, m + lo, v + lo, update + lo, hi - lo, b1, b2, c1, c2, ib1, ib2, fe, wd);
  });
}

}  // namespace albert
