#!/usr/bin/python3
"""Generates test/fixtures/metrics/*.json: reference values for src/metrics, from independent
implementations (it imports nothing of albert-ts):

- glue.json: HF evaluate's glue metric semantics on sklearn.metrics (accuracy_score, f1_score,
  matthews_corrcoef) and scipy.stats (pearsonr, spearmanr): random and degenerate cases.
- squad.json: the official evaluate-v1.1.py / evaluate-v2.0.py semantics, re-implemented below from
  their documented behaviour: normalize_answer, EM, F1, the v1.1 and v2.0 aggregates, the no-answer
  threshold and find_best_thresh; tricky strings, small hand-made data sets, random data sets and,
  when ../shared/data/squad is present, the real dev sets with synthetic predictions (the rule that
  makes them is `synthetic_prediction`, mirrored in test/metrics_squad.test.ts).
- python_text.json: what Python's `re` calls a word character, what str.split() splits on, and what
  str.lower() changes, for every code point (the JS port must agree where Python's Unicode knows the
  character).
- race.json: accuracy (overall, middle, high) with sklearn's accuracy_score.

Run: /usr/bin/python3 tools/metrics/make_metric_refs.py   (deterministic: seeded)
"""
import collections
import json
import os
import random
import re
import string
import sys
import unicodedata
import warnings

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

warnings.simplefilter('ignore')  # sklearn's zero-division and scipy's constant-input warnings

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'metrics')
SQUAD = os.path.join(ROOT, '..', 'shared', 'data', 'squad')
rng = random.Random(20240613)


def num(x):
    """A float for JSON; NaN (scipy's answer for a constant input) as null."""
    x = float(x)
    return None if x != x else x


# --------------------------------------------------------------------------------------------- GLUE
def glue_metric(task, gold, pred):
    """What evaluate.load('glue', task).compute(predictions=pred, references=gold) returns."""
    if task == 'cola':
        return {'matthews_correlation': num(matthews_corrcoef(gold, pred))}
    if task == 'stsb':
        return {'pearson': num(pearsonr(pred, gold)[0]), 'spearmanr': num(spearmanr(pred, gold)[0])}
    if task in ('mrpc', 'qqp'):
        # Labels read from a TSV are the strings '0'/'1'; HF evaluate is given the ints.
        gold, pred = [int(x) for x in gold], [int(x) for x in pred]
        return {'accuracy': num(accuracy_score(gold, pred)), 'f1': num(f1_score(gold, pred))}
    return {'accuracy': num(accuracy_score(gold, pred))}


def labels(n, classes, bias=None):
    weights = bias or [1] * len(classes)
    return rng.choices(classes, weights=weights, k=n)


def noisy_copy(gold, classes, p_wrong):
    return [rng.choice(classes) if rng.random() < p_wrong else g for g in gold]


