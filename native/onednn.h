// The optional oneDNN engine: a Linear's weight prepacked once into the layout oneDNN's matmul wants,
// then fp32, bf16 or int8 products against it, and a bf16 GEMM on unpacked operands (training's), all run
// single-threaded inside our pool's tasks (oneDNN's own OpenMP team would compete with the pool). Built
// only when native/find_blas.cjs finds oneDNN (-DALBERT_DNNL); otherwise every entry but
// dnnl_version_string throws "built without oneDNN".
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

/**
 * The addon's gemm (CBLAS row-major, batched: C_p = alpha op(A_p) op(B_p) + beta C_p for p < batch, A_p = a +
 * p * sa, ...) with A and B rounded to bf16 (nearest even, NaN kept) and fp32 accumulation. beta = 0 never
 * reads C; k = 0 or alpha = 0 reads neither A nor B. Subnormal bf16 operands (|x| < 2^-126) count as zero:
 * AMX's and AVX512_BF16's dot products flush them.
 */
void dnnl_gemm_bf16(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                    const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int64_t batch, int64_t sa, int64_t sb,
                    int64_t sc);

}  // namespace albert
