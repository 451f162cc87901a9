// bf16 and int8 inference against fp32 on real text (the bounds BENCHMARKS.md states): a
// pretrained model's MLM at masked positions of GLUE and SQuAD dev text, and a fine-tuned classifier's
// argmax on its task's dev sentences. Each model runs with its own tokenizer (its folder's spiece.model).
//
//   node dist/bench/dtype_accuracy.js --mlm DIR [--classifier DIR --task sst2] [--data-root ../shared/data]
//                                     [--limit 1000] [--threads 2] [--markdown FILE]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadBackend } from '../src/backend/index.js';
import type { NativeBackend } from '../src/backend/native.js';
import { loadDataTokenizer } from '../src/data/tokenizer.js';
import { loadPretrained } from '../src/io/hf_dir.js';
import { dtypeAgreement, textBatches, type DtypeAgreement } from '../src/metrics/dtype_agreement.js';
import { readGlue, type GlueTask } from '../src/tasks/glue.js';
import { readSquad } from '../src/tasks/squad.js';
import { cpuLine } from './machine.js';

const { values: v } = parseArgs({
  options: {
    mlm: { type: 'string' }, classifier: { type: 'string' }, task: { type: 'string' }, 'data-root': { type: 'string' },
    limit: { type: 'string' }, threads: { type: 'string' }, markdown: { type: 'string' },
  },
});
if (!v.mlm) throw new Error('--mlm DIR is required (a pretraining or masked-LM checkpoint)');
const root = v['data-root'] ?? path.resolve('shared/data');
const limit = Number(v.limit ?? 1000);
const backend = loadBackend({ threads: v.threads ? Number(v.threads) : undefined });
const glue = (task: GlueTask) => readGlue(task, path.join(root, 'glue'), 'dev').examples;
const tokenizerOf = (dir: string) => loadDataTokenizer(path.join(dir, 'spiece.model')).albert;

const rows: string[] = [];
const add = (model: string, text: string, r: DtypeAgreement) =>
  rows.push(`| ${model} | ${text} | ${r.dtype} (${r.engine}) | ${r.hiddenRelError.toExponential(2)} | ${(100 * r.top1Agreement).toFixed(2)}% of ${r.compared} ${r.over} |`);

// the MLM: SST-2 sentences, MRPC pairs, SQuAD questions with their contexts, every 7th token masked
{
  const model = loadPretrained(v.mlm, { backend });
  const tok = tokenizerOf(v.mlm);
  const sets: [string, Array<string | [string, string]>][] = [
    ['SST-2 dev sentences', glue('sst2').slice(0, limit).map((e) => e.textA)],
    ['MRPC dev pairs', glue('mrpc').slice(0, limit).map((e) => [e.textA, e.textB ?? ''] as [string, string])],
    ['SQuAD 1.1 dev question + context', readSquad(path.join(root, 'squad', 'dev-v1.1.json')).examples.slice(0, Math.min(limit, 300)).map((e) => [e.question, e.context] as [string, string])],
  ];
  for (const [name, texts] of sets) {
    const seq = Math.min(128, model.config.max_position_embeddings);
    for (const r of dtypeAgreement(model, textBatches(tok, texts, { seq, batch: 16, maskEvery: 7 }), ['bf16', 'int8'], tok.maskId)) add(path.basename(path.dirname(path.resolve(v.mlm))) + ' MLM', name, r);
    process.stderr.write(`${name}: done\n`);
  }
}
if (v.classifier) {
  const task = (v.task ?? 'sst2') as GlueTask;
  const model = loadPretrained(v.classifier, { backend });
  const tok = tokenizerOf(v.classifier);
  const texts = glue(task).slice(0, limit).map((e) => (e.textB === null ? e.textA : [e.textA, e.textB] as [string, string]));
  for (const r of dtypeAgreement(model, textBatches(tok, texts, { seq: Math.min(128, model.config.max_position_embeddings), batch: 16 }), ['bf16', 'int8'], -1)) add(`${task} classifier`, `${task.toUpperCase()} dev`, r);
}
const be = backend as Partial<NativeBackend>;
const out = [
  `machine: ${cpuLine()}; backend ${backend.name}${be.dnnl?.() ? `, ${be.dnnl()}` : ''}, ${backend.getThreads()} threads`,
  '',
  '| model | text | dtype (engine) | last hidden state: max error / max value | top-1 agreement with fp32 |',
  '|---|---|---|---|---|',
  ...rows,
].join('\n');
process.stdout.write(out + '\n');
if (v.markdown) writeFileSync(v.markdown, out + '\n');