def glue_cases():
    cases = []
    classes = {'mnli': ['contradiction', 'entailment', 'neutral'], 'mnli_matched': ['contradiction', 'entailment', 'neutral'],
               'mnli_mismatched': ['contradiction', 'entailment', 'neutral'], 'qnli': ['entailment', 'not_entailment'],
               'rte': ['entailment', 'not_entailment'], 'hans': [0, 1]}
    for task in ['cola', 'sst2', 'mrpc', 'qqp', 'mnli', 'mnli_matched', 'mnli_mismatched', 'qnli', 'rte', 'wnli', 'hans']:
        cls = classes.get(task, [0, 1])
        for _ in range(6):
            n = rng.randint(1, 60)
            gold = labels(n, cls, [rng.randint(1, 5) for _ in cls])
            cases.append({'task': task, 'gold': gold, 'predicted': noisy_copy(gold, cls, rng.random())})
        # Degenerate: one class everywhere (MCC 0, F1 0), perfect, all wrong, a single example.
        cases.append({'task': task, 'gold': [cls[0]] * 9, 'predicted': [cls[0]] * 9})
        cases.append({'task': task, 'gold': labels(12, cls), 'predicted': [cls[-1]] * 12})
        cases.append({'task': task, 'gold': [cls[-1]] * 7, 'predicted': labels(7, cls)})
        g = labels(20, cls)
        cases.append({'task': task, 'gold': g, 'predicted': list(g)})
        cases.append({'task': task, 'gold': g, 'predicted': [cls[(cls.index(x) + 1) % len(cls)] for x in g]})
        cases.append({'task': task, 'gold': [cls[-1]], 'predicted': [cls[0]]})
    # MRPC/QQP as their TSVs spell labels (strings), and a large MRPC-sized one.
    g = labels(408, ['0', '1'], [1, 2])
    cases.append({'task': 'mrpc', 'gold': g, 'predicted': noisy_copy(g, ['0', '1'], 0.3)})
    cases.append({'task': 'mrpc', 'gold': g, 'predicted': ['1'] * 408})
    g = labels(1043, [0, 1], [3, 7])
    cases.append({'task': 'cola', 'gold': g, 'predicted': noisy_copy(g, [0, 1], 0.4)})
    # STS-B: scores on a 0..5 grid (many ties), continuous ones, n = 2, constant vectors (NaN), a large one.
    for _ in range(12):
        n = rng.randint(3, 50)
        grid = rng.choice([0.2, 0.5, 1.0])
        gold = [round(round(rng.uniform(0, 5) / grid) * grid, 3) for _ in range(n)]
        pred = [round(min(5, max(0, g + rng.gauss(0, rng.choice([0.3, 1, 3])))), rng.choice([0, 1, 3])) for g in gold]
        cases.append({'task': 'stsb', 'gold': gold, 'predicted': pred})
    cases.append({'task': 'stsb', 'gold': [1.0, 4.0], 'predicted': [2.5, 0.5]})
    cases.append({'task': 'stsb', 'gold': [3.0] * 6, 'predicted': [1.0, 2.0, 3.0, 4.0, 5.0, 0.0]})
    cases.append({'task': 'stsb', 'gold': [0.0, 1.0, 2.0, 3.0], 'predicted': [2.0] * 4})
    cases.append({'task': 'stsb', 'gold': [1.0, 2.0, 2.0, 3.0, 3.0, 3.0], 'predicted': [3.0, 3.0, 2.0, 2.0, 1.0, 1.0]})
    gold = [round(rng.uniform(0, 5), 3) for _ in range(1500)]
    cases.append({'task': 'stsb', 'gold': gold, 'predicted': [round(g * 0.8 + rng.gauss(0, 0.7), 3) for g in gold]})
    for c in cases:
        c['expected'] = glue_metric(c['task'], c['gold'], c['predicted'])
    return cases


def function_cases():
    """The metric functions on their own: multi-class MCC, F1 of label 1, correlations with heavy ties."""
    mcc, f1, corr = [], [], []
    for _ in range(10):
        k = rng.randint(2, 5)
        cls = ['c%d' % i for i in range(k)]
        n = rng.randint(2, 80)
        gold = labels(n, cls, [rng.randint(1, 4) for _ in cls])
        pred = noisy_copy(gold, cls, rng.random())
        mcc.append({'gold': gold, 'predicted': pred, 'expected': num(matthews_corrcoef(gold, pred))})
    for _ in range(10):
        n = rng.randint(1, 40)
        gold, pred = labels(n, [0, 1], [rng.randint(1, 4), 1]), labels(n, [0, 1], [rng.randint(1, 4), 1])
        f1.append({'gold': gold, 'predicted': pred, 'expected': num(f1_score(gold, pred))})
    f1.append({'gold': [0, 0, 0], 'predicted': [0, 0, 0], 'expected': num(f1_score([0, 0, 0], [0, 0, 0]))})
    for _ in range(12):
        n = rng.randint(2, 40)
        x = [float(rng.randint(-3, 3)) for _ in range(n)]
        y = [rng.choice([float(rng.randint(0, 2)), rng.gauss(0, 1)]) for _ in range(n)]
        corr.append({'x': x, 'y': y, 'pearson': num(pearsonr(x, y)[0]), 'spearman': num(spearmanr(x, y)[0])})
    corr.append({'x': [1e9 + 1, 1e9 + 2, 1e9 + 4], 'y': [1e-9, 3e-9, 2e-9],
                 'pearson': num(pearsonr([1e9 + 1, 1e9 + 2, 1e9 + 4], [1e-9, 3e-9, 2e-9])[0]),
                 'spearman': num(spearmanr([1e9 + 1, 1e9 + 2, 1e9 + 4], [1e-9, 3e-9, 2e-9])[0])})
    from scipy.stats import rankdata
    ranks = []
    for _ in range(5):
        v = [float(rng.randint(0, 6)) for _ in range(rng.randint(1, 25))]
        ranks.append({'values': v, 'ranks': [float(r) for r in rankdata(v)]})
    return {'matthews': mcc, 'f1': f1, 'correlation': corr, 'ranks': ranks}


