// The "backend:" line of `albert --help` and `albert bench --help`: what would compute here (the
// backend, the GEMM the addon was built with, the kernels this CPU runs), so a user can check the
// README's build advice before a long run.
import { JsBackend, describeBackend, loadBackend, nativeUnavailableReason } from '../backend/index.js';

/** Never throws (help must print whatever the environment holds) and prints no fallback notice. */
export function backendLine(): string {
  try {
    const fallsBack = nativeUnavailableReason() !== null && process.env.ALBERT_BACKEND !== 'native';
    return `backend: ${describeBackend(fallsBack ? new JsBackend() : loadBackend())}`;
  } catch (e) {
    return `backend: none (${(e as Error).message})`;
  }
}

/** A command's help text followed by the backend line. */
export function helpWithBackend(help: string): string {
  return `${help.trimEnd()}\n\n${backendLine()}\n`;
}
