// The optional oneDNN engine: a Linear's weight prepacked once into the layout oneDNN's matmul wants,
// then fp32, bf16 or int8 products against it, run single-threaded inside our pool's tasks (oneDNN's own
// OpenMP team would compete with the pool). Built only when native/find_blas.cjs finds oneDNN
// (-DALBERT_DNNL); otherwise every entry but dnnl_version_string throws "built without oneDNN".
// Argument checks are addon.cc's; these functions trust their pointers and sizes.
#pragma once
#include <cstdint>

namespace albert {

enum class DnnlType { f32 = 0, bf16 = 1, s8 = 2 };

/** A prepacked weight (opaque); freed by dnnl_free. */
struct DnnlWeights;

/** "oneDNN 2.6.3 (isa avx512_core_amx)", or null when built without oneDNN. */
const char* dnnl_version_string();

/**
 * Packs op(B) (k, n) of `type` (f32: float, bf16: uint16_t bit patterns, s8: int8_t); B is (k, n) with
 * row stride ldb, or (n, k) when tb. Throws std::runtime_error when oneDNN fails or is not built in.
 */
DnnlWeights* dnnl_pack(const void* b, int64_t ldb, bool tb, int64_t k, int64_t n, DnnlType type);
void dnnl_free(DnnlWeights* w);
DnnlType dnnl_weights_type(const DnnlWeights* w);
int64_t dnnl_weights_k(const DnnlWeights* w);
int64_t dnnl_weights_n(const DnnlWeights* w);
/** Bytes held (for the GC's external memory accounting). */
int64_t dnnl_weights_bytes(const DnnlWeights* w);

/**
 * C (m, n) = act(A (m, k) W + bias [+ C when beta]), A and C row-major with strides lda and ldc, bias (n)
 * or null, act an Act code. f32: as is; bf16: A rounded to bf16 (nearest even) per call; s8: A quantized
 * per row to u8 (see onednn.cc for the exact arithmetic), w_scale (n) and w_colsum (n) required.
 */
void dnnl_matmul(const DnnlWeights* w, int64_t m, const float* a, int64_t lda, bool beta, float* c, int64_t ldc,
                 const float* bias, int act, const float* w_scale, const int32_t* w_colsum);

}  // namespace albert
