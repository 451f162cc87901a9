// GET /: a small page to try the served model in a browser. It calls the JSON API like any client:
// one form per task (the served model's own task first and open), results drawn as bars (labels,
// fill-mask predictions), the answer highlighted in the context (QA), entities marked in the text.
// Text from the model or the user is set with textContent only, never parsed as HTML.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>albert serve</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; color: #1d232a; }
  h1 { font-size: 1.3rem; margin: 0 0 .2rem; } #model { color: #56606b; margin-bottom: 1rem; }
  details { border: 1px solid #d5dbe1; border-radius: 6px; margin: .6rem 0; padding: .4rem .8rem; }
  summary { cursor: pointer; font-weight: 600; } summary small { font-weight: 400; color: #6b7580; }
  textarea, input[type=text] { width: 100%; box-sizing: border-box; font: inherit; padding: .35rem; margin: .25rem 0; border: 1px solid #b9c1c9; border-radius: 4px; }
  button { font: inherit; padding: .3rem .9rem; border-radius: 4px; border: 1px solid #2f6fb3; background: #3b82c9; color: white; cursor: pointer; }
  .result { margin-top: .5rem; } .error { color: #b3261e; white-space: pre-wrap; }
  .bar { display: grid; grid-template-columns: 11rem 1fr 4.5rem; gap: .5rem; align-items: center; margin: .15rem 0; }
  .bar .track { background: #e7ecf0; border-radius: 3px; height: .9rem; } .bar .fill { background: #3b82c9; height: 100%; border-radius: 3px; }
  .bar .score { text-align: right; font-variant-numeric: tabular-nums; } .bar .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  mark { background: #ffe08a; padding: 0 .1rem; border-radius: 2px; } mark small { color: #6b5600; margin-left: .2rem; }
  .context { white-space: pre-wrap; border-left: 3px solid #d5dbe1; padding-left: .6rem; }
  .token { display: inline-block; border: 1px solid #c9d1d8; border-radius: 3px; margin: .1rem; padding: 0 .25rem; font-family: ui-monospace, monospace; font-size: .85rem; }
  .token.special { background: #eef2f5; color: #6b7580; } h3 { font-size: .95rem; margin: .6rem 0 .2rem; }
</style>
</head>
<body>
<h1>albert serve</h1>
<div id="model">loading…</div>
<label id="model-choice" hidden>model <select id="model-select"></select></label>
<div id="forms"></div>
<script>
const TASKS = [
  { route: 'predict', title: 'Text classification', hint: 'label scores', fields: [['text', 'Text', 'area'], ['pair', 'Second text (optional, for pairs)', 'line']],
    body: (v) => ({ inputs: v.pair ? [v.text, v.pair] : v.text }), show: (r, out) => bars(out, r.map((x) => [x.label, x.score])) },
  { route: 'fill-mask', title: 'Fill mask', hint: 'top predictions for each mask', fields: [['text', 'Text with [MASK]', 'area']],
    body: (v) => ({ inputs: v.text, parameters: { top_k: 5 } }), show: showFillMask },
  { route: 'question-answering', title: 'Question answering', hint: 'the answer highlighted in the context', fields: [['question', 'Question', 'line'], ['context', 'Context', 'area']],
    body: (v) => ({ inputs: { question: v.question, context: v.context } }), show: showQa },
  { route: 'token-classification', title: 'Token classification', hint: 'entities marked in the text', fields: [['text', 'Text', 'area']],
    body: (v) => ({ inputs: v.text, parameters: { aggregation_strategy: 'simple' } }), show: showEntities },
  { route: 'zero-shot-classification', title: 'Zero-shot classification', hint: 'scores of your labels', fields: [['text', 'Text', 'area'], ['labels', 'Candidate labels, comma-separated', 'line']],
    body: (v) => ({ inputs: v.text, parameters: { candidate_labels: v.labels.split(',').map((s) => s.trim()).filter(Boolean) } }),
    show: (r, out) => bars(out, r.map((x) => [x.label, x.score])) },
  { route: 'multiple-choice', title: 'Multiple choice', hint: 'the score of each choice', fields: [['context', 'Context (optional)', 'area'], ['question', 'Question', 'line'], ['choices', 'Choices, one per line', 'area']],
    body: (v) => ({ inputs: { ...(v.context ? { context: v.context } : {}), question: v.question, choices: lines(v.choices) } }),
    show: (r, out, v) => bars(out, lines(v.choices).map((c, i) => [c, r.scores[i]])) },
  { route: 'similarity', title: 'Sentence similarity', hint: 'the cosine of each sentence with the first', fields: [['source', 'Sentence', 'line'], ['sentences', 'Sentences to compare, one per line', 'area']],
    body: (v) => ({ inputs: { source_sentence: v.source, sentences: lines(v.sentences) } }),
    show: (r, out, v) => bars(out, lines(v.sentences).map((t, i) => [t, r[i]])) },
  { route: 'embed', title: 'Embedding', hint: 'the sentence vector', fields: [['text', 'Text', 'area']],
    body: (v) => ({ inputs: v.text }), show: (r, out) => { out.append(el('div', 'dimensions: ' + r[0].length), el('div', '[' + r[0].slice(0, 8).map((x) => x.toFixed(4)).join(', ') + ', …]')); } },
  { route: 'tokenize', title: 'Tokenize', hint: 'the tokens the model sees', fields: [['text', 'Text', 'area']],
    body: (v) => ({ inputs: v.text }), show: (r, out) => { for (const t of r[0]) { const s = el('span', t.text); s.className = 'token' + (t.special ? ' special' : ''); s.title = 'id ' + t.id; out.append(s); } } },
];
const EXAMPLES = {
  text: 'The movie was a delight from start to finish.', question: 'Where is the tower?', context: 'The Eiffel Tower is in Paris. It was finished in 1889.',
  labels: 'travel, cooking, sports', choices: 'in Paris\\nin Rome\\nin Berlin', source: 'A man is playing a guitar.', sentences: 'Someone plays music.\\nA chef is cooking.',
};
const lines = (t) => t.split('\\n').map((s) => s.trim()).filter(Boolean);

function el(tag, text) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }

function bars(out, rows) {
  for (const [name, score] of rows) {
    const row = el('div'); row.className = 'bar';
    const n = el('span', name); n.className = 'name'; n.title = name;
    const track = el('span'); track.className = 'track'; const fill = el('span'); fill.className = 'fill';
    fill.style.display = 'block'; fill.style.width = (Math.max(0, Math.min(1, score)) * 100).toFixed(1) + '%'; track.append(fill);
    const s = el('span', score.toFixed(4)); s.className = 'score';
    row.append(n, track, s); out.append(row);
  }
}

function showFillMask(r, out) {
  // One list for one mask, a list per mask when the text has several.
  const lists = Array.isArray(r[0]) ? r : [r];
  lists.forEach((list, i) => {
    if (lists.length > 1) out.append(el('h3', 'mask ' + (i + 1)));
    bars(out, list.map((x) => [x.token_str, x.score]));
  });
}

function markSpans(out, text, spans) {
  const p = el('div'); p.className = 'context'; let at = 0;
  for (const s of spans.slice().sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    p.append(document.createTextNode(text.slice(at, s.start)));
    const m = el('mark', text.slice(s.start, s.end)); if (s.label) m.append(el('small', s.label)); p.append(m); at = s.end;
  }
  p.append(document.createTextNode(text.slice(at))); out.append(p);
}

function showQa(r, out, v) {
  const answers = Array.isArray(r) ? r : [r];
  const best = answers[0];
  out.append(el('div', 'answer: ' + best.answer + '  (score ' + best.score.toFixed(4) + ')'));
  markSpans(out, v.context, [{ start: best.start, end: best.end }]);
}

function showEntities(r, out, v) {
  const spans = r.filter((e) => typeof e.start === 'number').map((e) => ({ start: e.start, end: e.end, label: e.entity_group || e.entity }));
  if (spans.length === 0) out.append(el('div', r.length ? JSON.stringify(r) : 'no entities'));
  else markSpans(out, v.text, spans);
}

let modelName = null;
async function call(route, body) {
  const url = modelName ? '/models/' + encodeURIComponent(modelName) + '/' + route : '/' + route;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

function form(task, open) {
  const d = el('details'); d.id = task.route; d.open = open;
  const sum = el('summary', task.title + ' '); sum.append(el('small', 'POST /' + task.route + ' — ' + task.hint)); d.append(sum);
  const f = el('form'); const inputs = {};
  for (const [name, label, kind] of task.fields) {
    const i = el(kind === 'area' ? 'textarea' : 'input'); if (kind !== 'area') i.type = 'text'; else i.rows = 3;
    i.id = task.route + '-' + name; i.placeholder = label; i.setAttribute('aria-label', label);
    i.value = task.route === 'fill-mask' ? 'The capital of France is [MASK].' : (name === 'pair' ? '' : EXAMPLES[name] || '');
    inputs[name] = i; f.append(i);
  }
  const b = el('button', 'Run'); b.type = 'submit'; b.id = task.route + '-submit'; f.append(b);
  const out = el('div'); out.className = 'result'; out.id = task.route + '-result';
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault(); out.textContent = '…'; out.removeAttribute('data-done');
    const v = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
    try { const r = await call(task.route, task.body(v)); out.textContent = ''; task.show(r, out, v); }
    catch (e) { out.textContent = ''; const m = el('div', String(e.message || e)); m.className = 'error'; out.append(m); }
    out.setAttribute('data-done', '1');
  });
  d.append(f, out); return d;
}

function render(info) {
  const m = info.models.find((x) => x.name === modelName) || info.models[0];
  document.getElementById('model').textContent = m.name + ' — ' + m.task + ' (' + m.model_id + '), albert-ts ' + info.version;
  const forms = document.getElementById('forms'); forms.textContent = '';
  const own = TASKS.filter((t) => t.route === m.route), rest = TASKS.filter((t) => t.route !== m.route);
  for (const t of own) forms.append(form(t, true));
  for (const t of rest) forms.append(form(t, false));
}

fetch('/info').then((r) => r.json()).then((info) => {
  if (info.models.length > 1) {
    const sel = document.getElementById('model-select');
    for (const m of info.models) { const o = el('option', m.name + ' (' + m.task + ')'); o.value = m.name; sel.append(o); }
    sel.addEventListener('change', () => { modelName = sel.value; render(info); });
    document.getElementById('model-choice').hidden = false;
    modelName = info.models[0].name;
  }
  render(info);
}, (e) => { document.getElementById('model').textContent = 'could not read /info: ' + e; });
</script>
</body>
</html>
`;
