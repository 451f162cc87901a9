// A small persistent thread pool: the calling thread plus (threads - 1) workers that sleep between
// jobs. parallel_for splits [0, n) into contiguous chunks; a parallel_for issued from inside a
// task runs inline (no nested parallelism, no deadlock).
#pragma once
#include <cstdint>

namespace albert {

void pool_set_threads(int n);
int pool_threads();
/** Stops and joins the workers (process/env teardown). */
void pool_shutdown();

/** Runs call(ctx, task) for task in [0, ntasks) on the pool; returns when all are done. */
void pool_run(int ntasks, void (*call)(void* ctx, int task), void* ctx);
/** True inside a pool task (where parallel_for runs serially). */
bool pool_in_task();

/**
 * fn(lo, hi) over [0, n) in at most pool_threads() chunks of at least `grain` items each
 * (serial when n < 2 * grain). Chunk boundaries are multiples of `align`.
 */
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn, int64_t align = 1) {
  if (n <= 0) return;
  int threads = pool_in_task() ? 1 : pool_threads();
  int64_t chunks = grain > 0 ? n / grain : n;
  if (chunks > threads) chunks = threads;
  if (chunks <= 1) {
    fn(int64_t(0), n);
    return;
  }
  struct Ctx {
    F* fn;
    int64_t n, chunks, align;
  } ctx{&fn, n, chunks, align};
  pool_run(int(chunks), [](void* p, int t) {
    Ctx& c = *static_cast<Ctx*>(p);
    auto bound = [&](int64_t i) {
      if (i >= c.chunks) return c.n;
      int64_t b = c.n * i / c.chunks;
      b -= b % c.align;
      return b;
    };
    int64_t lo = bound(t), hi = bound(t + 1);
    if (lo < hi) (*c.fn)(lo, hi);
  }, &ctx);
}

/** fn(task) for each task in [0, ntasks), dynamically scheduled over the pool. */
template <class F>
void parallel_tasks(int64_t ntasks, F&& fn) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || pool_in_task() || pool_threads() == 1) {
    for (int64_t t = 0; t < ntasks; t++) fn(t);
    return;
  }
  pool_run(int(ntasks), [](void* p, int t) { (*static_cast<F*>(p))(int64_t(t)); }, &fn);
}

}  // namespace albert
