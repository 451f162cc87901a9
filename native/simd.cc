#include "simd.h"

#include "kernels.h"

namespace albert {
namespace {

bool cpu_has_avx2() {
#if defined(ALBERT_HAS_AVX2)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}
const bool kAvx2 = cpu_has_avx2();
bool force_generic = false;  // tests run the generic kernels on AVX2 machines too

}  // namespace

bool use_avx2() { return kAvx2 && !force_generic; }

const char* simd_kernels() { return use_avx2() ? "avx2" : "generic"; }

void set_generic_kernels(bool on) { force_generic = on; }

}  // namespace albert
