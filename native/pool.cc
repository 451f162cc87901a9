#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace albert {
namespace {

thread_local bool in_task = false;

// Job state: `next` packs (generation << 32 | next task index) so that a worker that wakes late
// can never take a task index of a newer job while holding an older job's function.
struct Pool {
  std::mutex mu;
  std::condition_variable wake;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> next{0};
  std::atomic<int> remaining{0};
  std::atomic<uint32_t> generation{0};
  std::atomic<bool> busy{false};  // a job is in flight
  void (*call)(void*, int) = nullptr;
  void* ctx = nullptr;
  int ntasks = 0;
  bool stopping = false;
  int threads = 1;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers may outlive static destructors
  return *p;
}

// Takes and runs tasks of job `gen` until none are left.
void drain(Pool& p, uint32_t gen, void (*call)(void*, int), void* ctx, int ntasks) {
  for (;;) {
    uint64_t v = p.next.load(std::memory_order_acquire);
    if (uint32_t(v >> 32) != gen) return;
    int idx = int(uint32_t(v));
    if (idx >= ntasks) return;
    if (!p.next.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
    call(ctx, idx);
    p.remaining.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void worker_main(Pool* p) {
  in_task = true;
  uint32_t seen = p->generation.load();
  for (;;) {
    // Spin briefly for the next job (kernels come in quick succession), then sleep.
    for (int spin = 0; spin < 20000 && p->generation.load(std::memory_order_acquire) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    void (*call)(void*, int);
    void* ctx;
    int ntasks;
    uint32_t gen;
    {
      std::unique_lock<std::mutex> lock(p->mu);
      p->wake.wait(lock, [&] { return p->stopping || p->generation.load() != seen; });
      if (p->stopping) return;
      gen = p->generation.load();
      call = p->call;
      ctx = p->ctx;
      ntasks = p->ntasks;
    }
    seen = gen;
    drain(*p, gen, call, ctx, ntasks);
  }
}

void stop_workers(Pool& p) {
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.stopping = true;
  }
  p.wake.notify_all();
  for (auto& t : p.workers) t.join();
  p.workers.clear();
  p.stopping = false;
}

}  // namespace

bool pool_in_task() { return in_task; }

int pool_threads() { return pool().threads; }

void pool_set_threads(int n) {
  Pool& p = pool();
  if (n < 1) n = 1;
  if (n == p.threads && int(p.workers.size()) == n - 1) return;
  while (p.busy.exchange(true)) std::this_thread::yield();  // never resize under a running job
  stop_workers(p);
  p.threads = n;
  for (int i = 0; i < n - 1; i++) p.workers.emplace_back(worker_main, &p);
  p.busy.store(false);
}

void pool_shutdown() { pool_set_threads(1); }

void pool_run(int ntasks, void (*call)(void*, int), void* ctx) {
  Pool& p = pool();
  if (ntasks <= 0) return;
  // serial when there are no workers, inside a task, or while another JS thread (a worker_thread
  // using the addon too) has the pool
  if (p.workers.empty() || in_task || p.busy.exchange(true)) {
    for (int t = 0; t < ntasks; t++) call(ctx, t);
    return;
  }
  uint32_t gen;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    gen = p.generation.load() + 1;
    p.call = call;
    p.ctx = ctx;
    p.ntasks = ntasks;
    p.remaining.store(ntasks);
    p.next.store(uint64_t(gen) << 32);
    p.generation.store(gen, std::memory_order_release);
  }
  p.wake.notify_all();
  in_task = true;
  drain(p, gen, call, ctx, ntasks);
  in_task = false;
  // Wait for tasks that workers took; they are already running, so this is short.
  while (p.remaining.load(std::memory_order_acquire) > 0) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    std::this_thread::yield();
  }
  p.busy.store(false, std::memory_order_release);
}

}  // namespace albert
