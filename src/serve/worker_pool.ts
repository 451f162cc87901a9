// The server's worker threads: started together (the server listens once every worker has loaded its
// pipelines), one batch at a time each. A worker that dies fails its batch (424) and is replaced.
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { BatchMessage, Outcome, WorkerInit, WorkerMessage } from './worker_protocol.js';

const WORKER_FILE = new URL('./worker.js', import.meta.url);

interface Slot {
  worker: Worker;
  ready: boolean;
  busy?: { id: number; resolve(r: { outcomes: Outcome[]; ms: number }): void; reject(e: Error): void };
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  /** `onFree` is called whenever a worker can take a batch. */
  constructor(private readonly init: WorkerInit, private readonly count: number, private readonly onFree: () => void) {}

  /** Spawns the workers and waits until each has loaded its pipelines (a load error rejects, naming it). */
  async start(): Promise<void> {
    const started = Array.from({ length: this.count }, () => this.spawn());
    try {
      await Promise.all(started);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private spawn(): Promise<void> {
    const slot: Slot = { worker: new Worker(WORKER_FILE, { workerData: this.init }), ready: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      slot.worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          slot.ready = true;
          resolve();
          this.onFree();
        } else if (m.type === 'failed') {
          reject(m.user ? new UserError(m.error) : new Error(m.error));
        } else if (m.type === 'done' && slot.busy?.id === m.id) {
          const b = slot.busy;
          slot.busy = undefined;
          b.resolve({ outcomes: m.outcomes, ms: m.ms });
          this.onFree();
        }
      });
      slot.worker.on('error', (e) => reject(e));
      slot.worker.on('exit', (code) => {
        this.slots.splice(this.slots.indexOf(slot), 1);
        reject(new Error(`a worker exited (code ${code}) while loading its model`));
        slot.busy?.reject(new Error(`the worker running this batch exited (code ${code})`));
        // A crash after start: replace the worker so the server keeps its capacity.
        if (slot.ready && !this.closing) this.spawn().catch(() => {});
      });
    });
  }

  /** Workers that are ready and idle. */
  get free(): number {
    return this.slots.filter((s) => s.ready && !s.busy).length;
  }

  /** Whether at least one worker is alive and loaded (/health). */
  get healthy(): boolean {
    return this.slots.some((s) => s.ready);
  }

  /** Runs a batch on a free worker (call only when `free` > 0). */
  run(msg: Omit<BatchMessage, 'id'>): Promise<{ outcomes: Outcome[]; ms: number }> {
    const slot = this.slots.find((s) => s.ready && !s.busy);
    if (!slot) throw new Error('no free worker');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.busy = { id, resolve, reject };
      slot.worker.postMessage({ ...msg, id } satisfies BatchMessage);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
