#include "simd.h"

#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace albert {
namespace {

struct Cpu {
  Isa level = Isa::generic;
  bool bf16 = false, vnni512 = false, vnni256 = false;
};

Cpu detect() {
  Cpu c;
#if defined(ALBERT_HAS_AVX2)
  // __builtin_cpu_supports checks XCR0 too, so "avx512f" also means the OS saves the ZMM state.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) c.level = Isa::avx2;
  if (c.level == Isa::avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    c.level = Isa::avx512;
  c.bf16 = c.level == Isa::avx512 && __builtin_cpu_supports("avx512bf16");
  c.vnni512 = c.level == Isa::avx512 && __builtin_cpu_supports("avx512vnni");
  c.vnni256 = c.level >= Isa::avx2 && __builtin_cpu_supports("avxvnni");
#endif
  return c;
}

const Cpu kCpu = detect();

Isa env_cap() {
  const char* v = std::getenv("ALBERT_ISA");
  if (!v || !*v) return Isa::avx512;
  if (!std::strcmp(v, "generic")) return Isa::generic;
  if (!std::strcmp(v, "avx2")) return Isa::avx2;
  return Isa::avx512;  // "avx512" or anything else: no cap (src/backend/native.ts refuses unknown names first)
}

Isa cap_of(Isa want) { return want < kCpu.level ? want : kCpu.level; }

Isa level = cap_of(env_cap());

}  // namespace

Isa isa() { return level; }
Isa cpu_isa() { return kCpu.level; }
void set_isa(Isa want) { level = cap_of(want); }
const char* isa_name(Isa l) { return l == Isa::avx512 ? "avx512" : l == Isa::avx2 ? "avx2" : "generic"; }

bool has_avx512_bf16() { return kCpu.bf16 && level >= Isa::avx512; }
bool has_avx512_vnni() { return kCpu.vnni512 && level >= Isa::avx512; }
bool has_avx_vnni() { return kCpu.vnni256 && level >= Isa::avx2; }

const char* simd_kernels() { return isa_name(level); }

void set_generic_kernels(bool on) { level = cap_of(on ? Isa::generic : env_cap()); }

}  // namespace albert
