// The batches file of `albert forward` / `albert grad` (issue 2, section 5):
//   {"batches": [{"name": "b0", "input_ids": [[...]], "attention_mask": [[...]], "token_type_ids": [[...]],
//                 "labels": ..., "sentence_order_label": [...], "start_positions": [...], "end_positions": [...],
//                 "is_impossible": [...] (squad-v2)}]}
// For multiple choice the token arrays are [batch][choice][seq]. Everything is validated before any
// compute; every problem is one UserError naming the file and the JSON path of the bad value.
import * as fs from 'node:fs';
import { fileError } from '../errors.js';
import type { AlbertConfig } from '../model/config.js';
import type { HeadKind, Labels, ModelInputs } from '../model/albert.js';

export interface NamedBatch {
  name: string;
  inputs: ModelInputs;
  /** Present when the file has labels and they were requested. */
  labels?: Labels;
}

const TOKEN_KEYS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
const LABEL_KEYS = ['labels', 'sentence_order_label', 'start_positions', 'end_positions', 'is_impossible'] as const;
const ALLOWED = new Set<string>(['name', ...TOKEN_KEYS, ...LABEL_KEYS]);

/** A nested JSON array flattened, with its shape. */
interface Nd {
  shape: number[];
  flat: number[];
}

class BatchError extends Error {}

/** Flatten a rectangular nested array of numbers of exactly `depth` levels. */
function nd(value: unknown, depth: number, where: string): Nd {
  const shape: number[] = [];
  let level: unknown[] = [value];
  for (let d = 0; d < depth; d++) {
    const next: unknown[] = [];
    let len = -1;
    for (const v of level) {
      if (!Array.isArray(v)) throw new BatchError(`${where} must be a ${depth}-level nested array of numbers`);
      if (len === -1) len = v.length;
      else if (v.length !== len) throw new BatchError(`${where} is ragged: rows of length ${len} and ${v.length} at depth ${d + 1}`);
      for (const x of v) next.push(x);
    }
    if (len === 0) throw new BatchError(`${where} has an empty dimension at depth ${d + 1}`);
    shape.push(len);
    level = next;
  }
  for (const x of level) {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new BatchError(`${where} must contain only numbers${Array.isArray(x) ? ` (nested ${depth + 1} levels deep, expected ${depth})` : `, found ${JSON.stringify(x)}`}`);
    }
  }
  return { shape, flat: level as number[] };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function ints(a: Nd, where: string, lo: number, hi: number, extra?: number): Int32Array {
  const out = new Int32Array(a.flat.length);
  for (let i = 0; i < a.flat.length; i++) {
    const v = a.flat[i];
    if (!Number.isInteger(v) || ((v < lo || v >= hi) && v !== extra)) {
      const at = unflatIndex(i, a.shape).map((j) => `[${j}]`).join('');
      throw new BatchError(`${where}${at} = ${v} is ${Number.isInteger(v) ? 'out of range' : 'not an integer'}: expected an integer in [${lo}, ${hi})${extra !== undefined ? ` or ${extra}` : ''}`);
    }
    out[i] = v;
  }
  return out;
}

