#!/usr/bin/python3
"""Reference cases for src/tasks/qa_beam_decode.ts and evaluateSquadV2Tuned (src/metrics/squad.ts):
google-research/albert's SQuAD 2.0 decoding and dev-tuned threshold (accumulate_predictions_v2,
write_predictions_v2, evaluate_v2), re-implemented here from the fact sheet
(shared/reference/downstream.md section 1.5) with Google's own index arithmetic (doc_offset, the
window's doc length, token_is_max_context), on synthetic windows and beams:

- contexts of words (some repeated, so that different spans give one text; some offsets start at the
  space before a word, so that .strip() matters), windows over the words with squad_utils'
  max-context rule, question and padding positions without offsets;
- per window 5 starts (some in the question or past the context) x 5 ends, random log-probs, a cls logit;
- gold answers (spans of the context, or none), scored by the official evaluate-v2.0 semantics of
  tools/metrics/make_metric_refs.py.

    /usr/bin/python3 tools/reference/squad_v2_decode_ref.py     -> test/fixtures/squad_v2_decode/cases.json
"""
import json
import math
import os
import random
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'metrics'))
from make_metric_refs import squad_v2  # noqa: E402  (the official scripts' semantics)

START_N_TOP, END_N_TOP = 5, 5
WORDS = ['alpha', 'beta', 'gamma', 'delta', 'the', 'river', 'Paris', 'a', 'cat', 'of', '1990', 'beta']


def make_example(rng, e):
    n = rng.randint(4, 22)
    words = [rng.choice(WORDS) for _ in range(n)]
    context, offsets = '', []
    for w in words:
        gap = ' ' if rng.random() < 0.8 else '  '
        start = len(context) + (len(gap) if context else 0)
        context += (gap if context else '') + w
        # a token that "owns" the space before it (as some tokenizers' offsets do)
        owned = start - 1 if context and start > 0 and rng.random() < 0.2 else start
        offsets.append([owned, start + len(w)])
    if rng.random() < 0.4:
        answers, span = [], None
    else:
        a = rng.randrange(n)
        b = min(n - 1, a + rng.randint(0, 2))
        answers, span = [context[offsets[a][0]:offsets[b][1]].strip()], (a, b)
    return {'id': 'q%02d' % e, 'context': context, 'answers': answers}, offsets, span


def is_max_context(spans, cur, pos):
    """squad_utils' _check_is_max_context over doc spans (start, length)."""
    best, best_score = None, None
    for i, (start, length) in enumerate(spans):
        end = start + length - 1
        if pos < start or pos > end:
            continue
        score = min(pos - start, end - pos) + 0.01 * length
        if best_score is None or score > best_score:
            best_score, best = score, i
    return cur == best


def make_features(rng, e, offsets):
    q = rng.randint(1, 4)
    doc_len = rng.randint(3, 9)
    step = rng.randint(1, doc_len)
    spans, start = [], 0
    while True:
        length = min(doc_len, len(offsets) - start)
        spans.append((start, length))
        if start + length >= len(offsets):
            break
        start += min(length, step)
    feats = []
    for w, (start, length) in enumerate(spans):
        doc_offset = q + 2
        S = doc_offset + length + 1 + rng.randint(0, 3)  # [CLS] Q [SEP] doc [SEP] padding
        offs = [None] * S
        maxc = [False] * S
        for i in range(length):
            offs[doc_offset + i] = offsets[start + i]
            maxc[doc_offset + i] = is_max_context(spans, w, start + i)
        feats.append({'example': e, 'window': w, 'S': S, 'contextStart': doc_offset, 'contextEnd': doc_offset + length,
                      'offsets': offs, 'maxContext': maxc, '_first': start})
    return feats


def make_result(rng, f, span):
    """A random beam; for a window holding the gold span, often that span on top (a model that learned
    something, so that the threshold search has a choice to make); cls lower for answerable questions."""
    S = f['S']
    starts = rng.sample(range(S), START_N_TOP)
    slp = sorted((-rng.uniform(0.05, 4) for _ in starts), reverse=True)
    ends, elp = [], []
    for _ in starts:
        ends += rng.sample(range(S), END_N_TOP)
        elp += sorted((-rng.uniform(0.05, 4) for _ in range(END_N_TOP)), reverse=True)
    if span and rng.random() < 0.6:
        a, b = (f['contextStart'] + i - f['_first'] for i in span)
        if f['contextStart'] <= a and b < f['contextEnd']:
            if a in starts:  # keep the starts distinct, and start 0's ends
                starts[starts.index(a)] = starts[0]
            starts[0] = a
            if b in ends[:END_N_TOP]:
                ends[ends.index(b)] = ends[0]
            ends[0] = b
    # a few exact ties, so that the sort's stability shows
    if rng.random() < 0.3:
        elp[1] = elp[0]
    base = -1.0 if span else 1.0
    cls = base + rng.uniform(-2, 2)
    return {'startTopLogProbs': slp, 'startTopIndex': starts, 'endTopLogProbs': elp, 'endTopIndex': ends,
            'clsLogit': round(cls, 1) if rng.random() < 0.3 else cls}


