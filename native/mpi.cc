// albert_mpi.node: the few MPI calls data-parallel training needs (src/parallel/mpi.ts), in an addon of
// its own so that the kernels' addon never depends on libmpi. Built with ALBERT_HAVE_MPI when
// native/find_mpi.cjs finds mpi.h; without it every call but `built()` throws.
//
// - init(): MPI_Init_thread(FUNNELED) once, lazily. libmpi is first dlopen'ed RTLD_GLOBAL: Node loads
//   addons RTLD_LOCAL, and Open MPI's plugins (dlopen'ed by MPI_Init) resolve libmpi's symbols globally.
// - Errors return (MPI_ERRORS_RETURN) and become JS errors naming the call and MPI's message.
// - Every collective is non-blocking (MPI_Iallreduce / MPI_Ibcast / MPI_Ibarrier) completed by a test
//   loop that sleeps between tests (a waiting rank does not spin a core its neighbour computes on) and
//   has a deadline: past it the job is aborted (MPI_Abort), so a lost rank ends the job, never hangs it.
// - allreduceSum(arrays, timeoutMs, bf16): the gradient tensors summed in place, packed into buckets
//   (fewer, larger messages); the next bucket is packed while the previous is on the wire. With bf16,
//   the wire carries bfloat16 and every addition is done in fp32 (each partial sum is rounded to bf16).
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#ifdef ALBERT_HAVE_MPI
#include <dlfcn.h>
#define OMPI_SKIP_MPICXX 1  // the C API only (mpi.h would pull in the C++ bindings, not linked)
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <time.h>
#endif

namespace {

napi_value throwError(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
  return nullptr;
}

napi_value boolean(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value Built(napi_env env, napi_callback_info) {
#ifdef ALBERT_HAVE_MPI
  return boolean(env, true);
#else
  return boolean(env, false);
#endif
}

#ifdef ALBERT_HAVE_MPI

bool g_inited = false, g_finalized = false;
int g_rank = 0, g_size = 1;
MPI_Datatype g_bf16 = MPI_DATATYPE_NULL;
MPI_Op g_bf16_sum = MPI_OP_NULL;

std::string mpiMessage(const char* call, int rc) {
  char buf[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, buf, &len);
  return std::string("MPI: ") + call + " failed: " + std::string(buf, len);
}

float bf16ToF32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32ToBf16(float f) {  // round to nearest even; NaN kept NaN
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

void bf16Sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const uint16_t* a = static_cast<const uint16_t*>(in);
  uint16_t* b = static_cast<uint16_t*>(inout);
  for (int i = 0; i < *len; i++) b[i] = f32ToBf16(bf16ToF32(a[i]) + bf16ToF32(b[i]));
}

napi_value Init(napi_env env, napi_callback_info) {
  if (g_finalized) return throwError(env, "MPI: already finalized in this process");
  if (!g_inited) {
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
      // Open MPI's components need libmpi's symbols in the global namespace (see the header).
      if (!dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) && !dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL)) {
        dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
      }
      int provided = 0;
      int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      if (rc != MPI_SUCCESS) return throwError(env, "MPI: MPI_Init_thread failed (is this process started by mpirun?)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Type_contiguous(2, MPI_BYTE, &g_bf16);
    MPI_Type_commit(&g_bf16);
    MPI_Op_create(&bf16Sum, 1, &g_bf16_sum);
    g_inited = true;
  }
  napi_value o, v;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "rank", number(env, g_rank));
  napi_set_named_property(env, o, "size", number(env, g_size));
  char lib[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(lib, &len);
  std::string s(lib, len);
  size_t nl = s.find_first_of("\r\n,");
  if (nl != std::string::npos) s.resize(nl);
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  napi_set_named_property(env, o, "library", v);
  return o;
}

double nowMs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/** Complete `req` by testing with a growing sleep in between (up to 200 us); past timeoutMs the job is aborted. */
bool waitWithDeadline(napi_env env, MPI_Request* req, double timeoutMs, const char* what) {
  const double start = nowMs();
  long sleepNs = 1000;
  for (;;) {
    int done = 0;
    int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
      throwError(env, mpiMessage(what, rc));
      return false;
    }
    if (done) return true;
    if (timeoutMs > 0 && nowMs() - start > timeoutMs) {
      std::fprintf(stderr, "albert: rank %d of %d: %s waited %.0f s for the other ranks (a rank died or hangs); aborting the job "
                   "(ALBERT_MPI_TIMEOUT sets the limit in seconds)\n", g_rank, g_size, what, timeoutMs / 1000);
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
    timespec ts{0, sleepNs};
    nanosleep(&ts, nullptr);
    if (sleepNs < 200000) sleepNs *= 2;
  }
}

bool needInit(napi_env env) {
  if (g_inited && !g_finalized) return true;
  throwError(env, g_finalized ? "MPI: finalized" : "MPI: init() first");
  return false;
}

bool typedArray(napi_env env, napi_value v, napi_typedarray_type* type, void** data, size_t* len) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) return false;
  napi_value ab;
  size_t off;
  napi_get_typedarray_info(env, v, type, len, data, &ab, &off);
  return true;
}