function unflatIndex(i: number, shape: number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** How a sequence-classification label array is read (HF decides by dtype; JSON has none). */
export function seqClsProblem(config: AlbertConfig, labelDepth: number): 'regression' | 'single_label_classification' | 'multi_label_classification' {
  if (config.problem_type) return config.problem_type;
  if (config.num_labels === 1) return 'regression';
  return labelDepth === 2 ? 'multi_label_classification' : 'single_label_classification';
}

function parseLabels(b: Record<string, unknown>, where: string, config: AlbertConfig, head: HeadKind, B: number, S: number, C: number | undefined): Labels {
  const need = (key: string): unknown => {
    if (b[key] === undefined) throw new BatchError(`${where}: "${key}" is required to compute the ${head} loss`);
    return b[key];
  };
  const shaped = (key: string, depth: number, shape: number[]): Nd => {
    const a = nd(need(key), depth, `${where}.${key}`);
    if (!sameShape(a.shape, shape)) throw new BatchError(`${where}.${key} has shape [${a.shape}], expected [${shape}]`);
    return a;
  };
  // One label per sequence, as [B] or [B][1]: HF flattens these with view(-1) / squeeze(-1).
  const perSequence = (key: string): Nd => {
    const raw = need(key);
    return Array.isArray(raw) && Array.isArray(raw[0]) ? { shape: [B], flat: shaped(key, 2, [B, 1]).flat } : shaped(key, 1, [B]);
  };
  const V = config.vocab_size;
  switch (head) {
    case 'pretraining':
    case 'pretraining-nsp':
      return {
        labels: ints(shaped('labels', 2, [B, S]), `${where}.labels`, 0, V, -100),
        // CrossEntropyLoss's ignore_index -100 holds for the sentence labels too
        sentenceOrderLabel: ints(perSequence('sentence_order_label'), `${where}.sentence_order_label`, 0, 2, -100),
      };
    case 'masked-lm':
      return { labels: ints(shaped('labels', 2, [B, S]), `${where}.labels`, 0, V, -100) };
    case 'token-classification':
      return { labels: ints(shaped('labels', 2, [B, S]), `${where}.labels`, 0, config.num_labels, -100) };
    case 'multiple-choice':
      return { labels: ints(shaped('labels', 1, [B]), `${where}.labels`, 0, C!, -100) };
    case 'question-answering': {
      // HF squeezes [B][1] positions, clamps them to [0, S] and ignores S, so any integer is valid.
      const pos = (key: string) => ints(perSequence(key), `${where}.${key}`, -(2 ** 31), 2 ** 31 - 1);
      return { startPositions: pos('start_positions'), endPositions: pos('end_positions') };
    }
    case 'squad-v2': {
      // google-research/albert's labels: positions inside the window (the head checks they are answer positions)
      const pos = (key: string) => ints(perSequence(key), `${where}.${key}`, 0, S);
      return {
        startPositions: pos('start_positions'), endPositions: pos('end_positions'),
        isImpossible: ints(perSequence('is_impossible'), `${where}.is_impossible`, 0, 2),
      };
    }
    case 'sequence-classification': {
      const raw = need('labels');
      const nl = config.num_labels;
      // [B][1] integer labels with several classes are single-label ids (HF: labels.view(-1)).
      const column = Array.isArray(raw) && Array.isArray(raw[0]) && (raw[0] as unknown[]).length === 1 && nl > 1;
      const depth = Array.isArray(raw) && Array.isArray(raw[0]) && !column ? 2 : 1;
      const problem = seqClsProblem(config, depth);
      if (problem === 'single_label_classification') {
        return { labels: ints(perSequence('labels'), `${where}.labels`, 0, nl, -100) };
      }
      const a = problem === 'regression' && nl === 1 && depth === 1 ? shaped('labels', 1, [B]) : shaped('labels', 2, [B, nl]);
      return { labels: Float32Array.from(a.flat) };
    }
    default:
      throw new BatchError('the base model (AlbertModel) has no loss: gradients need a model with a head (see config.json "architectures")');
  }
}

function parseBatch(b: unknown, i: number, config: AlbertConfig, head: HeadKind, withLabels: boolean): NamedBatch {
  let where = `batches[${i}]`;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new BatchError(`${where} must be an object`);
  const rec = b as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!ALLOWED.has(k)) throw new BatchError(`${where}: unknown key "${k}" (allowed: ${[...ALLOWED].join(', ')})`);
  }
  if (typeof rec.name !== 'string' || rec.name === '') throw new BatchError(`${where}.name must be a non-empty string`);
  const name = rec.name;
  where = `batches[${i}] ("${name}")`;
  const mc = head === 'multiple-choice';
  const depth = mc ? 3 : 2;
  if (rec.input_ids === undefined) throw new BatchError(`${where}: "input_ids" is required`);
  const ids = nd(rec.input_ids, depth, `${where}.input_ids`);
  const S = ids.shape[depth - 1];
  const B = ids.shape[0];
  const C = mc ? ids.shape[1] : undefined;
  if (S > config.max_position_embeddings) {
    throw new BatchError(`${where}.input_ids: sequence length ${S} exceeds max_position_embeddings ${config.max_position_embeddings}`);
  }
  const inputs: ModelInputs = {
    inputIds: ints(ids, `${where}.input_ids`, 0, config.vocab_size),
    batch: B, seq: S,
  };
  if (mc) inputs.numChoices = C;
  const other = (key: 'attention_mask' | 'token_type_ids', hi: number): Int32Array | undefined => {
    if (rec[key] === undefined) return undefined;
    const a = nd(rec[key], depth, `${where}.${key}`);
    if (!sameShape(a.shape, ids.shape)) throw new BatchError(`${where}.${key} has shape [${a.shape}] but input_ids has [${ids.shape}]`);
    return ints(a, `${where}.${key}`, 0, hi);
  };
  const mask = other('attention_mask', 2);
  const types = other('token_type_ids', config.type_vocab_size);
  if (mask) inputs.attentionMask = mask;
  if (types) inputs.tokenTypeIds = types;
  const out: NamedBatch = { name, inputs };
  if (withLabels) out.labels = parseLabels(rec, where, config, head, B, S, C);
  return out;
}

/** Validate the parsed JSON of a batches file. */
export function parseBatches(json: unknown, file: string, config: AlbertConfig, head: HeadKind, withLabels: boolean): NamedBatch[] {
  try {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new BatchError('expected a JSON object {"batches": [...]}');
    const keys = Object.keys(json);
    const extra = keys.filter((k) => k !== 'batches');
    if (extra.length) throw new BatchError(`unknown top-level key "${extra[0]}" (expected only "batches")`);
    const batches = (json as Record<string, unknown>).batches;
    if (!Array.isArray(batches) || batches.length === 0) throw new BatchError('"batches" must be a non-empty array');
    const out = batches.map((b, i) => parseBatch(b, i, config, head, withLabels));
    const seen = new Set<string>();
    for (const b of out) {
      if (seen.has(b.name)) throw new BatchError(`batch name "${b.name}" is used twice (names must be unique)`);
      seen.add(b.name);
    }
    return out;
  } catch (e) {
    if (e instanceof BatchError) throw fileError(file, e.message);
    throw e;
  }
}

/** Read and validate a batches file. */
export function readBatchesFile(file: string, config: AlbertConfig, head: HeadKind, withLabels: boolean): NamedBatch[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fileError(file, `not valid JSON (${(e as Error).message})`);
  }
  return parseBatches(json, file, config, head, withLabels);
}