def softmax(scores):
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    total = sum(exp)
    return [x / total for x in exp]


def decode(examples, features, results, n_best, max_len):
    """Google's two functions, one pass: best texts (no threshold), n-best and null scores."""
    by_example = {}
    for fi, f in enumerate(features):
        by_example.setdefault(f['example'], []).append(fi)
    best, nbest, null = {}, {}, {}
    for e, ex in enumerate(examples):
        prelim = []
        score_null = 1000000
        for fi in by_example.get(e, []):
            f, r = features[fi], results[fi]
            score_null = min(score_null, r['clsLogit'])
            doc_offset, n_doc = f['contextStart'], f['contextEnd'] - f['contextStart']
            for i in range(START_N_TOP):
                for j in range(END_N_TOP):
                    s, en = r['startTopIndex'][i], r['endTopIndex'][i * END_N_TOP + j]
                    if s - doc_offset >= n_doc or s - doc_offset < 0 or en - doc_offset >= n_doc:
                        continue
                    if not f['maxContext'][s] or en < s or en - s + 1 > max_len:
                        continue
                    prelim.append((fi, s, en, r['startTopLogProbs'][i], r['endTopLogProbs'][i * END_N_TOP + j]))
        prelim = sorted(prelim, key=lambda x: x[3] + x[4], reverse=True)
        seen, kept = set(), []
        for fi, s, en, a, b in prelim:
            if len(kept) >= n_best:
                break
            f = features[fi]
            text = ex['context'][f['offsets'][s][0]:f['offsets'][en][1]].strip()
            if text in seen:
                continue
            seen.add(text)
            kept.append({'text': text, 'startLogProb': a, 'endLogProb': b})
        if not kept:
            kept.append({'text': '', 'startLogProb': -1e6, 'endLogProb': -1e6})
        for c, p in zip(kept, softmax([c['startLogProb'] + c['endLogProb'] for c in kept])):
            c['probability'] = p
        best[ex['id']], nbest[ex['id']], null[ex['id']] = kept[0]['text'], kept, score_null
    return best, nbest, null


def dataset_of(examples):
    return {'data': [{'paragraphs': [{'context': ex['context'], 'qas': [
        {'id': ex['id'], 'answers': [{'text': t} for t in ex['answers']]}]} for ex in examples]}]}


def evaluate_v2(examples, best, null):
    """evaluate_v2: no threshold, best_f1_thresh, the predictions again at it, their official scores."""
    data = dataset_of(examples)
    first = dict(squad_v2(data, best, null))
    thresh = first['best_f1_thresh']
    preds = {q: (t if null[q] < thresh else '') for q, t in best.items()}
    return preds, squad_v2(data, preds, null) + [['null_score_diff_threshold', thresh]]


def case(seed, n_examples, n_best, max_len):
    rng = random.Random(seed)
    examples, features = [], []
    spans = []
    for e in range(n_examples):
        ex, offsets, span = make_example(rng, e)
        examples.append(ex)
        spans.append(span)
        features += make_features(rng, e, offsets)
    results = [make_result(rng, f, spans[f['example']]) for f in features]
    for f in features:
        del f['_first']
    best, nbest, null = decode(examples, features, results, n_best, max_len)
    tuned, scores = evaluate_v2(examples, best, null)
    return {'seed': seed, 'nBest': n_best, 'maxAnswerLength': max_len, 'examples': examples, 'features': features,
            'results': results, 'best': best, 'nbest': nbest, 'nullOdds': null, 'tunedPredictions': tuned,
            'scores': scores}


def main():
    cases = [case(1, 12, 20, 30), case(2, 20, 3, 2), case(3, 16, 20, 1), case(4, 24, 5, 4)]
    out = os.path.join(ROOT, 'test', 'fixtures', 'squad_v2_decode')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump({'generated_by': 'tools/reference/squad_v2_decode_ref.py', 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
