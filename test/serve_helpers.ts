// Helpers for the server tests: tiny random models saved as HF directories (a synthetic SentencePiece
// vocabulary of whole words), a slower classifier for requests that stay in flight, and JSON calls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsBackend } from '../src/backend/js.js';
import { syntheticTokenizerModel } from '../src/data/tokenizer.js';
import { syntheticWords } from '../src/data/synthetic.js';
import { savePretrained } from '../src/io/hf_dir.js';
import { AlbertModel, parseConfig, type HeadKind } from '../src/model/index.js';

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const LABELS = { id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, label2id: { negative: 0, neutral: 1, positive: 2 } };

/** A randomly initialized model of `head` saved under dir/name, with the synthetic tokenizer. */
export function savedModel(dir: string, name: string, head: HeadKind, size: 'tiny' | 'slow' = 'tiny', over: Record<string, unknown> = {}): string {
  const spm = path.join(dir, 'tok.model');
  if (!fs.existsSync(spm)) fs.writeFileSync(spm, syntheticTokenizerModel());
  const dims = size === 'tiny'
    ? { embedding_size: 8, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 }
    : { embedding_size: 32, hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 512, max_position_embeddings: 512 };
  const config = parseConfig({
    vocab_size: 162, ...dims, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, num_labels: 3,
    ...(head === 'sequence-classification' ? LABELS : {}), initializer_range: 0.5, ...over,
  }, 'test config');
  const model = new AlbertModel(config, head, new JsBackend());
  model.initWeights(7);
  const out = path.join(dir, name);
  savePretrained(model, out, { tokenizerModel: spm });
  return out;
}

/** A text of n words the synthetic vocabulary knows (one token each), varied by seed. */
export function words(n: number, seed = 0): string {
  const w = syntheticWords();
  return Array.from({ length: n }, (_, i) => w[(i * 7 + seed * 13) % w.length]).join(' ');
}

export interface Reply { status: number; headers: Headers; body: unknown; text: string }

export async function call(url: string, route: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url + route, body === undefined ? init : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON (metrics, the page) */ }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A metric's value in /metrics text (first sample matching name and labels). */
export function metric(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Polls until `check` is true (or throws after `ms`). */
export async function until(check: () => Promise<boolean> | boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Deep equality with numbers compared to `tol` (a batched forward differs from a lone one by rounding). */
export function assertClose(got: unknown, want: unknown, tol = 1e-5, where = '$'): void {
  if (typeof want === 'number') {
    if (typeof got !== 'number' || !(Math.abs(got - want) <= tol)) throw new Error(`${where}: ${got} vs ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) throw new Error(`${where}: ${JSON.stringify(got)?.slice(0, 200)} vs ${JSON.stringify(want).slice(0, 200)}`);
    want.forEach((w, i) => assertClose(got[i], w, tol, `${where}[${i}]`));
    return;
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object') throw new Error(`${where}: ${JSON.stringify(got)} vs an object`);
    const keys = Object.keys(want).sort();
    if (JSON.stringify(Object.keys(got).sort()) !== JSON.stringify(keys)) throw new Error(`${where}: keys ${Object.keys(got)} vs ${keys}`);
    for (const k of keys) assertClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], tol, `${where}.${k}`);
    return;
  }
  if (got !== want) throw new Error(`${where}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
}