// allreduceSum(arrays: (Float32Array|Float64Array)[], timeoutMs, bf16, bucketBytes)
napi_value AllreduceSum(napi_env env, napi_callback_info info) {
  if (!needInit(env)) return nullptr;
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return throwError(env, "allreduceSum(arrays, timeoutMs, bf16, bucketBytes)");
  bool isArr = false;
  napi_is_array(env, argv[0], &isArr);
  if (!isArr) return throwError(env, "allreduceSum: arrays must be an array of Float32Array or Float64Array");
  double timeoutMs, bucketBytesD;
  bool bf16;
  napi_get_value_double(env, argv[1], &timeoutMs);
  napi_get_value_bool(env, argv[2], &bf16);
  napi_get_value_double(env, argv[3], &bucketBytesD);
  uint32_t n;
  napi_get_array_length(env, argv[0], &n);
  std::vector<float*> f32;
  std::vector<size_t> f32n;
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    napi_typedarray_type t;
    void* d;
    size_t len;
    if (!typedArray(env, e, &t, &d, &len) || (t != napi_float32_array && t != napi_float64_array))
      return throwError(env, "allreduceSum: element " + std::to_string(i) + " is not a Float32Array or Float64Array");
    if (t == napi_float64_array) {  // small statistics: one exact call each
      MPI_Request req;
      int rc = MPI_Iallreduce(MPI_IN_PLACE, d, int(len), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &req);
      if (rc != MPI_SUCCESS) return throwError(env, mpiMessage("MPI_Iallreduce", rc));
      if (!waitWithDeadline(env, &req, timeoutMs, "MPI_Allreduce")) return nullptr;
      continue;
    }
    f32.push_back(static_cast<float*>(d));
    f32n.push_back(len);
    total += len;
  }
  if (!total) return nullptr;
  const size_t elem = bf16 ? 2 : 4;
  const size_t bucket = std::max<size_t>(1024, size_t(bucketBytesD) / elem);
  // Two bucket buffers: pack the next while the previous one is reduced.
  std::vector<uint8_t> buf[2] = {std::vector<uint8_t>(std::min(bucket, total) * elem), std::vector<uint8_t>(std::min(bucket, total) * elem)};
  struct Piece { size_t tensor, off, len; };
  std::vector<Piece> pieces[2];
  MPI_Request req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  auto unpack = [&](int b) {
    size_t pos = 0;
    for (const Piece& p : pieces[b]) {
      float* dst = f32[p.tensor] + p.off;
      if (bf16) {
        const uint16_t* s = reinterpret_cast<const uint16_t*>(buf[b].data()) + pos;
        for (size_t j = 0; j < p.len; j++) dst[j] = bf16ToF32(s[j]);
      } else {
        std::memcpy(dst, reinterpret_cast<const float*>(buf[b].data()) + pos, p.len * 4);
      }
      pos += p.len;
    }
    pieces[b].clear();
  };
  size_t tensor = 0, off = 0;
  int cur = 0;
  while (tensor < f32.size()) {
    // Finish this buffer's previous bucket before packing into it again.
    if (req[cur] != MPI_REQUEST_NULL) {
      if (!waitWithDeadline(env, &req[cur], timeoutMs, "MPI_Allreduce")) return nullptr;
      unpack(cur);
    }
    size_t filled = 0;
    while (filled < bucket && tensor < f32.size()) {
      size_t take = std::min(bucket - filled, f32n[tensor] - off);
      const float* src = f32[tensor] + off;
      if (bf16) {
        uint16_t* d = reinterpret_cast<uint16_t*>(buf[cur].data()) + filled;
        for (size_t j = 0; j < take; j++) d[j] = f32ToBf16(src[j]);
      } else {
        std::memcpy(reinterpret_cast<float*>(buf[cur].data()) + filled, src, take * 4);
      }
      pieces[cur].push_back({tensor, off, take});
      filled += take;
      off += take;
      if (off == f32n[tensor]) { tensor++; off = 0; }
    }
    int rc = MPI_Iallreduce(MPI_IN_PLACE, buf[cur].data(), int(filled), bf16 ? g_bf16 : MPI_FLOAT, bf16 ? g_bf16_sum : MPI_SUM,
                            MPI_COMM_WORLD, &req[cur]);
    if (rc != MPI_SUCCESS) return throwError(env, mpiMessage("MPI_Iallreduce", rc));
    cur ^= 1;
  }
  for (int k = 0; k < 2; k++) {
    int b = cur ^ 1 ^ k;  // the older one first
    if (req[b] == MPI_REQUEST_NULL) continue;
    if (!waitWithDeadline(env, &req[b], timeoutMs, "MPI_Allreduce")) return nullptr;
    unpack(b);
  }
  return nullptr;
}