# -------------------------------------------------------------------------------------------- SQuAD
# The official scripts' logic, written out from their documented behaviour (see the module docstring).
PUNCT = set(string.punctuation)
ARTICLES = re.compile(r'\b(a|an|the)\b', re.UNICODE)


def normalize_answer(s):
    s = s.lower()
    s = ''.join(ch for ch in s if ch not in PUNCT)
    s = ARTICLES.sub(' ', s)
    return ' '.join(s.split())


def exact(gold, pred):
    return int(normalize_answer(gold) == normalize_answer(pred))


def overlap_f1(gold_toks, pred_toks):
    same = sum((collections.Counter(gold_toks) & collections.Counter(pred_toks)).values())
    if same == 0:
        return 0
    p, r = same / len(pred_toks), same / len(gold_toks)
    return 2 * p * r / (p + r)


def f1_v1(gold, pred):
    return overlap_f1(normalize_answer(gold).split(), normalize_answer(pred).split())


def f1_v2(gold, pred):
    g, p = normalize_answer(gold).split() if gold else [], normalize_answer(pred).split() if pred else []
    if not g or not p:
        return int(g == p)
    return overlap_f1(g, p)


def questions_of(dataset):
    for article in dataset['data']:
        for paragraph in article['paragraphs']:
            for qa in paragraph['qas']:
                yield paragraph, qa


def squad_v1(dataset, preds):
    em = f1 = total = 0
    messages = []
    for _, qa in questions_of(dataset):
        total += 1
        if qa['id'] not in preds:
            messages.append('Unanswered question %s will receive score 0.' % qa['id'])
            continue
        golds = [a['text'] for a in qa['answers']]
        em += max(exact(g, preds[qa['id']]) for g in golds)
        f1 += max(f1_v1(g, preds[qa['id']]) for g in golds)
    return {'exact_match': 100.0 * em / total, 'f1': 100.0 * f1 / total}, messages


def best_thresh(preds, scores, na_probs, has_ans):
    cur = sum(1 for q in has_ans if not has_ans[q])
    best, thresh = cur, 0.0
    for q in sorted(na_probs, key=lambda k: na_probs[k]):
        if q not in scores:
            continue
        cur += scores[q] if has_ans[q] else (-1 if preds[q] else 0)
        if cur > best:
            best, thresh = cur, na_probs[q]
    return 100.0 * best / len(scores), thresh


def squad_v2(dataset, preds, na_probs=None, na_prob_thresh=1.0):
    given_na = na_probs is not None
    if na_probs is None:
        na_probs = {k: 0.0 for k in preds}
    has_ans, exact_raw, f1_raw = collections.OrderedDict(), {}, {}
    for _, qa in questions_of(dataset):
        q = qa['id']
        has_ans[q] = bool(qa['answers'])
        golds = [a['text'] for a in qa['answers'] if normalize_answer(a['text'])] or ['']
        exact_raw[q] = max(exact(g, preds[q]) for g in golds)
        f1_raw[q] = max(f1_v2(g, preds[q]) for g in golds)

    def threshold(raw):
        return {q: (float(not has_ans[q]) if na_probs[q] > na_prob_thresh else s) for q, s in raw.items()}

    ex, f1 = threshold(exact_raw), threshold(f1_raw)

    def block(qids):
        return [100.0 * sum(ex[q] for q in qids) / len(qids), 100.0 * sum(f1[q] for q in qids) / len(qids), len(qids)]

    out = collections.OrderedDict(zip(['exact', 'f1', 'total'], block(list(ex))))
    for prefix, qids in (('HasAns', [q for q in has_ans if has_ans[q]]), ('NoAns', [q for q in has_ans if not has_ans[q]])):
        if qids:
            for k, v in zip(['exact', 'f1', 'total'], block(qids)):
                out['%s_%s' % (prefix, k)] = v
    if given_na:
        out['best_exact'], out['best_exact_thresh'] = best_thresh(preds, exact_raw, na_probs, has_ans)
        out['best_f1'], out['best_f1_thresh'] = best_thresh(preds, f1_raw, na_probs, has_ans)
    return [[k, v] for k, v in out.items()]  # a list of pairs: the key order is part of the reference


