// The first job: everything from nothing in a few minutes on 2 cores. A synthetic corpus (stories
// whose words and sentence order are learnable) is generated, a SentencePiece model is trained on it
// (`trainTokenizer`, as a user does on their own text), the corpus is turned
// into SOP pretraining data, a small ALBERT is pretrained on it, and the held-out MLM and SOP
// accuracies are reported with their chance levels, plus a fill-mask example.
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/backend.js';
import { loadBackend } from '../backend/index.js';
import { createPretrainingData } from '../data/create.js';
import { ShardDataset } from '../data/shards.js';
import { syntheticCorpusText } from '../data/synthetic.js';
import { loadDataTokenizer } from '../data/tokenizer.js';
import { trainTokenizer } from '../data/train_tokenizer.js';
import { loadPretrained } from '../io/hf_dir.js';
import { claimOutput } from '../io/output_path.js';
import { fillMask, filledText, type MaskPrediction } from './fill_mask.js';
import { pretrain, type PretrainOptions, type PretrainResult } from './pretrain.js';
import { worldComm } from '../parallel/comm.js';

export interface FirstJobOptions {
  output: string;
  /** Updates (default 1200: about 2-3 minutes on 2 cores). */
  steps?: number;
  trainDocuments?: number;
  threads?: number;
  backend?: Backend;
  quiet?: boolean;
  /** Replace an earlier first job in `output` (without it, a non-empty `output` is an error). */
  overwrite?: boolean;
  log?: (line: string) => void;
  /** Extra pretrain options (tests shorten the run). */
  pretrain?: Partial<PretrainOptions>;
}

export interface FirstJobResult {
  result: PretrainResult;
  mlmAcc: number; sopAcc: number;
  /** Accuracy of always predicting the most frequent masked token (MLM's trivial baseline). */
  mlmMajorityBaseline: number;
  example: { text: string; filled: string; predictions: MaskPrediction[] };
}

/** The model: 2 layers sharing one set of weights (ALBERT's all-shared), E 32, H 64. */
export const FIRST_JOB_MODEL = { embedding_size: 32, hidden_size: 64, num_attention_heads: 2, intermediate_size: 256, num_hidden_layers: 2 };

/** What a first job writes into its folder. */
const FIRST_JOB_ENTRIES = new Set(['corpus', 'spiece.model', 'data', 'run']);
/** Pieces asked of the tokenizer trainer: the corpus holds ~160 words, so every word gets its own piece. */
const FIRST_JOB_VOCAB = 256;

export async function runFirstJob(o: FirstJobOptions): Promise<FirstJobResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = path.resolve(o.output);
  // Data parallel (mpirun): rank 0 makes the corpus and the data, the others wait for them.
  const comm = worldComm();
  if (comm.rank === 0) await prepareFirstJob(o, out, log);
  comm.barrier();
  const tokFile = path.join(out, 'spiece.model');
  const runDir = path.join(out, 'run');
  const backend = o.backend ?? loadBackend({ threads: o.threads });
  const steps = o.steps ?? 1200;
  const result = await pretrain({
    data: path.join(out, 'data/train'), output: runDir, tokenizer: tokFile, model: 'tiny', set: FIRST_JOB_MODEL,
    optimizer: 'adamw', lr: 3e-3, warmupSteps: Math.min(50, Math.ceil(steps / 10)), steps, batchSize: 32, seed: 1,
    evalInstances: 0, evalData: [path.join(out, 'data/heldout')], evalEvery: 200, logEvery: 50, saveEvery: 0, keep: 1,
    backend, quiet: o.quiet, ...o.pretrain,
  });
  return reportFirstJob(result, out, backend, log);
}

