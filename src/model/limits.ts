// What a config asks of memory, from its numbers alone: no layout is built and nothing is allocated,
// so a config that no machine can hold (a vocab_size of 1e12, inner_group_num 1e12) is refused at once,
// naming the field, instead of ending in a RangeError or in memory growing without a word.
//
// The figures are lower bounds: parameter values and gradients (every model holds both), and the
// activations its layer calls must keep; scratch, packed weights and object overheads are left out, so
// a refused model surely does not fit, and a model that fits here may still be tight.
import { constants as bufferConstants } from 'node:buffer';
import os from 'node:os';
import { UserError } from '../errors.js';
import type { AlbertConfig } from './config.js';
import { embeddingSpecs } from './embeddings.js';
import { HEADS } from './heads/index.js';
import { attentionSpecs, ffnSpecs } from './layer.js';
import { linearSpecs, numel, type ParamSpec } from './params.js';
import type { HeadKind } from './types.js';

/** Where a model's size limit comes from, and where its fields came from (for the message). */
export interface MemoryBudget {
  /** Bytes the model may use; default: this machine's memory (os.totalmem()). */
  maxMemory?: number;
  /** The config's file (or "preset tiny"), named in the error; default "config". */
  source?: string;
  /** Fields that came from elsewhere, with that file's name for them: pretrain's vocab_size from the data's
   *  index.json, and its max_position_embeddings from the index's max_seq_length. */
  fieldSources?: Partial<Record<string, { file: string; field: string }>>;
}

/** What runs: `rows` sequences of `seq` tokens, with backward (training keeps every call's activations,
 *  or under gradient checkpointing only its LayerNorm inputs and output) or not. */
export interface Workload { rows: number; seq: number; backward: boolean; checkpoint?: boolean }

/** One part of the footprint: what it is, the fields it grows with, its bytes and its largest array
 *  (`parameters`: how many, for the parts that are parameters). */
export interface MemoryTerm { what: string; fields: string[]; bytes: number; largestArray: number; parameters?: number }

/** The largest typed array (elements) this JavaScript engine makes. */
export const MAX_ARRAY_LENGTH = bufferConstants.MAX_LENGTH;

const F32 = 4;
/** Bytes per parameter the model itself holds: its value and its gradient. */
const PARAM_BYTES = 2 * F32;
/** A lower bound on what one layer call costs before it holds any activation (its object and buffer maps). */
const CALL_BYTES = 256;

/** The largest released sizes (xxlarge; BERT-xlarge for E = H): a field is blamed by how far it exceeds its own. */
const USUAL: Record<string, number> = {
  vocab_size: 30000, embedding_size: 2048, hidden_size: 4096, intermediate_size: 16384, num_attention_heads: 64,
  num_hidden_layers: 24, num_hidden_groups: 24, inner_group_num: 1, max_position_embeddings: 512, type_vocab_size: 2,
  num_labels: 2, batch: 32, seq: 512,
};

const sum = (specs: ParamSpec[]) => specs.reduce((n, s) => n + numel(s.shape), 0);
const largest = (specs: ParamSpec[]) => specs.reduce((n, s) => Math.max(n, numel(s.shape)), 0);

/** How many unique attention and FFN blocks the sharing keeps, and the fields that count them. */
function blockCounts(c: AlbertConfig): { attention: number; ffn: number; attentionFields: string[]; ffnFields: string[] } {
  const groups = ['num_hidden_groups', 'inner_group_num'];
  if (c.sharing === 'attention') return { attention: 1, ffn: c.num_hidden_layers, attentionFields: [], ffnFields: ['num_hidden_layers'] };
  if (c.sharing === 'ffn') return { attention: c.num_hidden_layers, ffn: 1, attentionFields: ['num_hidden_layers'], ffnFields: [] };
  const n = c.num_hidden_groups * c.inner_group_num;
  return { attention: n, ffn: n, attentionFields: groups, ffnFields: groups };
}

