// The inference routes' request bodies and responses: TEI's for /predict and /embed, the HF
// Inference API's ({inputs, parameters}) for the task routes. Each body becomes a Job: the inputs
// in the pipeline's own form, each with its token count (for the batch budget and the input-length
// check), the call options, and how the pipeline's results make the response.
import { UserError } from '../errors.js';
import { overflowWindows, type AlbertTokenizer } from '../tokenizer/albert.js';
import { emptyInputs, invalid } from './http_error.js';
import { qaSettings, zeroShotSettings, type PipelineTask } from './load_pipeline.js';

export const INFERENCE_ROUTES = [
  'predict', 'embed', 'similarity', 'fill-mask', 'question-answering', 'token-classification', 'zero-shot-classification', 'multiple-choice',
] as const;
export type InferenceRoute = (typeof INFERENCE_ROUTES)[number];

/** The pipeline task behind each route. */
const ROUTE_TASK: Record<InferenceRoute, PipelineTask> = {
  predict: 'text-classification',
  embed: 'feature-extraction',
  similarity: 'sentence-similarity',
  'fill-mask': 'fill-mask',
  'question-answering': 'question-answering',
  'token-classification': 'token-classification',
  'zero-shot-classification': 'zero-shot-classification',
  'multiple-choice': 'multiple-choice',
};

/** A task as the routes name it (the aliases sentiment-analysis and ner as their tasks), so a worker loads one pipeline for both names. */
export function routeTask(task: PipelineTask): PipelineTask {
  return task === 'sentiment-analysis' ? 'text-classification' : task === 'ner' ? 'token-classification' : task;
}

/** The route that serves a model's own task (for /info and the page). */
export function routeOfTask(task: PipelineTask): InferenceRoute | undefined {
  const t = routeTask(task);
  return INFERENCE_ROUTES.find((r) => ROUTE_TASK[r] === t);
}

export interface JobItem { input: unknown; rows: number; length: number; characters: number }

export interface Job {
  task: PipelineTask;
  items: JobItem[];
  options: Record<string, unknown>;
  /** The response body from the pipeline's results, one per item. */
  respond(values: unknown[]): unknown;
}

/** What parsing needs to know about the model the request goes to. */
export interface RouteContext {
  tokenizer: AlbertTokenizer;
  maxInputLength: number;
  maxClientBatchSize: number;
  autoTruncate: boolean;
  pooling: string;
}

type Body = Record<string, unknown>;

const isString = (x: unknown): x is string => typeof x === 'string';
const isObject = (x: unknown): x is Body => typeof x === 'object' && x !== null && !Array.isArray(x);

