// HuggingFace model directories: config.json + model.safetensors (or a sharded
// model.safetensors.index.json) [+ spiece.model], loaded into an AlbertModel and saved the way
// HF's save_pretrained writes them. See names.ts for how tensor names are matched.
import type { Dtype } from '../backend/dtype.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { fileError, UserError } from '../errors.js';
import { AlbertModel, architectureOf, headFromArchitectures, type HeadKind } from '../model/albert.js';
import { configToJson, readConfigFile, withConfig, type AlbertConfig } from '../model/config.js';
import { neitherFileNorPreset, presetConfig, presetKey, specSource } from '../model/presets.js';
import { copyFileAtomic, fsyncDir, installDir, makeTempDir, writeTextAtomic } from './atomic.js';
import { listSome, matchCheckpoint } from './names.js';
import { readTensor, withSafetensors, writeSafetensors, type SafetensorsHeader, type Tensor } from './safetensors.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
export const TOKENIZER_FILE = 'spiece.model';

export interface LoadOptions {
  backend: Backend;
  /** Default: from config.json "architectures" (AlbertForMaskedLM -> 'masked-lm', ...). */
  head?: HeadKind;
  /** Override config.num_labels (a new classification head; its weights are then initialized). */
  numLabels?: number;
  /** Seed for initializing weights the checkpoint lacks. */
  seed?: number;
  /** Receives warnings (default: one line on stderr). */
  onWarning?: (message: string) => void;
  /** Bytes the model may use (default: this machine's memory); a config needing more is refused before loading. */
  maxMemory?: number;
  /** Inference dtype of the encoder's Linear GEMMs (AlbertModel.dtype): fp32 (default), bf16 or int8. */
  dtype?: Dtype;
}

const defaultWarn = (m: string) => process.stderr.write(`albert: warning: ${m}\n`);

/** Read and validate <dir>/config.json. */
export function readModelConfig(dir: string): AlbertConfig {
  assertDir(dir);
  return readConfigFile(path.join(dir, CONFIG_FILE));
}

function assertDir(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw fileError(dir, 'no such model directory');
  }
  if (!st.isDirectory()) throw fileError(dir, 'not a directory (expected a model directory with config.json and model.safetensors)');
}

/** The safetensors files of a model directory, each with the tensor names it should provide (undefined: all). */
function weightFiles(dir: string): { file: string; names?: Set<string> }[] {
  const single = path.join(dir, WEIGHTS_FILE);
  if (fs.existsSync(single)) return [{ file: single }];
  const index = path.join(dir, WEIGHTS_INDEX_FILE);
  if (fs.existsSync(index)) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(index, 'utf8'));
    } catch (e) {
      throw fileError(index, `not valid JSON (${(e as Error).message})`);
    }
    const map = (json as { weight_map?: unknown } | null)?.weight_map;
    if (!map || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((f) => typeof f !== 'string' || f.includes('/') || f.includes('\\'))) {
      throw fileError(index, '"weight_map" must map tensor names to file names in the same directory');
    }
    const byFile = new Map<string, Set<string>>();
    for (const [name, f] of Object.entries(map as Record<string, string>)) {
      if (!byFile.has(f)) byFile.set(f, new Set());
      byFile.get(f)!.add(name);
    }
    return [...byFile].map(([f, names]) => ({ file: path.join(dir, f), names }));
  }
  const hint = fs.existsSync(path.join(dir, 'pytorch_model.bin'))
    ? ' (found pytorch_model.bin: only safetensors is read; convert with transformers: model.save_pretrained(dir, safe_serialization=True))'
    : '';
  throw fileError(dir, `no ${WEIGHTS_FILE}${hint}`);
}

/** The tensor names a model directory's weights provide (headers only: no tensor data is read). */
export function weightNames(dir: string): Set<string> {
  assertDir(dir);
  const out = new Set<string>();
  for (const { file, names } of weightFiles(dir)) {
    for (const name of withSafetensors(file, (h) => [...h.tensors.keys()])) if (!names || names.has(name)) out.add(name);
  }
  return out;
}

/**
 * Load an HF ALBERT directory. Tensors in F32, F16 or BF16 become float32 parameters. Missing head
 * weights are initialized (normal(0, initializer_range), as HF) with a warning listing them; any other
 * missing, unexpected or mis-shaped tensor is an error naming it.
 */
export function loadPretrained(dir: string, opts: LoadOptions): AlbertModel {
  let config = readModelConfig(dir);
  const head = opts.head ?? headFromArchitectures(config.architectures);
  if (opts.numLabels !== undefined && opts.numLabels !== config.num_labels) config = withConfig(config, { num_labels: opts.numLabels });
  const model = new AlbertModel(config, head, opts.backend, { maxMemory: opts.maxMemory, source: path.join(dir, CONFIG_FILE) });
  loadWeightsInto(model, dir, opts);
  if (opts.dtype) model.dtype = opts.dtype; // after the weights: they are rounded or quantized when first packed
  return model;
}

/**
 * `--model` of the CLI: an HF directory, or (when no such path exists) a preset name, which gives a
 * randomly initialized model (seeded; for smoke tests and benchmarks).
 */
export function openModel(spec: string, opts: LoadOptions): AlbertModel {
  if (!fs.existsSync(spec)) {
    if (presetKey(spec) === undefined) throw neitherFileNorPreset(spec, 'a model directory');
    let config = presetConfig(spec);
    if (opts.numLabels !== undefined) config = withConfig(config, { num_labels: opts.numLabels });
    const model = new AlbertModel(config, opts.head ?? headFromArchitectures(config.architectures), opts.backend,
      { maxMemory: opts.maxMemory, source: specSource(spec) });
    model.initWeights(opts.seed ?? 0);
    return model;
  }
  return loadPretrained(spec, opts);
}

