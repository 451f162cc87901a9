// Named model configurations: the eight released ALBERT models exactly as their HuggingFace hub
// config.json files read, the paper's BERT-like baselines (E = H, no sharing; Table 1), and 'tiny'
// for tests and first runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError, fileError } from '../errors.js';
import { type AlbertConfig, parseConfig, readConfigFile } from './config.js';

interface Size { hidden_size: number; num_attention_heads: number; intermediate_size: number; num_hidden_layers: number }

const SIZES: Record<'base' | 'large' | 'xlarge' | 'xxlarge', Size> = {
  base: { hidden_size: 768, num_attention_heads: 12, intermediate_size: 3072, num_hidden_layers: 12 },
  large: { hidden_size: 1024, num_attention_heads: 16, intermediate_size: 4096, num_hidden_layers: 24 },
  xlarge: { hidden_size: 2048, num_attention_heads: 16, intermediate_size: 8192, num_hidden_layers: 24 },
  xxlarge: { hidden_size: 4096, num_attention_heads: 64, intermediate_size: 16384, num_hidden_layers: 12 },
};

/** The hub config.json of albert/albert-<size>-<version>. */
function hubConfig(size: keyof typeof SIZES, version: 1 | 2): Record<string, unknown> {
  // v1 used BERT's erf gelu and dropout 0.1 (xxlarge-v1 already had dropout 0); v2 dropped dropout and
  // HF converted it with the tanh approximation.
  const dropout = version === 2 || size === 'xxlarge' ? 0 : 0.1;
  return {
    architectures: ['AlbertForMaskedLM'], attention_probs_dropout_prob: dropout, bos_token_id: 2,
    classifier_dropout_prob: 0.1, down_scale_factor: 1, embedding_size: 128, eos_token_id: 3, gap_size: 0,
    hidden_act: version === 2 ? 'gelu_new' : 'gelu', hidden_dropout_prob: dropout, initializer_range: 0.02,
    inner_group_num: 1, layer_norm_eps: 1e-12, max_position_embeddings: 512, model_type: 'albert',
    net_structure_type: 0, num_hidden_groups: 1, num_memory_blocks: 0, pad_token_id: 0, type_vocab_size: 2,
    vocab_size: 30000, ...SIZES[size],
  };
}

/** BERT as the paper compares it: ALBERT's vocabulary, E = H, every layer its own parameters. */
function bertConfig(size: 'base' | 'large' | 'xlarge'): Record<string, unknown> {
  const s = SIZES[size];
  return {
    attention_probs_dropout_prob: 0.1, hidden_dropout_prob: 0.1, hidden_act: 'gelu', classifier_dropout_prob: 0.1,
    embedding_size: s.hidden_size, num_hidden_groups: s.num_hidden_layers, inner_group_num: 1, vocab_size: 30000,
    max_position_embeddings: 512, type_vocab_size: 2, initializer_range: 0.02, layer_norm_eps: 1e-12,
    pad_token_id: 0, bos_token_id: 2, eos_token_id: 3, model_type: 'albert', ...s,
  };
}

const PRESETS: Record<string, () => Record<string, unknown>> = {
  'albert-base-v1': () => hubConfig('base', 1),
  'albert-large-v1': () => hubConfig('large', 1),
  'albert-xlarge-v1': () => hubConfig('xlarge', 1),
  'albert-xxlarge-v1': () => hubConfig('xxlarge', 1),
  'albert-base-v2': () => hubConfig('base', 2),
  'albert-large-v2': () => hubConfig('large', 2),
  'albert-xlarge-v2': () => hubConfig('xlarge', 2),
  'albert-xxlarge-v2': () => hubConfig('xxlarge', 2),
  'bert-base': () => bertConfig('base'),
  'bert-large': () => bertConfig('large'),
  'bert-xlarge': () => bertConfig('xlarge'),
  tiny: () => ({
    ...hubConfig('base', 2), embedding_size: 32, hidden_size: 128, num_attention_heads: 4, intermediate_size: 512,
    num_hidden_layers: 4, architectures: ['AlbertForPreTraining'],
  }),
};

export const PRESET_NAMES: string[] = Object.keys(PRESETS);

/** Resolve a preset name; also accepts "albert/albert-base-v2" (hub id) and "base-v2" (short form). */
export function presetKey(name: string): string | undefined {
  const n = name.replace(/^albert\//, '');
  if (Object.hasOwn(PRESETS, n)) return n;
  if (Object.hasOwn(PRESETS, `albert-${n}`)) return `albert-${n}`;
  return undefined;
}

/** A fresh AlbertConfig for a preset name (UserError listing the names when unknown). */
export function presetConfig(name: string): AlbertConfig {
  const key = presetKey(name);
  if (!key) throw new UserError(`unknown model preset "${name}" (expected one of ${PRESET_NAMES.join(', ')}, or a config.json path)`);
  return parseConfig(PRESETS[key](), `preset ${key}`);
}

/** The error for a --model / --config that names no file and no preset: which it could have been, and the presets. */
export function neitherFileNorPreset(spec: string, fileKinds: string): UserError {
  return fileError(spec, `is neither ${fileKinds} nor a preset (presets: ${PRESET_NAMES.join(', ')})`);
}

/**
 * A config named the way the CLI's --config (and pretrain's --model) take it: an existing config.json
 * or model directory holding one, else a preset name.
 */
export function configFromSpec(spec: string): AlbertConfig {
  if (!fs.existsSync(spec)) {
    if (presetKey(spec) !== undefined) return presetConfig(spec);
    throw neitherFileNorPreset(spec, 'a file (config.json or model directory)');
  }
  return readConfigFile(fs.statSync(spec).isDirectory() ? path.join(spec, 'config.json') : spec);
}

/** How a config named by `spec` is called in messages: its path, or "preset <name>". */
export function specSource(spec: string): string {
  const key = fs.existsSync(spec) ? undefined : presetKey(spec);
  return key ? `preset ${key}` : spec;
}
