// TEMPORARY stand-in for src/pipelines/ (helper S1) with the contract's shape, so the server can be
// built and tested before the real pipelines land: text-classification, feature-extraction, fill-mask.
// Deleted when i14-S1 is merged (src/serve/load_pipeline.ts then imports ../pipelines/index.js).
import fs from 'node:fs';
import path from 'node:path';
import { loadBackend } from '../backend/index.js';
import { UserError } from '../errors.js';
import { loadPretrained, readModelConfig } from '../io/hf_dir.js';
import { headFromArchitectures, type AlbertModel } from '../model/albert.js';
import type { AlbertConfig } from '../model/config.js';
import { AlbertTokenizer } from '../tokenizer/albert.js';
import { fillMask } from '../train/fill_mask.js';

export type PipelineTask = 'fill-mask' | 'text-classification' | 'sentiment-analysis' | 'token-classification' | 'ner'
  | 'question-answering' | 'feature-extraction' | 'sentence-similarity' | 'zero-shot-classification' | 'multiple-choice';

export interface PipelineOptions { threads?: number; maxBatchSize?: number; maxLength?: number }

export interface Pipeline {
  (inputs: unknown, callOptions?: Record<string, unknown>): Promise<unknown>;
  task: PipelineTask;
  model: AlbertModel;
  tokenizer: AlbertTokenizer;
  config: AlbertConfig;
  runBatch(inputs: unknown[], callOptions?: Record<string, unknown>): unknown[];
  dispose(): void;
}

export function pipelineTaskForModel(dir: string): PipelineTask {
  const head = headFromArchitectures(readModelConfig(dir).architectures);
  if (head === 'sequence-classification') return 'text-classification';
  if (head === 'masked-lm' || head === 'pretraining' || head === 'pretraining-nsp') return 'fill-mask';
  return 'feature-extraction';
}

const labelOf = (c: AlbertConfig, i: number) => c.id2label?.[String(i)] ?? `LABEL_${i}`;

export async function pipeline(task: PipelineTask, dir: string, options: PipelineOptions = {}): Promise<Pipeline> {
  const spm = path.join(dir, 'spiece.model');
  const tokenizer = AlbertTokenizer.load(fs.existsSync(spm) ? spm : path.join(dir, 'tokenizer.json'));
  const config = readModelConfig(dir);
  const head = headFromArchitectures(config.architectures);
  const backend = loadBackend({ threads: options.threads });
  if (task === 'text-classification' && head !== 'sequence-classification') throw new UserError(`${dir}: text-classification needs a sequence classifier`);
  const model = loadPretrained(dir, { backend, head: task === 'feature-extraction' ? 'base' : head, onWarning: () => {} });
  model.inferenceOnly = true;
  const maxLength = options.maxLength ?? config.max_position_embeddings;
  const runBatch = (inputs: unknown[], o: Record<string, unknown> = {}): unknown[] => {
    if (task === 'fill-mask') {
      return inputs.map((t) => fillMask(model, tokenizer, t as string, (o.top_k as number) ?? 5).map((m) => m.top.map((c) => ({
        score: c.score, token: c.id, token_str: tokenizer.decode([c.id]), sequence: '',
      }))));
    }
    const pairs = inputs.map((x) => (typeof x === 'string' ? x : [(x as { text: string }).text, (x as { text_pair: string }).text_pair] as [string, string]));
    const enc = tokenizer.encodeBatch(pairs, { padding: true, truncation: true, maxLength });
    const B = enc.length, S = enc[0].ids.length;
    const out = model.forward({
      inputIds: Int32Array.from(enc.flatMap((e) => e.ids)), attentionMask: Int32Array.from(enc.flatMap((e) => e.attentionMask)),
      tokenTypeIds: Int32Array.from(enc.flatMap((e) => e.typeIds)), batch: B, seq: S,
    });
    if (task === 'feature-extraction') {
      const H = config.hidden_size;
      return enc.map((e, b) => {
        const v = new Array<number>(H).fill(0);
        let n = 0;
        for (let s = 0; s < S; s++) if (e.attentionMask[s]) { n++; for (let h = 0; h < H; h++) v[h] += out.lastHiddenState[(b * S + s) * H + h]; }
        let norm = 0;
        for (let h = 0; h < H; h++) { v[h] /= n; norm += v[h] * v[h]; }
        if (o.normalize) for (let h = 0; h < H; h++) v[h] /= Math.sqrt(norm);
        return [v];
      });
    }
    const L = config.num_labels;
    return enc.map((_, b) => {
      const row = Array.from(out.logits!.subarray(b * L, (b + 1) * L));
      const max = Math.max(...row);
      const ex = row.map((x) => Math.exp(x - max));
      const sum = ex.reduce((a, x) => a + x, 0);
      const scores = o.function_to_apply === 'none' ? row : ex.map((x) => x / sum);
      return scores.map((score, i) => ({ label: labelOf(config, i), score })).sort((a, c) => c.score - a.score);
    });
  };
  const p = (async (inputs: unknown, o?: Record<string, unknown>) => {
    const r = runBatch(Array.isArray(inputs) ? inputs : [inputs], o);
    return Array.isArray(inputs) ? r : r[0];
  }) as Pipeline;
  return Object.assign(p, { task, model, tokenizer, config, runBatch, dispose: () => {} });
}
