// Ctrl-C during a training run: the first asks the run to save a checkpoint after the current step
// and return (its AbortSignal), the second quits at once.

/** Listens for SIGINT until `dispose()`; `signal` aborts on the first one. */
export function saveOnInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  let sigints = 0;
  const onSigint = () => {
    if (++sigints > 1) process.exit(130);
    process.stderr.write('\nalbert: interrupted: saving a checkpoint after this step (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: abort.signal, dispose: () => process.off('SIGINT', onSigint) };
}