// broadcast(array: TypedArray, root, timeoutMs)
napi_value Broadcast(napi_env env, napi_callback_info info) {
  if (!needInit(env)) return nullptr;
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_typedarray_type t;
  void* d;
  size_t len;
  if (argc < 3 || !typedArray(env, argv[0], &t, &d, &len)) return throwError(env, "broadcast(typedArray, root, timeoutMs)");
  double root, timeoutMs;
  napi_get_value_double(env, argv[1], &root);
  napi_get_value_double(env, argv[2], &timeoutMs);
  size_t bytes = len;
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: break;
    case napi_int16_array: case napi_uint16_array: bytes *= 2; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: bytes *= 8; break;
    default: bytes *= 4;
  }
  uint8_t* p = static_cast<uint8_t*>(d);
  const size_t chunk = size_t(1) << 30;  // MPI counts are int
  for (size_t o = 0; o < bytes; o += chunk) {
    MPI_Request req;
    int rc = MPI_Ibcast(p + o, int(std::min(chunk, bytes - o)), MPI_BYTE, int(root), MPI_COMM_WORLD, &req);
    if (rc != MPI_SUCCESS) return throwError(env, mpiMessage("MPI_Ibcast", rc));
    if (!waitWithDeadline(env, &req, timeoutMs, "MPI_Bcast")) return nullptr;
  }
  return nullptr;
}

napi_value Barrier(napi_env env, napi_callback_info info) {
  if (!needInit(env)) return nullptr;
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double timeoutMs = 0;
  if (argc >= 1) napi_get_value_double(env, argv[0], &timeoutMs);
  MPI_Request req;
  int rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
  if (rc != MPI_SUCCESS) return throwError(env, mpiMessage("MPI_Ibarrier", rc));
  waitWithDeadline(env, &req, timeoutMs, "MPI_Barrier");
  return nullptr;
}

napi_value Abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double code = 1;
  if (argc >= 1) napi_get_value_double(env, argv[0], &code);
  if (g_inited && !g_finalized) MPI_Abort(MPI_COMM_WORLD, int(code));
  return nullptr;
}

napi_value Finalize(napi_env env, napi_callback_info) {
  if (g_inited && !g_finalized) {
    if (g_bf16_sum != MPI_OP_NULL) MPI_Op_free(&g_bf16_sum);
    if (g_bf16 != MPI_DATATYPE_NULL) MPI_Type_free(&g_bf16);
    MPI_Finalize();
    g_finalized = true;
  }
  return nullptr;
}

napi_value Wtime(napi_env env, napi_callback_info) { return number(env, MPI_Wtime()); }

#else  // built without MPI

napi_value NoMpi(napi_env env, napi_callback_info) {
  return throwError(env, "albert-ts was built without MPI (install libopenmpi-dev and rebuild: npx node-gyp rebuild)");
}
#define Init NoMpi
#define AllreduceSum NoMpi
#define Broadcast NoMpi
#define Barrier NoMpi
#define Abort NoMpi
#define Finalize NoMpi
#define Wtime NoMpi

#endif

napi_value ModuleInit(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"built", nullptr, Built, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allreduceSum", nullptr, AllreduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"abort", nullptr, Abort, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"finalize", nullptr, Finalize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"wtime", nullptr, Wtime, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, ModuleInit)
