// What a training run (pretrain, finetune) takes besides its settings: where it computes, how it is
// stopped, and who hears about it. `Rec` and `Step` are the run's metrics record and step report.
import type { Backend } from '../backend/backend.js';
import type { RunSummary } from './run_summary.js';

export interface RunHooks<Rec, Step> {
  threads?: number;
  /** Bytes the model may use (default: this machine's memory); a model needing more is refused before it is built. */
  maxMemory?: number;
  backend?: Backend;
  /** Aborting saves a checkpoint after the current step and returns (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Called once before the first step with what the run is about to do. */
  onStart?: (s: RunSummary) => void;
  /** Called with every metrics record (also written to metrics.jsonl). */
  onRecord?: (r: Rec) => void;
  /** Called after every update (progress display). */
  onStep?: (s: Step) => void;
  /** Warnings (a skipped damaged checkpoint, an extended run); default: one line on stderr. */
  onWarning?: (message: string) => void;
  /** Testing hook: at these update numbers the gradients are poisoned with NaN. */
  injectNanAtSteps?: number[];
}