/** Layer applications per forward: L, each running its group's inner_group_num layers. */
export function layerCalls(c: AlbertConfig): number {
  return c.sharing === 'attention' || c.sharing === 'ffn' ? c.num_hidden_layers : c.num_hidden_layers * c.inner_group_num;
}

/** The parameters by part (counts, not bytes), each with the fields it grows with. */
function parameterParts(c: AlbertConfig, head: HeadKind): { what: string; fields: string[]; count: number; largestArray: number }[] {
  const prefix = head === 'base' ? '' : 'albert.';
  const [word, position, tokenType, ...rest] = embeddingSpecs(prefix, c);
  const b = blockCounts(c);
  const attention = attentionSpecs('', c), ffn = ffnSpecs('', c);
  const headSpecs = [...(HEADS[head].pooler ? linearSpecs('pooler', c.hidden_size, c.hidden_size) : []), ...HEADS[head].specs(c, prefix)];
  const headFields = head === 'pretraining' || head === 'pretraining-nsp' || head === 'masked-lm' ? ['vocab_size', 'embedding_size', 'hidden_size']
    : head === 'base' || head === 'multiple-choice' || head === 'squad-v2' ? ['hidden_size'] : ['num_labels', 'hidden_size'];
  const part = (what: string, fields: string[], specs: ParamSpec[], times = 1) =>
    ({ what, fields, count: times * sum(specs), largestArray: largest(specs) });
  return [
    part('the word embeddings', ['vocab_size', 'embedding_size'], [word]),
    part('the position embeddings', ['max_position_embeddings', 'embedding_size'], [position]),
    part('the token type embeddings', ['type_vocab_size', 'embedding_size'], [tokenType]),
    part('the embedding projection', ['embedding_size', 'hidden_size'], rest),
    // query, key and value are one packed (3H, H) array
    { ...part('the attention blocks', [...b.attentionFields, 'hidden_size'], attention, b.attention), largestArray: 3 * c.hidden_size * c.hidden_size },
    part('the FFN blocks', [...b.ffnFields, 'hidden_size', 'intermediate_size'], ffn, b.ffn),
    part(`the pooler and ${head} head`, headFields, headSpecs),
  ];
}

/** Unique parameters (tied and shared tensors once), as the paper counts them; computed, not built. */
export function parameterCount(c: AlbertConfig, head: HeadKind = 'base'): number {
  return parameterParts(c, head).reduce((n, p) => n + p.count, 0);
}

/** The footprint of a model of config `c` running `work`, in parts. */
export function memoryTerms(c: AlbertConfig, head: HeadKind, work: Workload): MemoryTerm[] {
  const terms: MemoryTerm[] = parameterParts(c, head).map((p) => ({
    what: p.what, fields: p.fields, bytes: p.count * PARAM_BYTES, largestArray: p.largestArray, parameters: p.count,
  }));
  const H = c.hidden_size, I = c.intermediate_size, E = c.embedding_size, nh = c.num_attention_heads;
  const N = work.rows * work.seq, calls = layerCalls(c);
  const callFields = c.sharing === 'attention' || c.sharing === 'ffn' ? ['num_hidden_layers'] : ['num_hidden_layers', 'inner_group_num'];
  const shape = ['batch', 'seq'];
  terms.push({ what: 'the layer calls', fields: callFields, bytes: calls * CALL_BYTES, largestArray: 0 });
  terms.push({ what: 'the embedding activations', fields: [...shape, 'embedding_size', 'hidden_size'], bytes: N * (2 * E + H) * F32, largestArray: N * Math.max(E, H) });
  // A call's activations (layer.ts): [q k v], the context, the two LayerNorm inputs and outputs, the
  // FFN's h and act(h), and in training the attention probabilities. Training keeps them per call;
  // checkpointing keeps per call only the LayerNorm inputs and the output, and one set for the call
  // being recomputed; inference shares one set among all calls.
  const perCall = N * (8 * H + 2 * I);
  const probs = work.backward ? work.rows * nh * work.seq * work.seq : 0;
  const keepAll = work.backward && !work.checkpoint;
  terms.push({
    what: 'the activations of one layer call', fields: [...shape, 'hidden_size', 'intermediate_size'],
    bytes: perCall * F32, largestArray: N * Math.max(3 * H, I),
  });
  // squad-v2's end logits: dense_0's W_a half, its sum with a start's W_b half, tanh, LayerNorm (and their gradient)
  if (head === 'squad-v2') terms.push({ what: "the squad-v2 head's end activations", fields: [...shape, 'hidden_size'], bytes: 5 * N * H * F32, largestArray: N * H });
  if (work.backward) {
    terms.push({ what: 'the attention probabilities', fields: [...(keepAll ? callFields : []), 'num_attention_heads', ...shape], bytes: (keepAll ? calls : 1) * probs * F32, largestArray: probs });
    terms.push({
      what: keepAll ? 'the activations training keeps' : 'the activations checkpointing keeps', fields: [...callFields, ...shape, 'hidden_size', ...(keepAll ? ['intermediate_size'] : [])],
      bytes: (calls - 1) * (keepAll ? perCall : 3 * N * H) * F32, largestArray: 0,
    });
  }
  return terms;
}

