// `albert params`: the Table-1 listing, through the API and the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramsRows, paramsText } from '../src/cli/params.js';
import { configToJson, presetConfig, shortCount, withConfig } from '../src/model/index.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('paramsRows lists every preset, then the configs given (file, directory, preset name)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-params-'));
  try {
    const grouped = withConfig(presetConfig('albert-base-v2'), { num_hidden_groups: 2, inner_group_num: 2, sharing: 'groups' });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configToJson(grouped)));
    const rows = paramsRows([dir, 'large-v2']);
    const base = rows.find((r) => r.model === 'albert-base-v2')!;
    assert.deepEqual(base, { model: 'albert-base-v2', parameters: 11_683_584, layers: 12, hidden: 768, embedding: 128, sharing: 'all' });
    const mine = rows[rows.length - 2];
    assert.equal(mine.model, dir);
    assert.equal(mine.sharing, 'groups 2x2');
    // four distinct layers instead of one: 3 more copies of a base layer (7,087,872 parameters each)
    assert.equal(mine.parameters, 11_683_584 + 3 * 7_087_872);
    assert.equal(rows[rows.length - 1].parameters, 17_683_968);
    assert.equal(paramsRows(['tiny'], { only: true }).length, 1);
    assert.ok(paramsRows(['tiny'], { only: true, head: 'pretraining' })[0].parameters > paramsRows(['tiny'], { only: true })[0].parameters);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('albert params prints the table; a bad config is one error line and exit 1', () => {
  const r = spawnSync(process.execPath, [MAIN, 'params'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Model\s+Parameters/);
  assert.match(r.stdout, /albert-xxlarge-v2\s+222,595,584\s+223M\s+12\s+4096\s+128\s+all/);
  assert.match(r.stdout, /^Model\s+Parameters\s+Rounded\s+Layers\s+Hidden\s+Embedding\s+Parameter-sharing\n/, 'every column has a header');
  assert.match(r.stdout, /^tiny\s+1,195,520\s+1\.2M\s/m);
  assert.match(r.stdout, /num_parameters\(\)/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-params-'));
  try {
    const f = path.join(dir, 'config.json');
    fs.writeFileSync(f, JSON.stringify({ hidden_size: 10, num_attention_heads: 3, hidden_act: 'nope' }));
    const bad = spawnSync(process.execPath, [MAIN, 'params', '--only', '--config', f], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /^albert: .*config\.json: invalid ALBERT config: hidden_size 10 must be divisible by num_attention_heads 3; hidden_act "nope"/);
    const json = spawnSync(process.execPath, [MAIN, 'params', '--only', '--config', 'tiny', '--json'], { encoding: 'utf8' });
    assert.equal(JSON.parse(json.stdout)[0].model, 'tiny');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('counts are rounded as the paper writes them, small models included', () => {
  const cases: [number, string][] = [[0, '0'], [950, '950'], [1234, '1.2K'], [78_336, '78K'], [999_600, '1.0M'], [1_195_520, '1.2M'],
    [11_683_584, '12M'], [222_595_584, '223M'], [1_279_488_000, '1.3B']];
  for (const [n, text] of cases) assert.equal(shortCount(n), text, String(n));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-params-'));
  try {
    const f = path.join(dir, 'config.json');
    fs.writeFileSync(f, JSON.stringify({ vocab_size: 500, embedding_size: 16, hidden_size: 32, num_attention_heads: 2, intermediate_size: 64, num_hidden_layers: 2, max_position_embeddings: 64 }));
    const [row] = paramsRows([f], { only: true });
    assert.ok(row.parameters > 10_000 && row.parameters < 100_000, String(row.parameters));
    assert.match(paramsText([f], { only: true }), new RegExp(`${row.parameters.toLocaleString('en-US')}\\s+${Math.round(row.parameters / 1000)}K\\s`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the notes under the table say why presets differ from the paper's Table 1", () => {
  const text = paramsText([]);
  assert.match(text, /bert-base 110M \(paper: 108M\), bert-large 336M \(334M\), bert-xlarge 1279M \(1270M\).*\n.*E->H projection.*pooler/);
  assert.match(text, /without both: 108M, 334M, 1271M\./);
  assert.match(text, /albert-xlarge 59M \(paper: 60M\), albert-xxlarge 223M \(235M\)/);
  assert.doesNotMatch(text, /albert-base \d|albert-large \d/, 'base and large match the paper');
  // what the note claims: neither without the pooler nor with the pretraining heads do they reach the paper's figures
  for (const [name, paper] of [['albert-xlarge-v2', 60], ['albert-xxlarge-v2', 235]] as const) {
    const [base] = paramsRows([name], { only: true }), [pre] = paramsRows([name], { only: true, head: 'pretraining' });
    const h = base.hidden;
    assert.notEqual(Math.round((base.parameters - h * h - h) / 1e6), paper);
    assert.notEqual(Math.round(pre.parameters / 1e6), paper);
  }
  // with a head the counts are not the paper's: no comparison
  assert.doesNotMatch(paramsText([], { head: 'pretraining' }), /paper:/);
});
