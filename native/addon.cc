// N-API glue: validates every argument (types, integer dims, array lengths against the shapes)
// before any kernel touches memory, so bad calls throw a TypeError/RangeError instead of crashing.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels.h"
#include "onednn.h"
#include "pool.h"
#include "simd.h"

namespace albert {
namespace {

struct ArgError {
  std::string message;
  bool range;  // RangeError (bad value) vs TypeError (bad type)
};

template <class T>
struct Span {
  T* data = nullptr;
  int64_t size = 0;
};

// Marks dnnlPack's Externals: any other External passed as a weight would be a wild pointer.
const napi_type_tag kDnnlWeightsTag = {0x8c1f2a6e4b9d3c71ULL, 0x5e0a7d2b91c4f638ULL};

std::string whole(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* fn, size_t expected) : env_(env), fn_(fn) {
    argc_ = kMax;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
    if (argc_ < expected) fail(false, "expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc_));
  }

  double num(size_t i, const char* name) {
    double v;
    if (napi_get_value_double(env_, argv_[i], &v) != napi_ok) fail(false, std::string(name) + " must be a number");
    return v;
  }

  /** A non-negative integer below 2^31 (what BLAS and our loops accept). */
  int64_t dim(size_t i, const char* name) {
    double v = num(i, name);
    if (!(v >= 0 && v < 2147483648.0 && std::floor(v) == v))
      fail(true, std::string(name) + " must be an integer in 0..2^31-1, got " + std::to_string(v));
    return int64_t(v);
  }

  int64_t i64(size_t i, const char* name) {
    double v = num(i, name);
    if (!(std::fabs(v) <= 9007199254740991.0 && std::floor(v) == v)) fail(true, std::string(name) + " must be an integer");
    return int64_t(v);
  }

  /** An optional trailing dim: `fallback` when argument i is absent or undefined. */
  int64_t opt_dim(size_t i, const char* name, int64_t fallback) {
    if (i >= argc_) return fallback;
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    return vt == napi_undefined ? fallback : dim(i, name);
  }

  /** Throws unless the row stride ld (named ld_name) holds a row of `cols` (named what). */
  void need_ld(int64_t ld, const char* ld_name, int64_t cols, const char* what) {
    if (ld < std::max<int64_t>(1, cols)) fail(true, std::string(ld_name) + " " + std::to_string(ld) + " < " + what + " " + std::to_string(cols));
  }

  /** An activation code (enum Act); when `optional`, ACT_LINEAR if the argument is absent or undefined. */
  int act(size_t i, bool optional = false) {
    const int64_t c = optional ? opt_dim(i, "act", ACT_LINEAR) : dim(i, "act");
    if (c > ACT_TANH) fail(true, "unknown activation code " + std::to_string(c));
    return int(c);
  }

  bool flag(size_t i, const char* name) {
    bool v;
    if (napi_get_value_bool(env_, argv_[i], &v) != napi_ok) fail(false, std::string(name) + " must be a boolean");
    return v;
  }

  Span<float> f32(size_t i, const char* name, bool nullable = false) { return typed<float>(i, name, napi_float32_array, "Float32Array", nullable); }
  /** A Float32Array holding at least n elements. */
  float* f32n(size_t i, const char* name, int64_t n) {
    Span<float> s = f32(i, name);
    need(s, double(n), name);
    return s.data;
  }
  Span<int32_t> i32(size_t i, const char* name) { return typed<int32_t>(i, name, napi_int32_array, "Int32Array", false); }
  Span<uint16_t> u16(size_t i, const char* name, const char* type_name) { return typed<uint16_t>(i, name, napi_uint16_array, type_name, false); }
  Span<int8_t> i8(size_t i, const char* name, const char* type_name) { return typed<int8_t>(i, name, napi_int8_array, type_name, false); }

  std::string str(size_t i, const char* name) {
    size_t len = 0;
    if (napi_get_value_string_utf8(env_, argv_[i], nullptr, 0, &len) != napi_ok) fail(false, std::string(name) + " must be a string");
    std::vector<char> buf(len + 1);
    napi_get_value_string_utf8(env_, argv_[i], buf.data(), buf.size(), &len);
    return std::string(buf.data(), len);
  }

  /** A weight made by dnnlPack (an External carrying kDnnlWeightsTag). */
  DnnlWeights* dnnl_weights(size_t i, const char* name) {
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    bool tagged = false;
    if (vt == napi_external) napi_check_object_type_tag(env_, argv_[i], &kDnnlWeightsTag, &tagged);
    if (!tagged) fail(false, std::string(name) + " must be a weight made by dnnlPack");
    void* p = nullptr;
    napi_get_value_external(env_, argv_[i], &p);
    return static_cast<DnnlWeights*>(p);
  }

  /** Throws unless the array holds at least `needed` elements. */
  template <class T>
  void need(const Span<T>& s, double needed, const char* name) {
    if (double(s.size) < needed)
      fail(true, std::string(name) + " has " + std::to_string(s.size) + " elements, the shapes need " + whole(needed));
  }

  [[noreturn]] void fail(bool range, const std::string& what) { throw ArgError{std::string(fn_) + ": " + what, range}; }

 private:
  template <class T>
  Span<T> typed(size_t i, const char* name, napi_typedarray_type want, const char* type_name, bool nullable) {
    Span<T> s;
    napi_valuetype vt;
    napi_typeof(env_, argv_[i], &vt);
    if (nullable && (vt == napi_null || vt == napi_undefined)) return s;
    bool is_ta = false;
    napi_is_typedarray(env_, argv_[i], &is_ta);
    if (!is_ta) fail(false, std::string(name) + " must be a " + type_name);
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr);
    if (type != want) fail(false, std::string(name) + " must be a " + type_name);
    s.data = static_cast<T*>(data);
    s.size = int64_t(length);
    return s;
  }