/** Load the weights of an HF directory into an existing model (same config). */
export function loadWeightsInto(model: AlbertModel, dir: string, opts: Pick<LoadOptions, 'seed' | 'onWarning'> = {}): void {
  const warn = opts.onWarning ?? defaultWarn;
  const files = weightFiles(dir);
  // Read every header first: all name / shape problems are reported before any data is read.
  const shapes = new Map<string, number[]>();
  const source = new Map<string, SafetensorsHeader>();
  for (const { file, names } of files) {
    const header = withSafetensors(file, (h) => h);
    for (const info of header.tensors.values()) {
      if (names && !names.has(info.name)) continue;
      if (shapes.has(info.name)) throw fileError(file, `tensor "${info.name}" is also in ${source.get(info.name)!.file}`);
      shapes.set(info.name, info.shape);
      source.set(info.name, header);
    }
    for (const n of names ?? []) if (!header.tensors.has(n)) throw fileError(file, `the index lists tensor "${n}" but the file does not have it`);
  }
  const params = model.params();
  const match = matchCheckpoint(shapes, { params: new Map(params.map((p) => [p.name, p.shape])), aliases: model.aliases }, model.head);
  const where = files.length === 1 ? files[0].file : path.join(dir, WEIGHTS_INDEX_FILE);
  if (match.problems.length) {
    throw fileError(where, `does not fit config.json (${architectureOf(model.head)}): ${listSome(match.problems)}`);
  }
  if (match.freshlyInitialized.length) {
    model.initWeights(opts.seed ?? 0);
    warn(`some weights of ${architectureOf(model.head)} were not in ${where} and are newly initialized: `
      + `${match.freshlyInitialized.join(', ')}; train the model before using it for predictions`);
  }
  // Read each tensor straight into its parameter, one open file descriptor per file.
  const fds = new Map<string, number>();
  try {
    for (const p of params) {
      const fileName = match.load.get(p.name);
      if (fileName === undefined) continue;
      const header = source.get(fileName)!;
      if (!fds.has(header.file)) fds.set(header.file, fs.openSync(header.file, 'r'));
      readTensor(header, fileName, fds.get(header.file), p.data);
      if (!p.data.every(Number.isFinite)) throw fileError(header.file, `tensor "${fileName}" contains NaN or infinite values`);
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  if (match.unused.length) {
    warn(`some weights in ${where} were not used by ${architectureOf(model.head)} (they belong to another head): ${match.unused.join(', ')}`);
  }
}

/**
 * The tensors HF's save_pretrained writes for this model: every parameter under its HF name, the
 * per-layer copies of shared tensors ('attention'/'ffn' strategies) so that HF can load the file,
 * but not the tied decoder (predictions.decoder.weight / .bias), which HF omits.
 */
export function stateDict(model: AlbertModel): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const byName = new Map(model.params().map((p) => [p.name, p]));
  for (const p of byName.values()) out.set(p.name, { shape: p.shape, data: p.data });
  for (const [alias, real] of model.aliases) {
    if (alias.startsWith('predictions.decoder.')) continue;
    const p = byName.get(real);
    if (p) out.set(alias, { shape: p.shape, data: p.data });
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * config.json contents for this model, with the keys HF's save_pretrained writes for a float32
 * AlbertConfig: architectures (from the head), model_type, position_embedding_type, torch_dtype
 * (and "dtype" where the loaded file used that newer spelling). Keys whose value is PretrainedConfig's
 * default None (problem_type null) are left out, as HF's to_diff_dict does.
 */
export function configJsonFor(model: AlbertModel): Record<string, unknown> {
  const json = configToJson({ ...model.config, architectures: [architectureOf(model.head)] });
  if (json.problem_type === null) delete json.problem_type;
  json.position_embedding_type ??= 'absolute';
  // We hold and write float32 whatever the loaded file had (HF records the saved dtype).
  json.torch_dtype = 'float32';
  if ('dtype' in json) json.dtype = 'float32';
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(json).sort()) sorted[k] = json[k];
  return sorted;
}

export interface SaveOptions {
  /** A SentencePiece model to copy along as spiece.model. */
  tokenizerModel?: string;
}

/**
 * Save as an HF directory, atomically: everything is written into a temporary sibling directory,
 * fsynced, and renamed into place. Files already in `dir` that we do not write (tokenizer files,
 * a README) are kept; the old directory is removed only after the new one is in place.
 */
export function savePretrained(model: AlbertModel, dir: string, opts: SaveOptions = {}): void {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) throw fileError(dir, `parent directory ${parent} does not exist`);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) throw fileError(dir, 'exists and is not a directory');
  if (opts.tokenizerModel !== undefined && !fs.existsSync(opts.tokenizerModel)) throw fileError(opts.tokenizerModel, 'no such file');
  const tmp = makeTempDir(target);
  try {
    if (fs.existsSync(target)) {
      for (const entry of fs.readdirSync(target)) {
        if (entry === CONFIG_FILE || entry === WEIGHTS_FILE || entry === WEIGHTS_INDEX_FILE || /^model-\d+-of-\d+\.safetensors$/.test(entry)) continue;
        fs.cpSync(path.join(target, entry), path.join(tmp, entry), { recursive: true });
      }
    }
    writeTextAtomic(path.join(tmp, CONFIG_FILE), JSON.stringify(configJsonFor(model), null, 2) + '\n');
    writeSafetensors(path.join(tmp, WEIGHTS_FILE), stateDict(model), { format: 'pt' });
    if (opts.tokenizerModel !== undefined) copyFileAtomic(opts.tokenizerModel, path.join(tmp, TOKENIZER_FILE));
    installDir(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (e instanceof UserError) throw e;
    throw fileError(dir, `cannot save: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
