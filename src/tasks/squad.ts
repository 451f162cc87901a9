// SQuAD 1.1 / 2.0 from the official JSON, and questions + contexts -> windows as HF's run_qa
// prepares them (prepare_train_features / prepare_validation_features), with the question cut to its
// first `maxQueryLength` tokens as google-research/albert's squad_utils does:
//   [CLS] question [SEP] context window [SEP], segment 0 up to the first [SEP], 1 after it;
//   windows of the context overlap by `stride` tokens (HF's `stride`; Google's doc_stride is the step
//   between window starts instead: the same number gives other windows);
//   every context token keeps its [start, end) offsets into the ORIGINAL context, so an answer is cut
//   out of the text the user gave; labels are the answer's first and last token, or 0 (CLS) for an
//   unanswerable question and for a window that does not hold the whole answer (kept, as both
//   references keep it).
import { fileError } from '../errors.js';
import { overflowWindows, type AlbertTokenizer } from '../tokenizer/albert.js';
import { checkLength, packRows, batchSeq } from './features.js';
import { readTaskJson } from './text_file.js';
import type { Labels, ModelInputs } from '../model/types.js';

export interface SquadAnswer {
  text: string;
  /** UTF-16 index of the answer in the context (the file's answer_start counts code points, as Python does). */
  start: number;
}

export interface SquadExample {
  id: string;
  title: string;
  question: string;
  context: string;
  /** Gold answers in file order (training uses the first); empty for unanswerable questions. */
  answers: SquadAnswer[];
  /** v2's is_impossible (false when absent). */
  isImpossible: boolean;
}

export interface SquadDataset {
  file: string;
  /** The file's "version" ("1.1", "v2.0", ...), "" if absent. */
  version: string;
  examples: SquadExample[];
}

/** Reads an official SQuAD JSON file, checking that every answer_start points at its answer's text. */
export function readSquad(file: string): SquadDataset {
  const json = readTaskJson(file) as { version?: unknown; data?: unknown };
  if (json === null || typeof json !== 'object' || !Array.isArray(json.data)) throw fileError(file, 'is not SQuAD JSON (no "data" list of articles)');
  const examples: SquadExample[] = [];
  const seen = new Set<string>();
  json.data.forEach((article: any, a: number) => {
    const where = `data[${a}]`;
    if (!article || !Array.isArray(article.paragraphs)) throw fileError(file, `${where}: no "paragraphs" list`);
    const title = typeof article.title === 'string' ? article.title : '';
    article.paragraphs.forEach((p: any, k: number) => {
      const pWhere = `${where}.paragraphs[${k}]`;
      if (!p || typeof p.context !== 'string') throw fileError(file, `${pWhere}: no "context" string`);
      if (!Array.isArray(p.qas)) throw fileError(file, `${pWhere}: no "qas" list`);
      const context: string = p.context;
      const toUtf16 = codePointToUtf16(context);
      p.qas.forEach((q: any, j: number) => {
        if (!q || typeof q.id !== 'string') throw fileError(file, `${pWhere}.qas[${j}]: no "id" string`);
        const qid = q.id;
        if (seen.has(qid)) throw fileError(file, `question ${qid}: the id appears twice`);
        seen.add(qid);
        if (typeof q.question !== 'string') throw fileError(file, `question ${qid}: no "question" string`);
        const answers = q.answers ?? [];
        if (!Array.isArray(answers)) throw fileError(file, `question ${qid}: "answers" is not a list`);
        const isImpossible = q.is_impossible === true;
        examples.push({
          id: qid,
          title,
          question: q.question,
          context,
          answers: answers.map((ans: any, n: number) => checkedAnswer(ans, n, context, toUtf16, file, qid)),
          isImpossible,
        });
      });
    });
  });
  if (examples.length === 0) throw fileError(file, 'has no questions');
  return { file, version: typeof json.version === 'string' ? json.version : '', examples };
}

function checkedAnswer(ans: any, n: number, context: string, toUtf16: (cp: number) => number, file: string, qid: string): SquadAnswer {
  if (!ans || typeof ans.text !== 'string' || !Number.isInteger(ans.answer_start)) {
    throw fileError(file, `question ${qid}: answer ${n} needs a "text" string and an integer "answer_start"`);
  }
  const cp: number = ans.answer_start;
  const start = cp >= 0 ? toUtf16(cp) : -1;
  if (start < 0 || context.slice(start, start + ans.text.length) !== ans.text) {
    const there = start < 0 ? 'outside the context' : `the context there reads ${JSON.stringify(context.slice(start, start + ans.text.length))}`;
    throw fileError(file, `question ${qid}: answer ${n} ${JSON.stringify(ans.text)} is not at answer_start ${cp} (${there})`);
  }
  return { text: ans.text, start };
}

/** Code point index -> UTF-16 index in `s` (-1 past the end); the identity when `s` has no surrogate pairs. */
function codePointToUtf16(s: string): (cp: number) => number {
  if (!/[\uD800-\uDFFF]/.test(s)) return (cp) => (cp <= s.length ? cp : -1);
  const map: number[] = [];
  let i = 0;
  for (const ch of s) { map.push(i); i += ch.length; }
  map.push(i);
  return (cp) => (cp < map.length ? map[cp] : -1);
}

export interface SquadFeatureOptions {
  /** Window length with specials (HF run_qa's 384). */
  maxSeqLength?: number;
  /** Tokens of overlap between consecutive windows of one context (HF's `stride`, default 128). */
  stride?: number;
  /** Question tokens kept (its first ones; squad_utils' 64). */
  maxQueryLength?: number;
}

