{
  "variables": {
    "albert_sources": ["native/addon.cc", "native/pool.cc", "native/gemm.cc", "native/kernels.cc", "native/attention.cc", "native/packed_gemm.cc", "native/simd.cc", "native/peak.cc", "native/onednn.cc"],
    "albert_cflags": ["-O3", "-std=c++17", "-fexceptions", "-fno-trapping-math", "-fno-math-errno", "-Wall", "-Wno-unknown-pragmas"]
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-O2", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["<@(albert_cflags)"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fexceptions", "-fno-trapping-math", "-fno-math-errno"]
    }
  },
  "targets": [
    {
      # The addon: CBLAS when found (OpenBLAS via pkg-config, Accelerate on macOS), else portable; and the
      # optional oneDNN engine (native/onednn.cc) when find_blas.cjs finds oneDNN.
      "target_name": "albert_native",
      "sources": ["<@(albert_sources)"],
      "cflags_cc": ["<!@(node native/find_blas.cjs cflags)"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["<!@(node native/find_blas.cjs cflags)"] },
      "libraries": ["<!@(node native/find_blas.cjs libs)"]
    },
    {
      # The same kernels without any CBLAS or oneDNN: keeps the portable build compiling, and tests compare it.
      "target_name": "albert_native_portable",
      "sources": ["<@(albert_sources)"]
    },
    {
      # MPI for data-parallel training (src/parallel/mpi.ts), its own addon so the kernels never need libmpi;
      # built without MPI (it then says so) when native/find_mpi.cjs finds none.
      "target_name": "albert_mpi",
      "sources": ["native/mpi.cc"],
      "cflags_cc": ["<!@(node native/find_mpi.cjs cflags)"],
      "libraries": ["<!@(node native/find_mpi.cjs libs)"]
    }
  ]
}