function optionalBoolean(body: Body, field: string, dflt: boolean): boolean {
  const v = body[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw invalid(`\`${field}\` must be true or false`);
  return v;
}

function parametersOf(body: Body): Body {
  const p = body.parameters;
  if (p === undefined || p === null) return {};
  if (!isObject(p)) throw invalid('`parameters` must be an object');
  return p;
}

/** `inputs` as a list: a single value (per `isOne`) or a non-empty list of them, at most max_client_batch_size. */
function inputList<T>(body: Body, ctx: RouteContext, isOne: (x: unknown) => x is T, what: string): { list: T[]; single: boolean } {
  const v = body.inputs;
  if (v === undefined || v === null) throw invalid('missing field `inputs`');
  if (isOne(v)) return { list: [v], single: true };
  if (!Array.isArray(v) || !v.every(isOne)) throw invalid(`\`inputs\` must be ${what} or a list of them`);
  if (v.length === 0) throw emptyInputs();
  checkBatchSize(v.length, ctx);
  return { list: v, single: false };
}

function checkBatchSize(n: number, ctx: RouteContext): void {
  if (n > ctx.maxClientBatchSize) throw invalid(`batch size ${n} > maximum allowed batch size ${ctx.maxClientBatchSize}`);
}

/** A sequence's length with [CLS]/[SEP], checked against max_input_length unless truncation is on. */
function checkedLength(ctx: RouteContext, truncate: boolean, text: string, pair?: string): number {
  const n = ctx.tokenizer.encode(text, pair).ids.length;
  if (n <= ctx.maxInputLength) return n;
  if (!truncate) throw invalid(`\`inputs\` must have less than ${ctx.maxInputLength} tokens. Given: ${n}`);
  return ctx.maxInputLength;
}

const one = <T>(single: boolean) => (values: unknown[]) => (single ? values[0] : values) as T;

type Sequence = string | [string] | [string, string];
const isSequence = (x: unknown): x is Sequence => isString(x) || (Array.isArray(x) && (x.length === 1 || x.length === 2) && x.every(isString));

/** POST /predict (TEI): "text", ["text", "pair"], or a list of "text" / ["text"] / ["text", "pair"]. */
function predict(body: Body, ctx: RouteContext): Job {
  const raw = optionalBoolean(body, 'raw_scores', false);
  const truncate = optionalBoolean(body, 'truncate', ctx.autoTruncate);
  const v = body.inputs;
  if (v === undefined || v === null) throw invalid('missing field `inputs`');
  // As TEI's untagged enum: two strings are one pair, any other list is a batch.
  const single = isString(v) || (Array.isArray(v) && v.length === 2 && v.every(isString));
  const list: Sequence[] = single ? [v as Sequence] : Array.isArray(v) ? (v as Sequence[]) : [];
  if (!Array.isArray(v) && !isString(v)) throw invalid('`inputs` must be a string, a pair ["text", "text pair"] or a list of those');
  if (list.length === 0) throw emptyInputs();
  if (!list.every(isSequence)) throw invalid('`inputs` must be a string, a pair ["text", "text pair"] or a list of those');
  checkBatchSize(list.length, ctx);
  const items = list.map((s): JobItem => {
    const [text, pair] = isString(s) ? [s, undefined] : s;
    return { input: pair === undefined ? text : { text, text_pair: pair }, rows: 1, length: checkedLength(ctx, truncate, text, pair), characters: text.length + (pair?.length ?? 0) };
  });
  return { task: 'text-classification', items, options: { top_k: null, ...(raw ? { function_to_apply: 'none' } : {}) }, respond: one(single) };
}

/** POST /embed (TEI): "text" or ["text", ...] -> one vector per text; normalize defaults to true. */
function embed(body: Body, ctx: RouteContext): Job {
  const truncate = optionalBoolean(body, 'truncate', ctx.autoTruncate);
  const normalize = optionalBoolean(body, 'normalize', true);
  const { list } = inputList(body, ctx, isString, 'a string');
  const items = list.map((text): JobItem => ({ input: text, rows: 1, length: checkedLength(ctx, truncate, text), characters: text.length }));
  return { task: 'feature-extraction', items, options: { pooling: ctx.pooling, normalize }, respond: (values) => values };
}

/**
 * The parameters, the known ones checked here for their JSON type (422 before anything is queued);
 * all are passed on, so the pipeline refuses a misspelt one instead of the server ignoring it.
 */
function pick(params: Body, spec: Record<string, 'number' | 'boolean' | 'string' | 'strings'>): Body {
  const out: Body = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const type = spec[k];
    const ok = type === undefined || (type === 'strings' ? Array.isArray(v) && v.every(isString) : typeof v === type);
    if (!ok) throw invalid(`\`parameters.${k}\` must be ${type === 'strings' ? 'a list of strings' : `a ${type}`}`);
    out[k] = v;
  }
  return out;
}

/** POST /fill-mask (HF Inference API): {inputs: "text with [MASK]" | [...], parameters: {top_k}}. */
function fillMask(body: Body, ctx: RouteContext): Job {
  const options = pick(parametersOf(body), { top_k: 'number' });
  const { list, single } = inputList(body, ctx, isString, 'a string');
  const mask = ctx.tokenizer.maskToken;
  const items = list.map((text, i): JobItem => {
    if (!text.includes(mask)) throw invalid(`\`inputs${single ? '' : `[${i}]`}\` has no mask token ${mask}`);
    return { input: text, rows: 1, length: checkedLength(ctx, false, text), characters: text.length };
  });
  return { task: 'fill-mask', items, options, respond: one(single) };
}

