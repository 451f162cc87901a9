// The documents a reader relies on stay true to the repository: the architecture guide points only at
// files inside it, the benchmarks say machine, command and date instead of keeping a work log, and the
// README's figures and install lines agree with BENCHMARKS.md and package.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** The level-2 sections of a markdown text: heading -> body. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^## /m);
  for (const p of parts.slice(1)) {
    const nl = p.indexOf('\n');
    out.set(p.slice(0, nl).trim(), p.slice(nl + 1));
  }
  return out;
}

test('docs/ARCHITECTURE.md names only paths inside the repository, and the files it names exist', () => {
  const md = read('docs/ARCHITECTURE.md');
  // Links resolve from docs/, paths in code spans from the repository root (as `src/...` does).
  const links = [...md.matchAll(/\]\(([^)#]+)\)/g)].map((m) => path.resolve(ROOT, 'docs', m[1]));
  const spans = [...md.matchAll(/`(\.\.?\/[^`\s]+)`/g)].map((m) => path.resolve(ROOT, m[1]));
  for (const p of [...links, ...spans]) {
    assert.ok(p.startsWith(ROOT) && fs.existsSync(p), `docs/ARCHITECTURE.md points outside the repository or at nothing: ${p}`);
  }
  // What the guide names as not built yet need not exist.
  const built = md.replace(/Not built yet:[^]*?\n\n/g, '');
  const rooted = [...built.matchAll(/`((?:src|native|bench|tools|test|docs)\/[^`\s]*)`/g)].map((m) => m[1]);
  assert.ok(rooted.length > 10, 'the guide names the files it describes');
  for (const p of rooted) assert.ok(fs.existsSync(path.join(ROOT, p.replace(/\/\*$/, ''))), `docs/ARCHITECTURE.md names a missing ${p}`);
});

test('BENCHMARKS.md: every section says machine, command and date, and it keeps no work log', () => {
  const md = read('BENCHMARKS.md');
  const machines = sections(md).get('Machines');
  assert.ok(machines, 'a Machines section');
  const names = [...machines.matchAll(/^\| \*\*([A-Z])\*\* \|/gm)].map((m) => m[1]);
  assert.ok(names.length > 0, 'the Machines table names each machine');
  for (const n of names) assert.match(machines, new RegExp(`^\\| \\*\\*${n}\\*\\* \\|[^\\n]*(AVX|NEON)`, 'm'), `machine ${n}'s vector units`);
  for (const [heading, body] of sections(md)) {
    if (!/^\d+\./.test(heading)) continue;
    assert.match(body, /```sh\n/, `"${heading}" shows its command`);
    assert.match(body, /\b20\d\d-\d\d-\d\d\b/, `"${heading}" dates its figures`);
    assert.match(body, new RegExp(`[Mm]achine (${names.join('|')})\\b`), `"${heading}" names its machine`);
    // a subsection's table of figures names its own machine before it (its heading or text) or in a
    // machine column: the section's may be another one
    for (const sub of body.split(/^### /m).slice(1)) {
      const table = sub.search(/^\|/m);
      if (table < 0) continue;
      assert.match(sub.slice(0, table + 12), new RegExp(`[Mm]achine (${names.join('|')})\\b|^\\| machine\\b`, 'm'), `"${heading}" / "${sub.slice(0, sub.indexOf('\n'))}" names its machine before its table`);
    }
  }
  assert.doesNotMatch(md, /\bissue \d/i, 'issue numbers are for the tracker');
  assert.doesNotMatch(md, /\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b/, 'commit hashes are for git');
  assert.doesNotMatch(md, /\b([01]\d|2[0-3]):[0-5]\d\b/, 'times of day belong to a log');
});

test('checkpointing is quoted with one figure, the one BENCHMARKS.md measured', () => {
  const bench = read('BENCHMARKS.md');
  const row = bench.match(/^\| 5b \| gradient checkpointing \| base-v2 8x128 train \|.*?\| (\d+)% less RSS, \+(\d+)% time \|/m);
  assert.ok(row, 'BENCHMARKS.md row 5b');
  const [less, more] = [row[1], row[2]];
  const quoted = (file: string, text: string) => {
    const flat = text.replace(/\s*\n\s*(\*\s*)?/g, ' ');
    const found = [...flat.matchAll(/(\d+)% less (?:peak |training )?(?:RSS|memory)[^.;]*?(\d+)% more time/g)];
    assert.ok(found.length > 0, `${file} quotes checkpointing's figure`);
    for (const f of found) assert.deepEqual([f[1], f[2]], [less, more], `${file}: "${f[0]}" against BENCHMARKS.md's ${less}% / +${more}%`);
  };
  quoted('README.md', read('README.md'));
  quoted('BENCHMARKS.md', bench);
  quoted('src/model/albert.ts', read('src/model/albert.ts'));
});

test('README: what exists is told apart from what is coming; real models and installing are explained', () => {
  const md = read('README.md');
  const intro = md.slice(0, md.indexOf('\n## '));
  const cli = fs.readdirSync(path.join(ROOT, 'src', 'cli'));
  if (!cli.includes('finetune.ts')) {
    assert.doesNotMatch(intro, /fine-tunes/, 'the intro promises only what exists');
    assert.match(intro, /coming/i, 'the intro says what is coming');
  } else {
    const exists = intro.slice(intro.indexOf('What exists today'), intro.indexOf('What is coming'));
    assert.match(exists, /fine-tuning, evaluation and prediction/, 'the intro says fine-tuning exists');
    for (const c of ['finetune', 'evaluate', 'predict']) assert.match(exists, new RegExp(`\`(albert )?${c}\``), `the intro names ${c}`);
    const ft = sections(md).get('Fine-tuning');
    assert.ok(ft, 'a "Fine-tuning" section');
    for (const c of ['albert finetune', '--recipe paper', 'albert evaluate', '--predictions', 'albert predict']) assert.ok(ft.includes(c), `it shows ${c}`);
  }
  const real = sections(md).get('Getting a real model');
  assert.ok(real, 'a "Getting a real model" section');
  for (const f of ['config.json', 'model.safetensors', 'spiece.model']) assert.ok(real.includes(f), `it names ${f}`);
  const pkg = JSON.parse(read('package.json')) as { name: string; version: string };
  const install = [...sections(md).entries()].find(([h]) => /^Using albert-ts in your project/.test(h))?.[1];
  assert.ok(install, 'a section on installing albert-ts as a dependency');
  assert.ok(install.includes(`${pkg.name}-${pkg.version}.tgz`), `it names the tarball npm pack writes (${pkg.name}-${pkg.version}.tgz)`);
});
