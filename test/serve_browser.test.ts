// The page at GET / in a real browser: headless Chromium (Debian's, which .ci/run installs) driven by
// playwright-core without any browser download. Type into a task's form, submit, read the result
// the page drew, compare it with the JSON API's answer, and keep a screenshot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serve, type Server } from '../src/serve/server.js';
import { call, savedModel, tempDir, words } from './serve_helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const SKIP = CHROMIUM === undefined ? 'no Chromium (apt-get install chromium; .ci/run installs it): the browser test is skipped' : false;
if (SKIP) process.stderr.write(`serve_browser: ${SKIP}\n`);

const tmp = tempDir('albert-serve-page-');
let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (SKIP) return;
  const cls = savedModel(tmp, 'cls', 'sequence-classification');
  const mlm = savedModel(tmp, 'mlm', 'masked-lm');
  const qa = savedModel(tmp, 'qa', 'question-answering', 'tiny', { num_labels: 2 });
  server = await serve({ models: [{ name: 'cls', dir: cls }, { name: 'mlm', dir: mlm }, { name: 'qa', dir: qa }], port: 0, threads: 1 });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(server.url + '/');
  await page.waitForSelector('#predict[open]');
});
after(async () => {
  assert.deepEqual(pageErrors, [], 'the page threw');
  await browser?.close();
  await server?.close();
});

/** Fills a form's fields, submits it, and waits until the page has drawn the answer. */
async function submit(route: string, fields: Record<string, string>) {
  const result = page.locator(`#${route}-result`);
  for (const [name, value] of Object.entries(fields)) await page.fill(`#${route}-${name}`, value);
  await page.click(`#${route}-submit`);
  await result.and(page.locator('[data-done]')).waitFor();
  return result;
}

async function run(route: string, fields: Record<string, string>): Promise<void> {
  const result = await submit(route, fields);
  assert.equal(await result.locator('.error').count(), 0, await result.innerText());
}

const bars = async (route: string) => {
  const names = await page.locator(`#${route}-result .bar .name`).allInnerTexts();
  const scores = await page.locator(`#${route}-result .bar .score`).allInnerTexts();
  return names.map((n, i) => ({ name: n, score: Number(scores[i]) }));
};

test('classification: the page shows the label scores /predict returns, as bars', { skip: SKIP }, async () => {
  const text = words(6, 2);
  await run('predict', { text });
  const shown = await bars('predict');
  const api = (await call(server.url, '/predict', { inputs: text })).body as { label: string; score: number }[];
  assert.deepEqual(shown.map((b) => b.name), api.map((x) => x.label));
  shown.forEach((b, i) => assert.ok(Math.abs(b.score - api[i].score) < 1e-4));
  const widths = await page.locator('#predict-result .bar .fill').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.width));
  assert.equal(widths.length, 3);
});

test('fill-mask on the second model: the top predictions with bars; a screenshot', { skip: SKIP }, async () => {
  await page.selectOption('#model-select', 'mlm');
  await page.waitForSelector('#fill-mask[open]');
  const text = `${words(2)} [MASK] ${words(3, 1)}`;
  await run('fill-mask', { text });
  const shown = await bars('fill-mask');
  const body = (await call(server.url, '/models/mlm/fill-mask', { inputs: text, parameters: { top_k: 5 } })).body as unknown[];
  // One mask: its list (a list per mask would hold one list).
  const api = (Array.isArray(body[0]) ? body[0] : body) as { token_str: string; score: number }[];
  assert.equal(shown.length, 5);
  assert.deepEqual(shown.map((b) => b.name), api.map((x) => x.token_str));
  const file = path.join(process.env.ALBERT_SCREENSHOT_DIR ?? tmp, 'serve_page.png');
  await page.screenshot({ path: file, fullPage: true });
  const png = fs.readFileSync(file);
  assert.ok(png.length > 5000 && png.subarray(1, 4).toString() === 'PNG', 'a PNG screenshot');
  process.stderr.write(`serve_browser: screenshot ${file} (${png.length} bytes)\n`);
});

test('question answering: the answer /question-answering gives is highlighted in the context', { skip: SKIP }, async () => {
  await page.selectOption('#model-select', 'qa');
  await page.waitForSelector('#question-answering[open]');
  const question = words(3, 4), context = `${words(7, 1)}, ${words(9, 2)}.`;
  await run('question-answering', { question, context });
  const api = (await call(server.url, '/models/qa/question-answering', { inputs: { question, context } })).body as { answer: string; start: number; end: number };
  assert.equal(await page.locator('#question-answering-result mark').innerText(), api.answer);
  assert.equal(await page.locator('#question-answering-result .context').innerText(), context);
  await page.screenshot({ path: path.join(process.env.ALBERT_SCREENSHOT_DIR ?? tmp, 'serve_page_qa.png'), fullPage: true });
});

test('errors reach the page as a message, not a broken page', { skip: SKIP }, async () => {
  await page.selectOption('#model-select', 'mlm');
  const result = await submit('fill-mask', { text: 'no mask here' });
  assert.match(await result.locator('.error').innerText(), /no mask token/);
});