const isQa = (x: unknown): x is { question: string; context: string } => isObject(x) && isString(x.question) && isString(x.context);

/** POST /question-answering: {inputs: {question, context} | [...], parameters: {top_k, doc_stride, ...}}. */
function questionAnswering(body: Body, ctx: RouteContext): Job {
  const options = pick(parametersOf(body), {
    top_k: 'number', doc_stride: 'number', max_answer_len: 'number', max_seq_len: 'number', max_question_len: 'number',
    handle_impossible_answer: 'boolean', align_to_words: 'boolean',
  });
  const { list, single } = inputList(body, ctx, isQa, 'an object {question, context}');
  const s = qaSettings(options, ctx.maxInputLength);
  const items = list.map(({ question, context }): JobItem => {
    // Long contexts become doc-stride windows (featurizeSquad's): the batch budget counts each window.
    const q = Math.min(s.maxQueryLength, ctx.tokenizer.encodeIds(question).length), c = ctx.tokenizer.encodeIds(context).length;
    const room = s.maxSeqLength - q - 3;
    const rows = room > s.stride ? overflowWindows(c, room, s.stride).length : 1; // else the pipeline refuses it
    return { input: { question, context }, rows, length: Math.min(s.maxSeqLength, q + c + 3), characters: question.length + context.length };
  });
  return { task: 'question-answering', items, options, respond: one(single) };
}

/** POST /token-classification: {inputs: "text" | [...], parameters: {aggregation_strategy, ignore_labels}}. */
function tokenClassification(body: Body, ctx: RouteContext): Job {
  const options = pick(parametersOf(body), { aggregation_strategy: 'string', ignore_labels: 'strings' });
  const truncate = optionalBoolean(body, 'truncate', ctx.autoTruncate);
  const { list, single } = inputList(body, ctx, isString, 'a string');
  const items = list.map((text): JobItem => ({ input: text, rows: 1, length: checkedLength(ctx, truncate, text), characters: text.length }));
  return { task: 'token-classification', items, options, respond: one(single) };
}

/** The pipeline's {sequence, labels, scores} as the Inference API's [{label, score}]. */
function labelScores(v: unknown): unknown {
  const r = v as { labels?: string[]; scores?: number[] };
  if (!Array.isArray(r?.labels) || !Array.isArray(r?.scores)) return v;
  return r.labels.map((label, i) => ({ label, score: r.scores![i] }));
}

/** POST /zero-shot-classification: {inputs, parameters: {candidate_labels (required), hypothesis_template, multi_label}}. */
function zeroShot(body: Body, ctx: RouteContext): Job {
  // HF accepts the labels as a list or as one comma-separated string: passed on as the list.
  const picked = pick(parametersOf(body), { hypothesis_template: 'string', multi_label: 'boolean' });
  const { labels, template } = zeroShotSettings(picked);
  const options: Body = { ...picked, candidate_labels: labels };
  const truncate = optionalBoolean(body, 'truncate', ctx.autoTruncate);
  const { list, single } = inputList(body, ctx, isString, 'a string');
  const hypothesis = Math.max(...labels.map((l) => ctx.tokenizer.encodeIds(template.replaceAll('{}', l)).length));
  const items = list.map((text): JobItem => {
    const length = Math.min(ctx.maxInputLength, checkedLength(ctx, truncate, text) + hypothesis + 1);
    return { input: text, rows: labels.length, length, characters: text.length };
  });
  return { task: 'zero-shot-classification', items, options, respond: (values) => one(single)(values.map(labelScores)) };
}

