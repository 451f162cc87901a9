// AlbertConfig: HuggingFace's config.json for ALBERT, read, validated and written back.
//
// Keys keep HF's snake_case spelling so that a config round-trips unchanged; keys we do not use are
// kept and written back. Missing keys take HF AlbertConfig's defaults (which describe xxlarge).
// The cross-layer sharing strategy is derived from num_hidden_groups / inner_group_num, except the
// paper's 'attention' and 'ffn' ablations, which HF cannot express and which are stored under the
// extra key "albert_ts_sharing" (see encoder.ts for how each strategy maps layers to parameters).
import * as fs from 'node:fs';
import type { Activation } from '../backend/backend.js';
import { UserError, fileError } from '../errors.js';

export type SharingStrategy = 'all' | 'attention' | 'ffn' | 'none' | 'groups';
export const SHARING_STRATEGIES: readonly SharingStrategy[] = ['all', 'attention', 'ffn', 'none', 'groups'];
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

export interface AlbertConfig {
  vocab_size: number;
  embedding_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_hidden_groups: number;
  num_attention_heads: number;
  intermediate_size: number;
  inner_group_num: number;
  hidden_act: Activation;
  /** The activation's name as config.json spelled it, when that is an alias of `hidden_act`. */
  hidden_act_name?: string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  classifier_dropout_prob: number | null;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  pad_token_id: number;
  bos_token_id: number;
  eos_token_id: number;
  architectures?: string[];
  num_labels: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type?: ProblemType | null;
  /** Derived from the groups, or read from "albert_ts_sharing" for 'attention' / 'ffn'. */
  sharing: SharingStrategy;
  [extra: string]: unknown;
}

/** HF ACT2FN names we compute, -> the backend kernel. The tanh approximations are one formula. */
const ACTIVATION_ALIASES: Record<string, Activation> = {
  gelu: 'gelu', gelu_python: 'gelu',
  gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new', gelu_fast: 'gelu_new', gelu_accurate: 'gelu_new',
  relu: 'relu', silu: 'silu', swish: 'silu', tanh: 'tanh', linear: 'linear',
};

/** Resolve an HF activation name; undefined when we do not implement it. */
export function resolveActivation(name: unknown): Activation | undefined {
  return typeof name === 'string' && Object.hasOwn(ACTIVATION_ALIASES, name) ? ACTIVATION_ALIASES[name] : undefined;
}

/** HF AlbertConfig.__init__ defaults (PretrainedConfig supplies num_labels = 2). */
const HF_DEFAULTS = {
  vocab_size: 30000, embedding_size: 128, hidden_size: 4096, num_hidden_layers: 12, num_hidden_groups: 1,
  num_attention_heads: 64, intermediate_size: 16384, inner_group_num: 1, hidden_act: 'gelu_new',
  hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, max_position_embeddings: 512, type_vocab_size: 2,
  initializer_range: 0.02, layer_norm_eps: 1e-12, classifier_dropout_prob: 0.1, pad_token_id: 0,
  bos_token_id: 2, eos_token_id: 3,
} as const;

/** Keys this module interprets (everything else is carried through untouched). */
const KNOWN_KEYS = new Set<string>([...Object.keys(HF_DEFAULTS), 'architectures', 'num_labels', 'id2label', 'label2id',
  'problem_type', 'albert_ts_sharing', 'sharing']);

const SHARING_KEY = 'albert_ts_sharing';

/** The keys a config override (pretrain's --set) may name: those this module reads. A config.json
 *  may carry any other key (HF allows it), but an override of one would change nothing. */
export const CONFIG_KEYS: readonly string[] = [...KNOWN_KEYS, 'position_embedding_type'].sort();

/** Refuse override keys that no config field has (a typo such as hidden_sise), listing the valid ones. */
export function checkOverrideKeys(changes: Record<string, unknown>, what = '--set'): void {
  const unknown = Object.keys(changes).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length) {
    throw new UserError(`${what}: unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (valid keys: ${CONFIG_KEYS.join(', ')})`);
  }
}