export interface SquadFeature {
  /** Index of its example in the examples given to featurizeSquad. */
  example: number;
  /** Which window of that example's context (0, 1, ...). */
  window: number;
  ids: number[];
  typeIds: number[];
  /** Per position: [start, end) UTF-16 offsets into the original context for context tokens, null otherwise (HF's offset_mapping of validation features). */
  offsets: Array<[number, number] | null>;
  /** Positions [contextStart, contextEnd) are the window's context tokens. */
  contextStart: number;
  contextEnd: number;
  /** Per position: the window where this context token has the most context on both sides (squad_utils' token_is_max_context); false outside the context. */
  maxContext: boolean[];
  /** Training labels: the answer's first and last token, or 0 and 0 (CLS). */
  startPosition: number;
  endPosition: number;
}

/** Tokenizes every example into its windows (each context tokenized once, however many questions share it). */
export function featurizeSquad(tok: AlbertTokenizer, examples: readonly SquadExample[], opts: SquadFeatureOptions = {}): SquadFeature[] {
  const maxSeqLength = opts.maxSeqLength ?? 384, stride = opts.stride ?? 128, maxQueryLength = opts.maxQueryLength ?? 64;
  checkLength(maxSeqLength, 4);
  checkLength(maxQueryLength, 1, 'maxQueryLength');
  if (!Number.isInteger(stride) || stride < 0) throw new RangeError(`stride must be a non-negative integer, got ${stride}`);
  const contexts = new Map<string, { ids: number[]; offsets: Array<[number, number]> }>();
  const out: SquadFeature[] = [];
  examples.forEach((ex, example) => {
    let ctx = contexts.get(ex.context);
    if (!ctx) {
      const e = tok.encode(ex.context, null, { addSpecialTokens: false, returnOffsets: true });
      ctx = { ids: e.ids, offsets: e.offsets! };
      contexts.set(ex.context, ctx);
    }
    // HF strips the question's leading spaces (ALBERT's preprocessing would drop them anyway).
    const q = tok.encode(ex.question.trimStart(), null, { addSpecialTokens: false }).ids.slice(0, maxQueryLength);
    const keep = maxSeqLength - q.length - 3;
    if (keep <= stride) {
      throw new RangeError(`maxSeqLength ${maxSeqLength} leaves ${keep} context tokens per window after a ${q.length}-token question: need more than the stride (${stride})`);
    }
    const windows = overflowWindows(ctx.ids.length, keep, stride);
    const answer = ex.isImpossible || ex.answers.length === 0 ? null : ex.answers[0];
    windows.forEach(([from, to], window) => {
      const contextStart = q.length + 2, contextEnd = contextStart + (to - from);
      const ids = [tok.clsId, ...q, tok.sepId, ...ctx!.ids.slice(from, to), tok.sepId];
      const typeIds = ids.map((_, i) => (i < contextStart ? 0 : 1));
      const offsets: Array<[number, number] | null> = ids.map((_, i) => (i >= contextStart && i < contextEnd ? ctx!.offsets[from + i - contextStart] : null));
      const maxContext = ids.map((_, i) => i >= contextStart && i < contextEnd && isMaxContext(windows, window, from + i - contextStart));
      const [startPosition, endPosition] = answer ? spanLabels(offsets, contextStart, contextEnd, answer) : [0, 0];
      out.push({ example, window, ids, typeIds, offsets, contextStart, contextEnd, maxContext, startPosition, endPosition });
    });
  });
  return out;
}

/**
 * run_qa's labels: CLS unless the window holds the whole answer; else the last token starting at or
 * before the answer and the first token (from the right) ending at or after its end. The walk stays
 * inside the window's context (HF's own loop can run past the last context token into [SEP] and padding).
 */
function spanLabels(offsets: Array<[number, number] | null>, cs: number, ce: number, answer: SquadAnswer): [number, number] {
  if (ce === cs) return [0, 0];
  const startChar = answer.start, endChar = answer.start + answer.text.length;
  if (!(offsets[cs]![0] <= startChar && offsets[ce - 1]![1] >= endChar)) return [0, 0];
  let s = cs;
  while (s < ce && offsets[s]![0] <= startChar) s++;
  let e = ce - 1;
  while (e >= cs && offsets[e]![1] >= endChar) e--;
  return [s - 1, e + 1];
}

/** squad_utils' _check_is_max_context: the window maximising min(left, right) context + 0.01 * window length. */
function isMaxContext(windows: ReadonlyArray<[number, number]>, current: number, pos: number): boolean {
  let best = -1, bestScore = -Infinity;
  windows.forEach(([from, to], w) => {
    if (pos < from || pos >= to) return;
    const score = Math.min(pos - from, to - 1 - pos) + 0.01 * (to - from);
    if (score > bestScore) { bestScore = score; best = w; }
  });
  return best === current;
}

export interface SquadBatchOptions {
  /** Pad to this length (the references pad to max_seq_length), or to the batch's longest window. */
  seq: number | 'longest';
  padId: number;
}

/** A batch of windows as the QA heads' inputs and labels: start/end, and is_impossible (a window labelled CLS) for squad-v2. */
export function squadBatch(features: readonly SquadFeature[], opts: SquadBatchOptions): { inputs: ModelInputs; labels: Labels } {
  const seq = batchSeq(features, opts.seq);
  return {
    inputs: { ...packRows(features, seq, opts.padId), batch: features.length, seq },
    labels: {
      startPositions: Int32Array.from(features, (f) => f.startPosition), endPositions: Int32Array.from(features, (f) => f.endPosition),
      isImpossible: Int32Array.from(features, (f) => (f.startPosition === 0 ? 1 : 0)),
    },
  };
}