const isSimilarity = (x: unknown): x is { source_sentence: string; sentences: string[] } =>
  isObject(x) && isString(x.source_sentence) && Array.isArray(x.sentences) && x.sentences.length > 0 && x.sentences.every(isString);

/** POST /similarity (TEI): {inputs: {source_sentence, sentences: [...]}} -> the cosine of each sentence with the source. */
function similarity(body: Body, ctx: RouteContext): Job {
  const options = pick(parametersOf(body), { pooling: 'string' });
  const truncate = optionalBoolean(body, 'truncate', ctx.autoTruncate);
  const { list, single } = inputList(body, ctx, isSimilarity, 'an object {source_sentence, sentences: [...]}');
  const items = list.map((x): JobItem => {
    const texts = [x.source_sentence, ...x.sentences];
    const length = Math.max(...texts.map((t) => checkedLength(ctx, truncate, t)));
    return { input: x, rows: texts.length, length, characters: texts.reduce((n, t) => n + t.length, 0) };
  });
  return { task: 'sentence-similarity', items, options, respond: one(single) };
}

const isChoice = (x: unknown): x is { question: string; choices: string[]; context?: string } =>
  isObject(x) && isString(x.question) && Array.isArray(x.choices) && x.choices.length > 0 && x.choices.every(isString)
  && (x.context === undefined || isString(x.context));

/** POST /multiple-choice: {inputs: {context?, question, choices: [...]} | [...]} -> {scores, choice, answer}. */
function multipleChoice(body: Body, ctx: RouteContext): Job {
  const options = pick(parametersOf(body), {});
  const { list, single } = inputList(body, ctx, isChoice, 'an object {context?, question, choices: [...]}');
  const items = list.map((x): JobItem => {
    // One row per choice, each [CLS] context [SEP] question choice [SEP] cut to the input length.
    const first = x.context ?? '';
    const length = Math.min(ctx.maxInputLength, Math.max(...x.choices.map((c) => ctx.tokenizer.encode(first, `${x.question} ${c}`).ids.length)));
    return { input: x, rows: x.choices.length, length, characters: first.length + x.question.length + x.choices.join('').length };
  });
  return { task: 'multiple-choice', items, options, respond: one(single) };
}

const PARSERS: Record<InferenceRoute, (body: Body, ctx: RouteContext) => Job> = {
  predict, embed, similarity, 'fill-mask': fillMask, 'question-answering': questionAnswering, 'token-classification': tokenClassification,
  'zero-shot-classification': zeroShot, 'multiple-choice': multipleChoice,
};

/** A parsed JSON body as the route's Job (422 / 400 for wrong fields). */
export function parseJob(route: InferenceRoute, body: unknown, ctx: RouteContext): Job {
  if (!isObject(body)) throw invalid('the request body must be a JSON object');
  try {
    return PARSERS[route](body, ctx);
  } catch (e) {
    // The pipelines' own checks of the call options (qaSettings, zeroShotSettings): the request's fault.
    if (e instanceof UserError) throw invalid(e.message);
    throw e;
  }
}

export interface SimpleToken { id: number; text: string; special: boolean; start: number | null; stop: number | null }

/** POST /tokenize (TEI): {inputs: "text" | ["text", ...], add_special_tokens} -> one token list per text. */
export function tokenize(body: unknown, ctx: RouteContext): SimpleToken[][] {
  if (!isObject(body)) throw invalid('the request body must be a JSON object');
  const add = optionalBoolean(body, 'add_special_tokens', true);
  const { list } = inputList(body, ctx, isString, 'a string');
  return list.map((text) => {
    const e = ctx.tokenizer.encode(text, null, { addSpecialTokens: add, returnOffsets: true });
    return e.ids.map((id, i) => {
      const special = e.sequenceIds[i] === null;
      const [start, stop] = e.offsets![i];
      return special ? { id, text: e.tokens[i], special, start: null, stop: null } : { id, text: text.slice(start, stop), special, start, stop };
    });
  });
}