/** The strategy that HF's (num_hidden_groups, inner_group_num) describe. */
export function hfSharing(L: number, G: number, inner: number): SharingStrategy {
  if (G === 1) return 'all';
  if (G === L && inner === 1) return 'none';
  return 'groups';
}

/**
 * Validate a parsed config.json. Every bad field is collected and reported in ONE UserError that
 * names the file: "<file>: invalid ALBERT config: hidden_size must be ...; num_labels must be ...".
 */
export function parseConfig(json: unknown, file: string): AlbertConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw fileError(file, `invalid ALBERT config: expected a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  }
  const src = json as Record<string, unknown>;
  const problems: string[] = [];
  const has = (k: string) => Object.hasOwn(src, k) && src[k] !== undefined;
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  // Another architecture's config would be read with ALBERT's defaults and fail later, far from the cause.
  if (has('model_type') && src.model_type !== 'albert') {
    throw fileError(file, `model_type ${show(src.model_type)} is not an ALBERT model (albert-ts reads configs with model_type "albert")`);
  }

  const int = (k: keyof typeof HF_DEFAULTS, min: number): number => {
    const v = has(k) ? src[k] : HF_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      problems.push(`${k} must be an integer >= ${min} (got ${show(v)})`);
      return min;
    }
    return v;
  };
  const prob = (k: string, v: unknown, nullable = false): number | null => {
    if (nullable && v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
      problems.push(`${k} must be a number in [0, 1)${nullable ? ' or null' : ''} (got ${show(v)})`);
      return 0;
    }
    return v;
  };
  const positive = (k: keyof typeof HF_DEFAULTS, allowZero: boolean): number => {
    const v = has(k) ? src[k] : HF_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      problems.push(`${k} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${show(v)})`);
      return 1;
    }
    return v;
  };

  const vocab_size = int('vocab_size', 1);
  const embedding_size = int('embedding_size', 1);
  const hidden_size = int('hidden_size', 1);
  const num_hidden_layers = int('num_hidden_layers', 1);
  const num_hidden_groups = int('num_hidden_groups', 1);
  const num_attention_heads = int('num_attention_heads', 1);
  const intermediate_size = int('intermediate_size', 1);
  const inner_group_num = int('inner_group_num', 1);
  const max_position_embeddings = int('max_position_embeddings', 1);
  const type_vocab_size = int('type_vocab_size', 1);
  const pad_token_id = int('pad_token_id', 0);
  if (pad_token_id >= vocab_size && !problems.some((p) => p.startsWith('vocab_size'))) {
    problems.push(`pad_token_id must be < vocab_size ${vocab_size} (got ${pad_token_id})`);
  }
  const optionalId = (k: 'bos_token_id' | 'eos_token_id'): number => {
    const v = has(k) ? src[k] : HF_DEFAULTS[k];
    if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) problems.push(`${k} must be an integer or null (got ${show(v)})`);
    return v as number;
  };
  const bos_token_id = optionalId('bos_token_id');
  const eos_token_id = optionalId('eos_token_id');
  // HF runs layer i with group int(i / (L / G)): with more groups than layers some group is never run.
  if (num_hidden_groups > num_hidden_layers) {
    problems.push(`num_hidden_groups ${num_hidden_groups} must be <= num_hidden_layers ${num_hidden_layers} (a group no layer runs would never be trained)`);
  }
  if (hidden_size % num_attention_heads !== 0) {
    problems.push(`hidden_size ${hidden_size} must be divisible by num_attention_heads ${num_attention_heads}`);
  }

  const actName = has('hidden_act') ? src.hidden_act : HF_DEFAULTS.hidden_act;
  const hidden_act = resolveActivation(actName);
  if (!hidden_act) problems.push(`hidden_act ${show(actName)} is not supported (expected one of ${Object.keys(ACTIVATION_ALIASES).join(', ')})`);

  const hidden_dropout_prob = prob('hidden_dropout_prob', has('hidden_dropout_prob') ? src.hidden_dropout_prob : HF_DEFAULTS.hidden_dropout_prob) as number;
  const attention_probs_dropout_prob = prob('attention_probs_dropout_prob',
    has('attention_probs_dropout_prob') ? src.attention_probs_dropout_prob : HF_DEFAULTS.attention_probs_dropout_prob) as number;
  const classifier_dropout_prob = prob('classifier_dropout_prob',
    has('classifier_dropout_prob') ? src.classifier_dropout_prob : HF_DEFAULTS.classifier_dropout_prob, true);
  const initializer_range = positive('initializer_range', true);
  const layer_norm_eps = positive('layer_norm_eps', false);

  let architectures: string[] | undefined;
  if (has('architectures') && src.architectures !== null) {
    if (!Array.isArray(src.architectures) || src.architectures.some((a) => typeof a !== 'string')) {
      problems.push(`architectures must be a list of strings (got ${show(src.architectures)})`);
    } else architectures = [...(src.architectures as string[])];
  }

  // num_labels: explicit, or the size of id2label, else 2 (HF PretrainedConfig).
  let id2label: Record<string, string> | undefined;
  let label2id: Record<string, number> | undefined;
  if (has('id2label') && src.id2label !== null) {
    const m = src.id2label;
    const keys = m && typeof m === 'object' && !Array.isArray(m) ? Object.keys(m) : null;
    if (!keys || keys.some((k) => !/^(0|[1-9]\d*)$/.test(k) || typeof (m as Record<string, unknown>)[k] !== 'string')
      || !keys.every((_, i) => Object.hasOwn(m as object, String(i)))) {
      problems.push('id2label must map "0".."n-1" to label strings');
    } else id2label = { ...(m as Record<string, string>) };
  }
  if (has('label2id') && src.label2id !== null) {
    const m = src.label2id;
    if (!m || typeof m !== 'object' || Array.isArray(m)
      || Object.values(m).some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      problems.push('label2id must map label strings to integer ids');
    } else label2id = { ...(m as Record<string, number>) };
  }
  let num_labels = id2label ? Object.keys(id2label).length : 2;
  if (has('num_labels')) {
    const v = src.num_labels;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`num_labels must be an integer >= 1 (got ${show(v)})`);
    // HF keeps id2label when the two disagree (PretrainedConfig warns and overwrites num_labels).
    else if (!id2label) num_labels = v;
  }

  let problem_type: ProblemType | null | undefined;
  if (has('problem_type') && src.problem_type !== null) {
    const v = src.problem_type;
    if (v !== 'regression' && v !== 'single_label_classification' && v !== 'multi_label_classification') {
      problems.push(`problem_type must be regression, single_label_classification, multi_label_classification or null (got ${show(v)})`);
    } else problem_type = v;
  } else if (has('problem_type')) problem_type = null;

  if (has('position_embedding_type') && src.position_embedding_type !== 'absolute') {
    problems.push(`position_embedding_type ${show(src.position_embedding_type)} is not supported (only "absolute")`);
  }

  let sharing = hfSharing(num_hidden_layers, num_hidden_groups, inner_group_num);
  const declared = has(SHARING_KEY) ? src[SHARING_KEY] : has('sharing') ? src.sharing : undefined;
  if (declared !== undefined) {
    const key = has(SHARING_KEY) ? SHARING_KEY : 'sharing';
    if (!SHARING_STRATEGIES.includes(declared as SharingStrategy)) {
      problems.push(`${key} must be one of ${SHARING_STRATEGIES.join(', ')} (got ${show(declared)})`);
    } else if (declared === 'attention' || declared === 'ffn') {
      // stored as one group per layer so that HF can load the checkpoint (shared tensors duplicated)
      if (num_hidden_groups !== num_hidden_layers || inner_group_num !== 1) {
        problems.push(`${key} "${declared}" needs num_hidden_groups = num_hidden_layers and inner_group_num = 1 (got ${num_hidden_groups} and ${inner_group_num})`);
      } else sharing = declared;
    } else if (declared !== sharing) {
      problems.push(`${key} "${declared}" contradicts num_hidden_groups ${num_hidden_groups} / inner_group_num ${inner_group_num}, which describe "${sharing}"`);
    }
  }

  if (problems.length) throw fileError(file, `invalid ALBERT config: ${problems.join('; ')}`);

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) if (!KNOWN_KEYS.has(k)) extra[k] = v;
  const config: AlbertConfig = {
    ...extra,
    vocab_size, embedding_size, hidden_size, num_hidden_layers, num_hidden_groups, num_attention_heads,
    intermediate_size, inner_group_num, hidden_act: hidden_act!, hidden_dropout_prob, attention_probs_dropout_prob,
    classifier_dropout_prob, max_position_embeddings, type_vocab_size, initializer_range, layer_norm_eps,
    pad_token_id, bos_token_id, eos_token_id, num_labels, sharing,
  };
  if (architectures) config.architectures = architectures;
  if (id2label) config.id2label = id2label;
  if (label2id) config.label2id = label2id;
  if (problem_type !== undefined) config.problem_type = problem_type;
  // HF writes back the activation name it read (gelu_pytorch_tanh stays gelu_pytorch_tanh).
  if (typeof actName === 'string' && actName !== hidden_act) config.hidden_act_name = actName;
  return config;
}

/** Read and validate a config.json file (errors name the file). */
export function readConfigFile(path: string): AlbertConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected config.json' : `cannot read (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fileError(path, `not valid JSON (${(e as Error).message})`);
  }
  return parseConfig(json, path);
}