  static constexpr size_t kMax = 20;
  napi_env env_;
  const char* fn_;
  size_t argc_;
  napi_value argv_[kMax];
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value string(napi_env env, const char* s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

// Wraps a body so that ArgError (and any other exception, as an Error) becomes a JS exception.
template <class F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const ArgError& e) {
    if (e.range) napi_throw_range_error(env, nullptr, e.message.c_str());
    else napi_throw_type_error(env, nullptr, e.message.c_str());
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

// Elements spanned by `batch` blocks of `rows` x `cols` (row stride ld, block stride stride).
// (In double: the int64 sum could overflow for absurd arguments; array lengths are < 2^53.)
double span_of(int64_t batch, int64_t stride, int64_t rows, int64_t ld, int64_t cols) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  return double(batch - 1) * double(stride) + double(rows - 1) * double(ld) + double(cols);
}

#define ALBERT_FN(name) napi_value name(napi_env env, napi_callback_info info)

ALBERT_FN(SetThreads) {
  return guarded(env, [&] {
    Args a(env, info, "setThreads", 1);
    int64_t n = a.dim(0, "n");
    if (n < 1 || n > 1024) a.fail(true, "threads must be in 1..1024");
    set_threads(int(n));
    return undefined(env);
  });
}

ALBERT_FN(GetThreads) { return number(env, get_threads()); }

// fn(on): a switch of the GEMMs (tests and benchmarks compare their variants)
napi_value set_switch(napi_env env, napi_callback_info info, const char* fn, void (*set)(bool)) {
  return guarded(env, [&] {
    Args a(env, info, fn, 1);
    set(a.flag(0, "on"));
    return undefined(env);
  });
}

ALBERT_FN(GemmImpl) { return string(env, gemm_impl()); }
ALBERT_FN(GemmCore) { return string(env, gemm_core()); }
ALBERT_FN(SetPortableGemm) { return set_switch(env, info, "setPortableGemm", set_portable_gemm); }
ALBERT_FN(SetBlasThreading) { return set_switch(env, info, "setBlasThreading", set_blas_threading); }

// gemm's arguments (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC), checked.
struct GemmCall {
  bool ta, tb;
  int64_t m, n, k;
  float alpha;
  float* a;
  int64_t lda;
  float* b;
  int64_t ldb;
  float beta;
  float* c;
  int64_t ldc, batch, sa, sb, sc;
};

GemmCall gemm_args(Args& a) {
  GemmCall g;
  g.ta = a.flag(0, "transA");
  g.tb = a.flag(1, "transB");
  g.m = a.dim(2, "m");
  g.n = a.dim(3, "n");
  g.k = a.dim(4, "k");
  g.alpha = float(a.num(5, "alpha"));
  auto A = a.f32(6, "a");
  g.lda = a.dim(7, "lda");
  auto B = a.f32(8, "b");
  g.ldb = a.dim(9, "ldb");
  g.beta = float(a.num(10, "beta"));
  auto C = a.f32(11, "c");
  g.ldc = a.dim(12, "ldc");
  g.batch = a.dim(13, "batch");
  g.sa = a.dim(14, "strideA");
  g.sb = a.dim(15, "strideB");
  g.sc = a.dim(16, "strideC");
  const int64_t m = g.m, n = g.n, k = g.k, batch = g.batch;
  const int64_t rowsA = g.ta ? k : m, colsA = g.ta ? m : k, rowsB = g.tb ? n : k, colsB = g.tb ? k : n;
  a.need_ld(g.lda, "lda", colsA, "columns of A");
  a.need_ld(g.ldb, "ldb", colsB, "columns of B");
  a.need_ld(g.ldc, "ldc", n, "n");
  if (batch > 1 && m > 0 && n > 0 && g.sc < span_of(1, 0, m, g.ldc, n)) a.fail(true, "strideC is smaller than one C block: batched outputs would overlap");
  if (m > 0 && n > 0) {
    a.need(A, span_of(batch, g.sa, rowsA, g.lda, colsA), "a");
    a.need(B, span_of(batch, g.sb, rowsB, g.ldb, colsB), "b");
  }
  a.need(C, span_of(batch, g.sc, m, g.ldc, n), "c");
  g.a = A.data;
  g.b = B.data;
  g.c = C.data;
  return g;
}

ALBERT_FN(Gemm) {
  return guarded(env, [&] {
    Args a(env, info, "gemm", 17);
    const GemmCall g = gemm_args(a);
    gemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc, g.batch, g.sa, g.sb, g.sc);
    return undefined(env);
  });
}

ALBERT_FN(SimdKernels) { return string(env, simd_kernels()); }
ALBERT_FN(SetGenericKernels) { return set_switch(env, info, "setGenericKernels", set_generic_kernels); }
ALBERT_FN(CpuIsa) { return string(env, isa_name(cpu_isa())); }
// setIsa(level): 0 generic, 1 avx2, 2 avx512; clamped to what the CPU has.
ALBERT_FN(SetIsa) {
  return guarded(env, [&] {
    Args a(env, info, "setIsa", 1);
    const double l = a.num(0, "level");
    if (!(l == 0 || l == 1 || l == 2)) a.fail(true, "level must be 0 (generic), 1 (avx2) or 2 (avx512)");
    set_isa(Isa(int(l)));
    return undefined(env);
  });
}
// The extensions beside the level in use, space-separated (empty when none).
ALBERT_FN(IsaExtensions) {
  std::string s;
  if (has_avx512_bf16()) s += "avx512_bf16 ";
  if (has_avx512_vnni()) s += "avx512_vnni ";
  if (has_avx_vnni()) s += "avx_vnni ";
  if (!s.empty()) s.pop_back();
  return string(env, s.c_str());
}

ALBERT_FN(PackedBFloats) {
  return guarded(env, [&] {
    Args a(env, info, "packedBFloats", 2);
    return number(env, double(packed_b_floats(a.dim(0, "k"), a.dim(1, "n"))));
  });
}

// packB(b, ldb, transB, k, n, store) -> offset: packs op(B) (k, n) into store at the first
// 64-byte-aligned element (the offset returned); store needs packedBFloats(k, n) + 15 elements.
ALBERT_FN(PackB) {
  return guarded(env, [&] {
    Args a(env, info, "packB", 6);
    auto B = a.f32(0, "b");
    const int64_t ldb = a.dim(1, "ldb");
    const bool tb = a.flag(2, "transB");
    const int64_t k = a.dim(3, "k"), n = a.dim(4, "n");
    auto store = a.f32(5, "store");
    const int64_t rowsB = tb ? n : k, colsB = tb ? k : n;
    a.need_ld(ldb, "ldb", colsB, "columns of B");
    a.need(B, span_of(1, 0, rowsB, ldb, colsB), "b");
    const int64_t align = packed_b_alignment() / int64_t(sizeof(float));
    const int64_t offset = (align - int64_t(reinterpret_cast<uintptr_t>(store.data) / sizeof(float) % align)) % align;
    a.need(store, double(offset + packed_b_floats(k, n)), "store");
    pack_b(B.data, ldb, tb, k, n, store.data + offset);
    return number(env, double(offset));
  });
}

ALBERT_FN(GemmPacked) {
  return guarded(env, [&] {
    Args a(env, info, "gemmPacked", 10);
    const int64_t m = a.dim(0, "m");
    auto A = a.f32(1, "a");
    const int64_t lda = a.dim(2, "lda");
    auto P = a.f32(3, "packed");
    const int64_t k = a.dim(4, "k"), n = a.dim(5, "n");
    const double beta = a.num(6, "beta");
    auto C = a.f32(7, "c");
    const int64_t ldc = a.dim(8, "ldc");
    auto bias = a.f32(9, "bias", true);
    const int act = a.act(10, true);  // optional: the fused activation
    if (beta != 0 && beta != 1) a.fail(true, "beta must be 0 or 1");
    a.need_ld(lda, "lda", k, "k");
    a.need_ld(ldc, "ldc", n, "n");
    a.need(P, double(packed_b_floats(k, n)), "packed");
    if (m > 0 && n > 0) a.need(A, span_of(1, 0, m, lda, k), "a");
    a.need(C, span_of(1, 0, m, ldc, n), "c");
    if (bias.data) a.need(bias, double(n), "bias");
    gemm_packed(m, n, k, A.data, lda, P.data, beta == 1, C.data, ldc, bias.data, act);
    return undefined(env);
  });
}

ALBERT_FN(AddBias) {
  return guarded(env, [&] {
    Args a(env, info, "addBias", 4);
    auto x = a.f32(0, "x"), bias = a.f32(1, "bias");
    int64_t rows = a.dim(2, "rows"), cols = a.dim(3, "cols");
    a.need(x, rows * cols, "x");
    a.need(bias, rows > 0 ? cols : 0, "bias");
    add_bias(x.data, bias.data, rows, cols);
    return undefined(env);
  });
}

ALBERT_FN(BiasGrad) {
  return guarded(env, [&] {
    Args a(env, info, "biasGrad", 4);
    auto dy = a.f32(0, "dy"), db = a.f32(1, "dbias");
    int64_t rows = a.dim(2, "rows"), cols = a.dim(3, "cols");
    a.need(dy, rows * cols, "dy");
    a.need(db, cols, "dbias");
    bias_grad(dy.data, db.data, rows, cols);
    return undefined(env);
  });
}

// Whether [a, a + na) and [b, b + nb) share an element.
bool overlaps(const float* a, double na, const float* b, double nb) {
  return na > 0 && nb > 0 && a < b + int64_t(nb) && b < a + int64_t(na);
}

ALBERT_FN(LinearBackward) {
  return guarded(env, [&] {
    Args a(env, info, "linearBackward", 12);
    auto dy = a.f32(0, "dy"), x = a.f32(1, "x");
    const int64_t ldx = a.dim(2, "ldx");
    auto w = a.f32(3, "w"), dw = a.f32(4, "dw"), db = a.f32(5, "db"), dx = a.f32(6, "dx", true);
    const int64_t lddx = a.dim(7, "lddx"), rows = a.dim(8, "rows"), in = a.dim(9, "in"), out = a.dim(10, "out");
    const bool accumulate = a.flag(11, "accumulate");
    a.need_ld(ldx, "ldx", in, "in");
    a.need_ld(lddx, "lddx", in, "in");
    const double ndy = double(rows) * double(out), nx = span_of(1, 0, rows, ldx, in), nw = double(out) * double(in);
    a.need(dy, ndy, "dy");
    a.need(x, nx, "x");
    a.need(w, nw, "w");
    a.need(dw, nw, "dw");
    a.need(db, double(out), "db");
    if (dx.data) {
      const double ndx = span_of(1, 0, rows, lddx, in);
      a.need(dx, ndx, "dx");
      if (overlaps(dx.data, ndx, dy.data, ndy) || overlaps(dx.data, ndx, x.data, nx) || overlaps(dx.data, ndx, w.data, nw) ||
          overlaps(dx.data, ndx, dw.data, nw))
        a.fail(true, "dx overlaps dy, x, w or dw");
    }
    linear_backward(dy.data, x.data, ldx, w.data, dw.data, db.data, dx.data, lddx, rows, in, out, accumulate);
    return undefined(env);
  });
}

ALBERT_FN(ActivationForward) {
  return guarded(env, [&] {
    Args a(env, info, "activationForward", 4);
    const int act = a.act(0);
    const int64_t n = a.dim(3, "n");
    float *x = a.f32n(1, "x", n), *y = a.f32n(2, "y", n);
    act_forward(act, x, y, n);
    return undefined(env);
  });
}

ALBERT_FN(ActivationBackward) {
  return guarded(env, [&] {
    Args a(env, info, "activationBackward", 5);
    const int act = a.act(0);
    const int64_t n = a.dim(4, "n");
    float *x = a.f32n(1, "x", n), *dy = a.f32n(2, "dy", n), *dx = a.f32n(3, "dx", n);
    act_backward(act, x, dy, dx, n);
    return undefined(env);
  });
}

ALBERT_FN(LayerNormForward) {
  return guarded(env, [&] {
    Args a(env, info, "layerNormForward", 9);
    auto x = a.f32(0, "x"), gamma = a.f32(1, "gamma"), beta = a.f32(2, "beta"), y = a.f32(3, "y");
    auto mean = a.f32(4, "mean"), rstd = a.f32(5, "rstd");
    int64_t rows = a.dim(6, "rows"), cols = a.dim(7, "cols");
    float eps = float(a.num(8, "eps"));
    if (cols == 0 && rows > 0) a.fail(true, "cols must be >= 1");
    a.need(x, rows * cols, "x");
    a.need(y, rows * cols, "y");
    a.need(gamma, cols, "gamma");
    a.need(beta, cols, "beta");
    a.need(mean, rows, "mean");
    a.need(rstd, rows, "rstd");
    layernorm_forward(x.data, gamma.data, beta.data, y.data, mean.data, rstd.data, rows, cols, eps);
    return undefined(env);
  });
}

ALBERT_FN(LayerNormBackward) {
  return guarded(env, [&] {
    Args a(env, info, "layerNormBackward", 10);
    auto dy = a.f32(0, "dy"), x = a.f32(1, "x"), gamma = a.f32(2, "gamma"), mean = a.f32(3, "mean");
    auto rstd = a.f32(4, "rstd"), dx = a.f32(5, "dx"), dgamma = a.f32(6, "dgamma"), dbeta = a.f32(7, "dbeta");
    int64_t rows = a.dim(8, "rows"), cols = a.dim(9, "cols");
    if (cols == 0 && rows > 0) a.fail(true, "cols must be >= 1");
    a.need(dy, rows * cols, "dy");
    a.need(x, rows * cols, "x");
    a.need(dx, rows * cols, "dx");
    a.need(gamma, cols, "gamma");
    a.need(dgamma, cols, "dgamma");
    a.need(dbeta, cols, "dbeta");
    a.need(mean, rows, "mean");
    a.need(rstd, rows, "rstd");
    layernorm_backward(dy.data, x.data, gamma.data, mean.data, rstd.data, dx.data, dgamma.data, dbeta.data, rows, cols);
    return undefined(env);
  });
}

struct AttnDims {
  int64_t B, S, nh, hd;
  float scale;
  double p;
  uint32_t seed;
};

AttnDims attn_dims(Args& a, size_t i) {
  AttnDims d{a.dim(i, "B"), a.dim(i + 1, "S"), a.dim(i + 2, "nh"), a.dim(i + 3, "hd"), float(a.num(i + 4, "scale")),
             a.num(i + 5, "dropoutP"), 0};
  int64_t seed = a.i64(i + 6, "seed");
  d.seed = uint32_t(seed);
  if (d.B * d.S > 0 && (d.nh < 1 || d.hd < 1)) a.fail(true, "nh and hd must be >= 1");
  if (!(d.p >= 0 && d.p <= 1)) a.fail(true, "dropoutP must be in [0, 1]");
  // B nh S S and B S nh hd must not overflow (each dim is < 2^31, products of two are safe)
  if (double(d.B) * double(d.nh) * double(d.S) * double(d.S) > 9e15 || double(d.B * d.S) * double(d.nh * d.hd) > 9e15)
    a.fail(true, "shapes too large");
  return d;
}

/** Row stride of q, k, v (argument i, default nh*hd) and the elements such a (B*S, nh*hd) view spans. */
std::pair<int64_t, int64_t> qkv_stride(Args& a, size_t i, const AttnDims& d) {
  const int64_t H = d.nh * d.hd, ld = a.opt_dim(i, "ldqkv", H), rows = d.B * d.S;
  if (ld < H) a.fail(true, "ldqkv must be >= nh * hd");
  if (double(rows) * double(ld) > 9e15) a.fail(true, "shapes too large");
  return {ld, rows > 0 ? (rows - 1) * ld + H : 0};
}

ALBERT_FN(AttentionForward) {
  return guarded(env, [&] {
    Args a(env, info, "attentionForward", 13);
    const AttnDims d = attn_dims(a, 6);
    const int64_t nqkv = d.B * d.S * d.nh * d.hd;
    const auto [ld, nview] = qkv_stride(a, 13, d);
    auto mask = a.f32(3, "mask", true);
    if (mask.data) a.need(mask, double(d.B * d.S), "mask");
    float *q = a.f32n(0, "q", nview), *k = a.f32n(1, "k", nview), *v = a.f32n(2, "v", nview);
    auto probs = a.f32(4, "probs", true);  // null: not kept (inference)
    if (probs.data) a.need(probs, double(d.B * d.nh * d.S * d.S), "probs");
    float* ctx = a.f32n(5, "ctx", nqkv);
    attention_forward(q, k, v, mask.data, probs.data, ctx, d.B, d.S, d.nh, d.hd, d.scale, d.p, d.seed, ld);
    return undefined(env);
  });
}

ALBERT_FN(AttentionBackward) {
  return guarded(env, [&] {
    Args a(env, info, "attentionBackward", 15);
    const AttnDims d = attn_dims(a, 8);
    const int64_t nqkv = d.B * d.S * d.nh * d.hd;
    const auto [ld, nview] = qkv_stride(a, 15, d);
    float *dctx = a.f32n(0, "dctx", nqkv), *q = a.f32n(1, "q", nview), *k = a.f32n(2, "k", nview), *v = a.f32n(3, "v", nview);
    float* probs = a.f32n(4, "probs", d.B * d.nh * d.S * d.S);
    float *dq = a.f32n(5, "dq", nview), *dk = a.f32n(6, "dk", nview), *dv = a.f32n(7, "dv", nview);
    attention_backward(dctx, q, k, v, probs, dq, dk, dv, d.B, d.S, d.nh, d.hd, d.scale, d.p, d.seed, ld);
    return undefined(env);
  });
}

void check_ids(Args& a, const Span<int32_t>& ids, int64_t n, int64_t rows, bool allow_negative) {
  for (int64_t i = 0; i < n; i++) {
    int32_t id = ids.data[i];
    if ((id < 0 && !allow_negative) || id >= rows)
      a.fail(true, "embedding id " + std::to_string(id) + " at position " + std::to_string(i) + " is outside the table (0.." +
                       std::to_string(rows - 1) + ")");
  }
}

ALBERT_FN(EmbeddingForward) {
  return guarded(env, [&] {
    Args a(env, info, "embeddingForward", 6);
    auto ids = a.i32(0, "ids");
    auto table = a.f32(1, "table"), out = a.f32(2, "out");
    int64_t n = a.dim(3, "n"), dim = a.dim(4, "dim");
    bool acc = a.flag(5, "accumulate");
    a.need(ids, n, "ids");
    a.need(out, n * dim, "out");
    if (dim > 0) check_ids(a, ids, n, table.size / dim, false);
    embedding_forward(ids.data, table.data, out.data, n, dim, acc);
    return undefined(env);
  });
}

ALBERT_FN(EmbeddingBackward) {
  return guarded(env, [&] {
    Args a(env, info, "embeddingBackward", 5);
    auto ids = a.i32(0, "ids");
    auto dout = a.f32(1, "dout"), dtable = a.f32(2, "dtable");
    int64_t n = a.dim(3, "n"), dim = a.dim(4, "dim");
    a.need(ids, n, "ids");
    a.need(dout, n * dim, "dout");
    if (dim > 0) check_ids(a, ids, n, dtable.size / dim, true);
    embedding_backward(ids.data, dout.data, dtable.data, n, dim);
    return undefined(env);
  });
}

ALBERT_FN(Dropout) {
  return guarded(env, [&] {
    Args a(env, info, "dropout", 5);
    const int64_t n = a.dim(2, "n");
    const double p = a.num(3, "p");
    const uint32_t seed = uint32_t(a.i64(4, "seed"));
    if (!(p >= 0 && p <= 1)) a.fail(true, "p must be in [0, 1]");
    float *x = a.f32n(0, "x", n), *y = a.f32n(1, "y", n);
    dropout(x, y, n, p, seed);
    return undefined(env);
  });
}

ALBERT_FN(CrossEntropy) {
  return guarded(env, [&] {
    Args a(env, info, "crossEntropy", 7);
    auto logits = a.f32(0, "logits");
    auto labels = a.i32(1, "labels");
    int64_t rows = a.dim(2, "rows"), V = a.dim(3, "V");
    auto d = a.f32(4, "dlogits", true);
    float gs = float(a.num(5, "gradScale"));
    int64_t ignore = a.i64(6, "ignoreIndex");
    a.need(logits, rows * V, "logits");
    a.need(labels, rows, "labels");
    if (d.data) a.need(d, rows * V, "dlogits");
    for (int64_t r = 0; r < rows; r++) {
      int32_t l = labels.data[r];
      if (l != ignore && (l < 0 || l >= V))
        a.fail(true, "label " + std::to_string(l) + " in row " + std::to_string(r) + " is outside 0.." + std::to_string(V - 1) +
                         " (and is not the ignore index " + std::to_string(ignore) + ")");
    }
    return number(env, cross_entropy(logits.data, labels.data, rows, V, d.data, gs, int32_t(ignore)));
  });
}

ALBERT_FN(Add) {
  return guarded(env, [&] {
    Args a(env, info, "add", 4);
    const int64_t n = a.dim(3, "n");
    float *x = a.f32n(0, "a", n), *y = a.f32n(1, "b", n), *out = a.f32n(2, "out", n);
    add(x, y, out, n);
    return undefined(env);
  });
}

ALBERT_FN(Axpy) {
  return guarded(env, [&] {
    Args a(env, info, "axpy", 4);
    const int64_t n = a.dim(3, "n");
    const float alpha = float(a.num(0, "alpha"));
    float *x = a.f32n(1, "x", n), *y = a.f32n(2, "y", n);
    axpy(alpha, x, y, n);
    return undefined(env);
  });
}

ALBERT_FN(Scale) {
  return guarded(env, [&] {
    Args a(env, info, "scale", 3);
    const int64_t n = a.dim(2, "n");
    float* x = a.f32n(0, "x", n);
    scale(x, float(a.num(1, "alpha")), n);
    return undefined(env);
  });
}

ALBERT_FN(SumSquares) {
  return guarded(env, [&] {
    Args a(env, info, "sumSquares", 2);
    const int64_t n = a.dim(1, "n");
    return number(env, sum_squares(a.f32n(0, "x", n), n));
  });
}

ALBERT_FN(AdamUpdate) {
  return guarded(env, [&] {
    Args a(env, info, "adamUpdate", 12);
    const int64_t n = a.dim(5, "n");
    float *param = a.f32n(0, "param", n), *grad = a.f32n(1, "grad", n), *m = a.f32n(2, "m", n), *v = a.f32n(3, "v", n);
    float* update = a.f32n(4, "update", n);
    const double beta1 = a.num(6, "beta1"), beta2 = a.num(7, "beta2"), eps = a.num(8, "eps");
    const double bc1 = a.num(9, "bc1"), bc2 = a.num(10, "bc2"), wd = a.num(11, "weightDecay");
    adam_update(param, grad, m, v, update, n, beta1, beta2, eps, bc1, bc2, wd);
    return undefined(env);
  });
}

// ---- the optional oneDNN engine (onednn.h) ----

ALBERT_FN(DnnlVersion) {
  const char* v = dnnl_version_string();
  if (v) return string(env, v);
  napi_value null;
  napi_get_null(env, &null);
  return null;
}

void need_dnnl(const char* fn) {
  if (!dnnl_version_string())
    throw std::runtime_error(std::string(fn) + ": albert-ts was built without oneDNN (install libdnnl-dev, unset ALBERT_NO_DNNL, and rebuild)");
}

// dnnlPack(b, ldb, transB, k, n, dtype) -> External: op(B) (k, n) prepacked for dnnlMatmul, freed by the GC.
ALBERT_FN(DnnlPack) {
  return guarded(env, [&] {
    Args a(env, info, "dnnlPack", 6);
    need_dnnl("dnnlPack");
    const std::string dtype = a.str(5, "dtype");
    DnnlType type = DnnlType::f32;
    if (dtype == "bf16") type = DnnlType::bf16;
    else if (dtype == "s8") type = DnnlType::s8;
    else if (dtype != "f32") a.fail(true, "unknown dtype \"" + dtype + "\" (f32, bf16 or s8)");
    const int64_t ldb = a.dim(1, "ldb");
    const bool tb = a.flag(2, "transB");
    const int64_t k = a.dim(3, "k"), n = a.dim(4, "n");
    if (k < 1 || n < 1) a.fail(true, "k and n must be >= 1");
    if (type == DnnlType::s8 && k > 65536) a.fail(true, "k must be <= 65536 with s8 (the int32 accumulator stays exact)");
    const int64_t rowsB = tb ? n : k, colsB = tb ? k : n;
    a.need_ld(ldb, "ldb", colsB, "columns of B");
    const double span = span_of(1, 0, rowsB, ldb, colsB);
    const void* data;
    if (type == DnnlType::f32) {
      auto B = a.f32(0, "b");
      a.need(B, span, "b");
      data = B.data;
    } else if (type == DnnlType::bf16) {
      auto B = a.u16(0, "b", "Uint16Array (bf16 bit patterns) with dtype bf16");
      a.need(B, span, "b");
      data = B.data;
    } else {
      auto B = a.i8(0, "b", "Int8Array with dtype s8");
      a.need(B, span, "b");
      data = B.data;
    }
    DnnlWeights* w = dnnl_pack(data, ldb, tb, k, n, type);
    const int64_t bytes = dnnl_weights_bytes(w);
    auto finalize = [](napi_env e, void* p, void* hint) {
      int64_t total;
      napi_adjust_external_memory(e, -reinterpret_cast<intptr_t>(hint), &total);
      dnnl_free(static_cast<DnnlWeights*>(p));
    };
    napi_value ext;
    if (napi_create_external(env, w, finalize, reinterpret_cast<void*>(intptr_t(bytes)), &ext) != napi_ok) {
      dnnl_free(w);
      throw std::runtime_error("dnnlPack: could not create the weight's External");
    }
    napi_type_tag_object(env, ext, &kDnnlWeightsTag);
    int64_t total;
    napi_adjust_external_memory(env, bytes, &total);  // the GC sees what the weight holds
    return ext;
  });
}

// dnnlMatmul(w, m, a, lda, beta, c, ldc, bias, act, wScale, wColSum): C = act(A W + bias [+ C]);
// wScale (Float32Array n) and wColSum (Int32Array n) with s8 weights only.
ALBERT_FN(DnnlMatmul) {
  return guarded(env, [&] {
    Args a(env, info, "dnnlMatmul", 9);
    need_dnnl("dnnlMatmul");
    DnnlWeights* w = a.dnnl_weights(0, "w");
    const int64_t m = a.dim(1, "m");
    auto A = a.f32(2, "a");
    const int64_t lda = a.dim(3, "lda");
    const double beta = a.num(4, "beta");
    auto C = a.f32(5, "c");
    const int64_t ldc = a.dim(6, "ldc");
    auto bias = a.f32(7, "bias", true);
    const int act = a.act(8);
    const int64_t k = dnnl_weights_k(w), n = dnnl_weights_n(w);
    if (beta != 0 && beta != 1) a.fail(true, "beta must be 0 or 1");
    a.need_ld(lda, "lda", k, "k");
    a.need_ld(ldc, "ldc", n, "n");
    const double na = span_of(1, 0, m, lda, k), nc = span_of(1, 0, m, ldc, n);
    a.need(A, na, "a");
    a.need(C, nc, "c");
    if (bias.data) a.need(bias, double(n), "bias");
    if (overlaps(A.data, na, C.data, nc)) a.fail(true, "c overlaps a");
    const float* scale = nullptr;
    const int32_t* colsum = nullptr;
    if (dnnl_weights_type(w) == DnnlType::s8) {
      auto S = a.f32(9, "wScale");
      auto Z = a.i32(10, "wColSum");
      a.need(S, double(n), "wScale");
      a.need(Z, double(n), "wColSum");
      scale = S.data;
      colsum = Z.data;
    }
    dnnl_matmul(w, m, A.data, lda, beta == 1, C.data, ldc, bias.data, act, scale, colsum);
    return undefined(env);
  });
}

// dnnlGemmBf16(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC):
// gemm with A and B rounded to bf16 (nearest even) and fp32 accumulation, on oneDNN's bf16 matmul.
ALBERT_FN(DnnlGemmBf16) {
  return guarded(env, [&] {
    Args a(env, info, "dnnlGemmBf16", 17);
    need_dnnl("dnnlGemmBf16");
    const GemmCall g = gemm_args(a);
    dnnl_gemm_bf16(g.ta, g.tb, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc, g.batch, g.sa, g.sb, g.sc);
    return undefined(env);
  });
}

}  // namespace