/** "1.5 GiB". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} bytes` : `${n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} ${units[i]}`;
}

/**
 * Refuse, before anything is allocated, a model of config `c` that cannot run `work` within the budget
 * (or that needs an array larger than the engine makes): one UserError naming the field to blame, its
 * file, what cannot be held and the bound.
 */
export function checkModelFits(c: AlbertConfig, head: HeadKind, work: Workload, budget: MemoryBudget = {}): void {
  const terms = memoryTerms(c, head, work);
  const values: Record<string, number> = { ...(c as unknown as Record<string, number>), batch: work.rows, seq: work.seq };
  const where = (field: string) => (field === 'batch' || field === 'seq' ? { file: 'inputs', field }
    : budget.fieldSources?.[field] ?? { file: budget.source ?? 'config', field });
  // The field of a term most beyond its usual size is the one to name.
  const blame = (t: MemoryTerm) => t.fields.reduce((best, f) => (values[f] / USUAL[f] > values[best] / USUAL[best] ? f : best), t.fields[0]);
  const describe = (t: MemoryTerm) => `${t.what} (${t.fields.map((f) => `${f} ${values[f]}`).join(' x ')}`
    + `${t.parameters !== undefined ? `: ${t.parameters.toLocaleString('en-US')} parameters` : ''})`;
  const named = (t: MemoryTerm) => {
    const f = blame(t);
    // when no field is beyond the released models' sizes, the bound is what is small, not a field
    const w = where(f);
    return values[f] > USUAL[f] ? `${w.file}: ${w.field} ${values[f]} cannot be held` : `${budget.source ?? 'config'}: the model cannot be held`;
  };

  const tooLong = terms.find((t) => !(t.largestArray <= MAX_ARRAY_LENGTH));
  if (tooLong) {
    throw new UserError(`${named(tooLong)}: ${describe(tooLong)} need an array of ${tooLong.largestArray.toLocaleString('en-US')} numbers, more than the ${MAX_ARRAY_LENGTH.toLocaleString('en-US')} one JavaScript array holds`);
  }
  const total = terms.reduce((n, t) => n + t.bytes, 0);
  const bound = budget.maxMemory ?? os.totalmem();
  if (total <= bound) return;
  const worst = terms.reduce((a, t) => (t.bytes > a.bytes ? t : a));
  const limit = budget.maxMemory !== undefined ? `--max-memory ${formatBytes(bound)}` : `this machine's memory (${formatBytes(bound)}; --max-memory sets another bound)`;
  throw new UserError(`${named(worst)}: ${describe(worst)} need ${formatBytes(worst.bytes)}${worst.parameters !== undefined ? ' with their gradients' : ''}, `
    + `the model ${formatBytes(total)} in all, more than ${limit}`);
}