/** The corpus, its tokenizer and the pretraining data of a first job in `out`; an earlier run's folder removed. */
async function prepareFirstJob(o: FirstJobOptions, out: string, log: (line: string) => void): Promise<void> {
  claimOutput(out, { kind: 'folder', what: "a first job's folder", overwrite: o.overwrite, ownsEntries: (es) => es.every((e) => FIRST_JOB_ENTRIES.has(e)) });
  fs.mkdirSync(path.join(out, 'corpus'), { recursive: true });
  const tokFile = path.join(out, 'spiece.model');
  const trainDocs = o.trainDocuments ?? 3000;
  fs.writeFileSync(path.join(out, 'corpus/train.txt'), syntheticCorpusText(trainDocs, 1));
  fs.writeFileSync(path.join(out, 'corpus/heldout.txt'), syntheticCorpusText(300, 2));
  const t = trainTokenizer({ input: [path.join(out, 'corpus/train.txt')], output: tokFile, vocabSize: FIRST_JOB_VOCAB, seed: 1 });
  log(`first job: synthetic corpus (${trainDocs} training stories, 300 held-out) in ${out}; `
    + `a ${t.vocabSize}-piece SentencePiece model trained on it in ${t.seconds.toFixed(1)} s (spiece.model)`);
  const { tokenizer, albert, sha256 } = loadDataTokenizer(tokFile);
  const common = { layout: 'lines' as const, tokenizer, tokenizerSha256: sha256, maxSeqLength: 64, maxPredictionsPerSeq: 10, objective: 'sop' as const };
  for (const [name, dupe, seed] of [['train', 5, 1], ['heldout', 1, 2]] as const) {
    const s = await createPretrainingData({ ...common, inputs: [path.join(out, `corpus/${name}.txt`)], output: path.join(out, 'data', name), dupeFactor: dupe, seed, overwrite: true });
    log(`  data/${name}: ${s.instances} instances, ${(100 * s.maskedFraction).toFixed(1)}% masked, ${(100 * s.label1Fraction).toFixed(1)}% swapped`);
  }
  fs.rmSync(path.join(out, 'run'), { recursive: true, force: true });
}

async function reportFirstJob(result: PretrainResult, out: string, backend: Backend, log: (line: string) => void): Promise<FirstJobResult> {
  if (result.interrupted) {
    log(`first job interrupted at step ${result.steps} (checkpoint ${result.checkpoint})`);
    return { result, mlmAcc: NaN, sopAcc: NaN, mlmMajorityBaseline: NaN, example: { text: '', filled: '', predictions: [] } };
  }
  const ev = result.eval.find((e) => e.set === 'heldout')!;

  // The trivial baseline for MLM: always answer the most frequent masked token of the held-out data.
  const ds = ShardDataset.open(path.join(out, 'data/heldout'));
  const counts = new Map<number, number>();
  let masked = 0;
  for (let i = 0; i < Math.min(ds.count, 1000); i++) for (const id of ds.get(i).maskedIds) { counts.set(id, (counts.get(id) ?? 0) + 1); masked++; }
  ds.close();
  const majority = Math.max(...counts.values()) / masked;

  const model = loadPretrained(result.checkpoint, { backend });
  const { albert } = loadDataTokenizer(path.join(out, 'spiece.model'));
  // A sentence pair in the corpus's style (at most 64 tokens, the trained length).
  const text = 'in the morning the swan had cherries for [MASK] . at [MASK] the two friends went to the tower together .';
  const predictions = fillMask(model, albert, text, 3);
  const filled = filledText(albert, text, predictions);
  log(`held-out MLM accuracy ${(100 * ev.mlm_acc).toFixed(1)}% (most-frequent-token baseline ${(100 * majority).toFixed(1)}%), `
    + `SOP accuracy ${(100 * ev.sentence_acc!).toFixed(1)}% (chance 50%)`);
  log(`fill-mask: ${text}\n       ->  ${filled}`);
  return { result, mlmAcc: ev.mlm_acc, sopAcc: ev.sentence_acc!, mlmMajorityBaseline: majority, example: { text, filled, predictions } };
}