void register_peak(napi_env env, napi_value exports);  // native/peak.cc: fmaPeak, fmaPeakKinds

}  // namespace albert

NAPI_MODULE_INIT() {
  using namespace albert;
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {
      {"setThreads", SetThreads}, {"getThreads", GetThreads}, {"gemmImpl", GemmImpl}, {"gemmCore", GemmCore},
      {"setPortableGemm", SetPortableGemm}, {"setBlasThreading", SetBlasThreading}, {"gemm", Gemm},
      {"simdKernels", SimdKernels}, {"setGenericKernels", SetGenericKernels},
      {"cpuIsa", CpuIsa}, {"setIsa", SetIsa}, {"isaExtensions", IsaExtensions},
      {"packedBFloats", PackedBFloats}, {"packB", PackB},
      {"gemmPacked", GemmPacked},
      {"addBias", AddBias}, {"biasGrad", BiasGrad}, {"linearBackward", LinearBackward}, {"activationForward", ActivationForward},
      {"activationBackward", ActivationBackward}, {"layerNormForward", LayerNormForward},
      {"layerNormBackward", LayerNormBackward}, {"attentionForward", AttentionForward},
      {"attentionBackward", AttentionBackward}, {"embeddingForward", EmbeddingForward},
      {"embeddingBackward", EmbeddingBackward}, {"dropout", Dropout}, {"crossEntropy", CrossEntropy},
      {"add", Add}, {"axpy", Axpy}, {"scale", Scale}, {"sumSquares", SumSquares}, {"adamUpdate", AdamUpdate},
      {"dnnlVersion", DnnlVersion}, {"dnnlPack", DnnlPack}, {"dnnlMatmul", DnnlMatmul},
      {"dnnlGemmBf16", DnnlGemmBf16},
  };
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  register_peak(env, exports);
  // The pool is per process; worker_threads that load the addon share it. The first load starts
  // with no extra threads (the JS side sets the count, OpenBLAS included); the last env to go
  // stops the workers.
  static std::atomic<int> envs{0};
  if (envs.fetch_add(1) == 0) set_threads(1);
  napi_add_env_cleanup_hook(env, [](void*) {
    if (envs.fetch_sub(1) == 1) pool_shutdown();
  }, nullptr);
  return exports;
}