TRICKY = [
    'The Eiffel Tower', 'the eiffel tower.', '  An   apple, a day!  ', 'theatre', 'The the THE', 'a', 'an', 'the', 'A.B.C.',
    'an-apple', "it's the end", '"Quoted" (text) [here] {and} <there>', 'tab\there\nnewline\r\nend', '',
    'Café', 'CAFÉ au lait', 'the\u0301 accent', 'e\u0301the', 'théâtre the', 'naïve the', 'Ωthe', 'the\u00b2', 'the½',
    'ΟΔΟΣ ΟΔΟΣ.', 'İstanbul', 'Straße', 'ǅungla', 'ǈ', 'Ⅻ the', 'theⅫ', 'the_', '_the', 'the\u200bend',
    'em—dash the', '«the»', '¿the?', 'the…', '“curly” ‘quotes’', 'non\u00a0breaking the\u00a0end', 'ideographic\u3000space',
    'file\x1cseparator the\x1dgroup\x1erecord\x1funit', 'next\x85line', 'bom\ufeffthe\ufeff', 'zero\u2028line\u2029para',
    'the１２３', '１２３the', 'the٣', '中the文', 'theの', 'ｔｈｅ fullwidth', 'Ⓐ the', '𝐀the 𝐭𝐡𝐞', 'the🙂', '🙂the',
    'ﬁ the ﬂ', 'K kelvin', 'Ａn', 'AN', 'An.', 'a,an,the', "l'the", 'the-the', 'the’s', '1,000,000', '$3.50', '3/4 the',
    'Hello, World!', 'multiple   spaces   the   between', 'the quick brown fox jumps over the lazy dog',
]


def squad_pairs():
    pairs = []
    words = ['the', 'a', 'an', 'cat', 'Cat', 'dog.', 'of', 'France', 'paris', 'Paris,', '1990', '', '!', 'Café', 'cafe']
    for _ in range(150):
        g = ' '.join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        p = ' '.join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        pairs.append([g, p])
    pairs += [['', ''], ['the', ''], ['', 'a'], ['the', 'an'], ['Paris', 'paris!'], ['cat cat dog', 'cat dog dog'],
              ['Café', 'cafe'], ['ΟΔΟΣ', 'οδος'], [' ', '\t'], ['\ufeff', '']]
    return [{'gold': g, 'predicted': p, 'exact': exact(g, p), 'f1_v1': f1_v1(g, p), 'f1_v2': f1_v2(g, p)} for g, p in pairs]


def dataset(version, qas_per_paragraph):
    """A SQuAD-layout file from [[(id, [answer texts], plausible or None), ...], ...] (context unused by the metrics)."""
    def qa(q):
        d = {'id': q[0], 'question': 'q?', 'answers': [{'text': t, 'answer_start': 0} for t in q[1]]}
        if version != '1.1':
            d['is_impossible'] = not q[1]
        return d
    return {'version': version, 'data': [{'title': 'T%d' % i, 'paragraphs': [{'context': 'c', 'qas': [qa(q) for q in qs]}]}
                                         for i, qs in enumerate(qas_per_paragraph)]}


