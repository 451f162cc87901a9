// Matching a checkpoint's tensor names to a model's parameters, as HF's from_pretrained does:
// - AlbertModel saves names without the "albert." prefix, the head classes with it; either loads
//   into either (the prefix is added or stripped per name).
// - Buffers HF never loads (embeddings.position_ids / token_type_ids) are ignored.
// - Tied tensors (predictions.decoder.{weight,bias}) and the duplicated per-layer copies of the
//   'attention'/'ffn' sharing strategies may be present or absent; when present their shape is checked.
// - A pooler is dropped silently by the classes without one (as HF's _keys_to_ignore_on_load_unexpected).
// - Weights of another ALBERT head (e.g. predictions.* when fine-tuning a pretraining checkpoint)
//   are unused, with a warning; missing weights of this model's head (and the pooler, which the
//   masked-LM / token / QA classes do not have) are freshly initialized, with a warning.
// - Anything else missing, unexpected or mis-shaped is an error naming the tensor.
import type { HeadKind } from '../model/albert.js';

export const BASE_PREFIX = 'albert.';
const BASE_ROOTS = ['embeddings.', 'encoder.', 'pooler.'];
/** Top-level modules of HF's ALBERT head classes. */
const HEAD_ROOTS = ['predictions.', 'sop_classifier.', 'nsp_classifier.', 'classifier.', 'qa_outputs.'];
const IGNORED_BUFFER = /^(albert\.)?embeddings\.(position_ids|token_type_ids)$/;
const POOLER = /^(albert\.)?pooler\./;

export function isIgnoredBuffer(name: string): boolean {
  return IGNORED_BUFFER.test(name);
}

/** A head weight (or the pooler): may be missing from a checkpoint, then freshly initialized. */
export function isHeadWeight(name: string): boolean {
  return HEAD_ROOTS.some((r) => name.startsWith(r)) || POOLER.test(name);
}

/** A checkpoint name in the namespace of a model with this head (HF's prefix handling). */
export function toModelName(name: string, head: HeadKind): string {
  if (head === 'base') return name.startsWith(BASE_PREFIX) ? name.slice(BASE_PREFIX.length) : name;
  return BASE_ROOTS.some((r) => name.startsWith(r)) ? BASE_PREFIX + name : name;
}

export interface ModelSlots {
  /** Real parameter name -> shape. */
  params: Map<string, number[]>;
  /** Alias name -> real parameter name. */
  aliases: Map<string, string>;
}

export interface CheckpointMatch {
  /** Parameter name -> checkpoint tensor name to load it from. */
  load: Map<string, string>;
  /** Parameters with no tensor in the checkpoint, to keep freshly initialized (warn). */
  freshlyInitialized: string[];
  /** Checkpoint tensors of another head, not used (warn). */
  unused: string[];
  /** Problems that make the checkpoint unusable (error). */
  problems: string[];
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Decide, for every checkpoint tensor and every model parameter, what loading does. */
export function matchCheckpoint(tensors: Map<string, number[]>, model: ModelSlots, head: HeadKind): CheckpointMatch {
  const load = new Map<string, string>();
  const unused: string[] = [];
  const problems: string[] = [];
  const hasPooler = [...model.params.keys()].some((k) => POOLER.test(k));
  for (const [fileName, shape] of tensors) {
    if (isIgnoredBuffer(fileName)) continue;
    const name = toModelName(fileName, head);
    // HF's pooler-less classes (masked LM, token classification, QA) drop a pooler silently.
    if (!hasPooler && POOLER.test(name)) continue;
    const want = model.params.get(name) ?? model.params.get(model.aliases.get(name) ?? '');
    if (!want) {
      if (isHeadWeight(name)) unused.push(fileName);
      else problems.push(`unexpected tensor "${fileName}"`);
      continue;
    }
    if (!sameShape(shape, want)) {
      problems.push(`tensor "${fileName}" has shape ${shapeStr(shape)}, the config expects ${shapeStr(want)}`);
      continue;
    }
    if (model.params.has(name)) {
      if (load.has(name)) problems.push(`tensors "${load.get(name)}" and "${fileName}" both load parameter "${name}"`);
      else load.set(name, fileName);
    }
  }
  const byModelName = new Map<string, string>();
  for (const fileName of tensors.keys()) byModelName.set(toModelName(fileName, head), fileName);
  const freshlyInitialized: string[] = [];
  for (const [name, shape] of model.params) {
    if (load.has(name)) continue;
    // An alias present in the file may carry the parameter (e.g. a file with only decoder names).
    const alias = [...model.aliases].find(([a, real]) => real === name && byModelName.has(a));
    if (alias && sameShape(tensors.get(byModelName.get(alias[0])!)!, shape)) {
      load.set(name, byModelName.get(alias[0])!);
      continue;
    }
    if (isHeadWeight(name)) freshlyInitialized.push(name);
    else problems.push(`missing tensor "${name}" (shape ${shapeStr(shape)})`);
  }
  return { load, freshlyInitialized, unused, problems };
}

/** Join a long list for one error line: the first `max` items, then a count. */
export function listSome(items: string[], max = 8): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; ... and ${items.length - max} more`;
}