/** The label names HF makes up when a config has none: LABEL_0 .. LABEL_{n-1}. */
function defaultId2label(n: number): Record<string, string> {
  const m: Record<string, string> = {};
  for (let i = 0; i < n; i++) m[String(i)] = `LABEL_${i}`;
  return m;
}

/**
 * What goes into config.json: HF's keys (sorted, as HF writes them), model_type "albert", the labels
 * (HF stores id2label / label2id, not num_labels), unknown keys carried through, and
 * "albert_ts_sharing" only for the strategies HF cannot express.
 */
export function configToJson(c: AlbertConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'sharing' || k === 'num_labels' || k === 'id2label' || k === 'label2id' || k === 'hidden_act_name' || v === undefined) continue;
    out[k] = v;
  }
  if (c.hidden_act_name) out.hidden_act = c.hidden_act_name;
  out.model_type = 'albert';
  if (c.id2label || c.num_labels !== 2) {
    const id2label = c.id2label ?? defaultId2label(c.num_labels);
    out.id2label = id2label;
    out.label2id = c.label2id ?? Object.fromEntries(Object.entries(id2label).map(([i, name]) => [name, Number(i)]));
  }
  if (c.sharing === 'attention' || c.sharing === 'ffn') out[SHARING_KEY] = c.sharing;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k];
  return sorted;
}

/**
 * A copy of `c` with fields replaced, re-validated (so derived fields stay true). Changing `sharing`
 * alone also sets the groups it implies: 'all' -> 1 group; 'none' / 'attention' / 'ffn' -> one group
 * per layer, inner_group_num 1 ('groups' needs num_hidden_groups given explicitly).
 */
export function withConfig(c: AlbertConfig, changes: Partial<AlbertConfig>): AlbertConfig {
  const merged = { ...configToJson(c), ...changes } as Record<string, unknown>;
  delete merged.sharing;
  if (changes.sharing !== undefined) {
    merged[SHARING_KEY] = changes.sharing;
    const L = (changes.num_hidden_layers ?? c.num_hidden_layers);
    if (changes.num_hidden_groups === undefined && changes.sharing !== 'groups') merged.num_hidden_groups = changes.sharing === 'all' ? 1 : L;
    if (changes.inner_group_num === undefined && changes.sharing !== 'groups' && changes.sharing !== 'all') merged.inner_group_num = 1;
  }
  if (changes.num_labels !== undefined && changes.id2label === undefined) {
    delete merged.id2label;
    delete merged.label2id;
  }
  return parseConfig(merged, 'config');
}