def squad_small():
    cases = []
    v1 = dataset('1.1', [[('q1', ['The Eiffel Tower', 'Eiffel Tower'], None), ('q2', ['1889', 'in 1889'], None)],
                         [('q3', ['Gustave Eiffel'], None), ('q4', [''], None), ('q5', ['the'], None), ('q6', ['Café du Monde'], None)]])
    for preds in [{'q1': 'eiffel tower', 'q2': 'In 1889.', 'q3': 'Eiffel', 'q4': '', 'q5': '', 'q6': 'cafe du monde'},
                  {'q1': 'the tower', 'q3': 'Gustave', 'q6': 'CAFÉ DU MONDE!'},
                  {'q2': '', 'q4': 'x'}]:
        scores, messages = squad_v1(v1, preds)
        cases.append({'version': '1.1', 'dataset': v1, 'predictions': preds, 'expected': [[k, v] for k, v in scores.items()], 'warnings': messages})
    v2 = dataset('v2.0', [[('a1', ['Denver Broncos', 'The Broncos'], None), ('a2', [], ['plausible']), ('a3', ['the'], None)],
                          [('a4', ['Santa Clara'], None), ('a5', [], None), ('a6', [], None), ('a7', ['Levi\'s Stadium', 'Levi\'s'], None)]])
    preds = {'a1': 'Broncos', 'a2': 'plausible', 'a3': '', 'a4': 'Santa Clara, California', 'a5': '', 'a6': ' ', 'a7': 'levis'}
    for na in [None, {'a1': 0.1, 'a2': 0.9, 'a3': 0.5, 'a4': 0.5, 'a5': 0.7, 'a6': 0.5, 'a7': 0.2},
               {'a1': 0.5, 'a2': 0.5, 'a3': 0.5, 'a4': 0.5, 'a5': 0.5, 'a6': 0.5, 'a7': 0.5},
               {'a1': 2.0, 'a2': 0.0, 'a3': 3.0, 'a4': 1.5, 'a5': 0.0, 'a6': 1.0, 'a7': 0.99}]:
        for thresh in [1.0, 0.5, 0.0]:
            cases.append({'version': '2.0', 'dataset': v2, 'predictions': preds, 'na_probs': na, 'na_prob_thresh': thresh,
                          'expected': squad_v2(v2, preds, na, thresh)})
    # Only unanswerable / only answerable questions: the other block's keys are absent.
    only_no = dataset('v2.0', [[('n1', [], None), ('n2', [], None)]])
    cases.append({'version': '2.0', 'dataset': only_no, 'predictions': {'n1': '', 'n2': 'x'}, 'na_probs': {'n1': 0.2, 'n2': 0.8},
                  'na_prob_thresh': 1.0, 'expected': squad_v2(only_no, {'n1': '', 'n2': 'x'}, {'n1': 0.2, 'n2': 0.8})})
    only_has = dataset('v2.0', [[('h1', ['x y'], None), ('h2', ['z'], None)]])
    cases.append({'version': '2.0', 'dataset': only_has, 'predictions': {'h1': 'x', 'h2': ''}, 'na_probs': None,
                  'na_prob_thresh': 1.0, 'expected': squad_v2(only_has, {'h1': 'x', 'h2': ''})})
    # Random v2 sets: answers and predictions from a small vocabulary, na_probs on a coarse grid (ties).
    vocab = ['the', 'a', 'red', 'Red', 'car', 'cars', 'of', 'Paris', 'paris.', '1990', 'x']
    for r in range(16):
        qs = []
        for i in range(rng.randint(3, 30)):
            answers = [] if rng.random() < 0.45 else [' '.join(rng.choice(vocab) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 3))]
            qs.append(('r%d_%d' % (r, i), answers, None))
        d = dataset('v2.0', [qs[:len(qs) // 2], qs[len(qs) // 2:]])
        preds = {q[0]: ('' if rng.random() < 0.3 else ' '.join(rng.choice(vocab) for _ in range(rng.randint(1, 3)))) for q in qs}
        ids = [q[0] for q in qs]
        rng.shuffle(ids)  # the na_probs file's own order decides ties
        na = {q: rng.choice([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]) for q in ids}
        thresh = rng.choice([1.0, 0.5, 0.3])
        cases.append({'version': '2.0', 'dataset': d, 'predictions': preds, 'na_probs': na, 'na_prob_thresh': thresh,
                      'expected': squad_v2(d, preds, na, thresh)})
    return cases


def synthetic_prediction(i, paragraph, qa):
    """Deterministic predictions for the real dev sets (test/metrics_squad.test.ts applies the same rule)."""
    answers = [a['text'] for a in qa['answers']]
    plausible = [a['text'] for a in qa.get('plausible_answers', [])]
    first = answers[0] if answers else ''
    k = i % 8
    if k == 0:
        return first
    if k == 1:
        return ''
    if k == 2:
        return '"' + (answers[-1] if answers else qa['question']) + '!!'
    if k == 3:
        return 'The  ' + first + ' .'
    if k == 4:
        return ' '.join(paragraph['context'].split(' ')[:6])
    if k == 5:
        return plausible[0] if plausible else (first.split(' ')[0] if answers else 'no')
    if k == 6:
        return first + ' ' + qa['question'].split(' ')[0]
    return qa['question']


def synthetic_na_prob(i, qa):
    # Lower for the answerable questions whose prediction is right (rules 0 and 3), so that the best threshold is not 0.
    return ((i * 37) % 101) / (1000 if qa['answers'] and i % 8 in (0, 3) else 100)


def squad_real():
    out = {}
    v1_path, v2_path = os.path.join(SQUAD, 'dev-v1.1.json'), os.path.join(SQUAD, 'dev-v2.0.json')
    if not (os.path.exists(v1_path) and os.path.exists(v2_path)):
        sys.exit('needs ../shared/data/squad (dev-v1.1.json, dev-v2.0.json)')
    v1 = json.load(open(v1_path, encoding='utf-8'))
    qs = list(questions_of(v1))
    preds = {qa['id']: synthetic_prediction(i, p, qa) for i, (p, qa) in enumerate(qs) if i % 50 != 7}
    scores, messages = squad_v1(v1, preds)
    out['v1_synthetic'] = {'expected': [[k, v] for k, v in scores.items()], 'warnings': len(messages), 'first_warning': messages[0]}
    out['v1_gold'] = [[k, v] for k, v in squad_v1(v1, {qa['id']: qa['answers'][0]['text'] for _, qa in qs})[0].items()]
    v2 = json.load(open(v2_path, encoding='utf-8'))
    qs = list(questions_of(v2))
    preds = {qa['id']: synthetic_prediction(i, p, qa) for i, (p, qa) in enumerate(qs)}
    na = {qa['id']: synthetic_na_prob(i, qa) for i, (_, qa) in enumerate(qs)}
    out['v2_synthetic'] = squad_v2(v2, preds, na)
    out['v2_synthetic_thresh_0.5'] = squad_v2(v2, preds, na, 0.5)
    out['v2_synthetic_no_na'] = squad_v2(v2, preds)
    out['v2_empty'] = squad_v2(v2, {qa['id']: '' for _, qa in qs})
    out['v2_gold'] = squad_v2(v2, {qa['id']: (qa['answers'][0]['text'] if qa['answers'] else '') for _, qa in qs})
    return out


# ------------------------------------------------------------------------------- Python's text rules
def ranges(pred):
    out, start = [], None
    for cp in range(0x110000):
        if pred(cp):
            if start is None:
                start = cp
        elif start is not None:
            out.append([start, cp - 1])
            start = None
    if start is not None:
        out.append([start, 0x10ffff])
    return out


def python_text():
    word = re.compile(r'\w')
    return {
        'unicode_version': unicodedata.unidata_version,
        'word': ranges(lambda cp: word.match(chr(cp)) is not None),
        'space': [cp for cp in range(0x110000) if chr(cp).isspace()],
        'lower': [[cp, chr(cp).lower()] for cp in range(0x110000) if chr(cp).lower() != chr(cp)],
        'unassigned': ranges(lambda cp: unicodedata.category(chr(cp)) in ('Cn', 'Cs')),
    }


# --------------------------------------------------------------------------------------------- RACE
def race_cases():
    cases = []
    for r in range(8):
        n = rng.randint(1, 40)
        levels = rng.choice([['middle'], ['high'], ['middle', 'high'], ['middle', 'high', None]])
        gold = {('%s%d.txt-%d' % (rng.choice(['m', 'h']), r, i)): {'answer': rng.choice('ABCD'), 'level': rng.choice(levels)} for i in range(n)}
        pred = {q: (g['answer'] if rng.random() < 0.5 else rng.choice('ABCD')) for q, g in gold.items()}
        ids = list(gold)
        exp = [['accuracy', num(accuracy_score([gold[q]['answer'] for q in ids], [pred[q] for q in ids]))]]
        for level in ('middle', 'high'):
            sub = [q for q in ids if gold[q]['level'] == level]
            if sub:
                exp.append(['accuracy_' + level, num(accuracy_score([gold[q]['answer'] for q in sub], [pred[q] for q in sub]))])
        cases.append({'gold': gold, 'predicted': pred, 'expected': exp})
    return cases


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=False, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print('%s: %d bytes' % (os.path.relpath(path, ROOT), os.path.getsize(path)))


def main():
    env = {'python': sys.version.split()[0], 'numpy': np.__version__,
           'sklearn': __import__('sklearn').__version__, 'scipy': __import__('scipy').__version__}
    write('glue.json', {'generated_by': 'tools/metrics/make_metric_refs.py', 'versions': env, 'cases': glue_cases(), 'functions': function_cases()})
    write('squad.json', {'generated_by': 'tools/metrics/make_metric_refs.py', 'versions': env,
                         'normalize': [[s, normalize_answer(s)] for s in TRICKY], 'pairs': squad_pairs(),
                         'evaluations': squad_small(), 'real': squad_real()})
    write('python_text.json', dict({'generated_by': 'tools/metrics/make_metric_refs.py', 'python': env['python']}, **python_text()))
    write('race.json', {'generated_by': 'tools/metrics/make_metric_refs.py', 'versions': env, 'cases': race_cases()})


if __name__ == '__main__':
    main()
