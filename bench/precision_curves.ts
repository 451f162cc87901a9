// fp32 vs bf16 training, side by side: reads two runs' metrics.jsonl (pretrain --precision fp32 and
// --precision bf16, otherwise the same flags) and writes one SVG: the held-out losses, the training
// loss, and bf16's relative difference at each evaluation against the ±2% bound (issue 18 §3).
// usage: node dist/bench/precision_curves.js FP32_RUN BF16_RUN OUT.svg [TITLE]
import fs from 'node:fs';
import { curvesSvg, type Panel } from '../src/train/curves.js';
import { writeTextAtomic } from '../src/io/atomic.js';

type Rec = { type: string; step: number; loss?: number; mlm_loss?: number; sentence_acc?: number | null; set?: string };

function records(run: string): Rec[] {
  return fs.readFileSync(`${run}/metrics.jsonl`, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Rec);
}

const [fp32Dir, bf16Dir, out, title = 'fp32 vs bf16 mixed-precision pretraining'] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: node dist/bench/precision_curves.js FP32_RUN BF16_RUN OUT.svg [TITLE]\n');
  process.exit(2);
}
const f = records(fp32Dir), h = records(bf16Dir);
const evals = (rs: Rec[]) => rs.filter((r) => r.type === 'eval').map((r) => [r.step, r.mlm_loss!] as [number, number]);
const train = (rs: Rec[]) => rs.filter((r) => r.type === 'train').map((r) => [r.step, r.loss!] as [number, number]);
const fe = evals(f), he = evals(h);
if (fe.length !== he.length || fe.some(([s], i) => he[i][0] !== s)) throw new Error('the two runs were not evaluated at the same steps');
const rel = fe.map(([s, v], i) => [s, (100 * (he[i][1] - v)) / v] as [number, number]);
const maxStep = Math.max(...f.map((r) => r.step));
const panels: Panel[] = [
  { title: 'held-out MLM loss', series: [{ name: 'fp32', color: '#1f77b4', points: fe, markers: true }, { name: 'bf16', color: '#d62728', points: he, markers: true }] },
  { title: 'training loss (MLM + SOP)', series: [{ name: 'fp32', color: '#1f77b4', points: train(f) }, { name: 'bf16', color: '#d62728', points: train(h) }] },
  {
    title: 'bf16 − fp32, held-out MLM loss (%)', yInclude: [-2, 2],
    series: [{ name: 'bf16 vs fp32', color: '#d62728', points: rel, markers: true },
      { name: '+2%', color: '#888', points: [[0, 2], [maxStep, 2]], dashed: true }, { name: '−2%', color: '#888', points: [[0, -2], [maxStep, -2]], dashed: true }],
  },
];
writeTextAtomic(out, curvesSvg(title, `${fp32Dir} vs ${bf16Dir}: same data, seed and flags but --precision`, panels, { max: maxStep, label: 'step' }));
for (let i = 0; i < fe.length; i++) console.log(`step ${fe[i][0]}: fp32 ${fe[i][1].toFixed(4)}  bf16 ${he[i][1].toFixed(4)}  ${rel[i][1] >= 0 ? '+' : ''}${rel[i][1].toFixed(3)}%`);
console.log(`largest |difference| ${Math.max(...rel.map(([, r]) => Math.abs(r))).toFixed(3)}% over ${fe.length} evaluations`);
