#!/usr/bin/python3
"""The pipelines' expected outputs, step 2 of 2 (step 1: pipeline_export.mjs), written from HF transformers'
pipelines (pipelines/fill_mask.py, text_classification.py, token_classification.py, question_answering.py,
zero_shot_classification.py) and transformers.js's feature-extraction, on the logits albert-ts exported.

    /usr/bin/python3 tools/reference/pipeline_ref.py [FIXTURE_DIR]   (default test/fixtures/pipelines)

Reads FIXTURE_DIR/logits.json and the models beside it and
  1. checks every exported output against this folder's independent PyTorch ALBERT (albert_ref.py, float64)
     run on the same token rows: the logits are the model's forward, not made up;
  2. applies HF's post-processing to the exported (float32) outputs and writes FIXTURE_DIR/expected.json:
     case name -> one result per input, in albert-ts's output shapes.
Where albert-ts deliberately differs from HF, it is done here the same way, each marked "albert-ts:".
Needs torch, numpy and sentencepiece (Debian's python3-torch, python3-sentencepiece).
"""
import json
import os
import struct
import sys

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from albert_ref import RefAlbert  # noqa: E402

HEADS = {'AlbertForMaskedLM': 'masked-lm', 'AlbertForPreTraining': 'pretraining', 'AlbertForSequenceClassification': 'sequence-classification',
         'AlbertForTokenClassification': 'token-classification', 'AlbertForQuestionAnswering': 'question-answering',
         'AlbertForMultipleChoice': 'multiple-choice'}


def read_safetensors(path):
    dtypes = {'F32': np.float32, 'F16': np.float16}
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        out[name] = np.frombuffer(data[a:b], dtype=dtypes[info['dtype']]).reshape(info['shape']).astype(np.float64)
    return out


class Model:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, 'config.json')) as f:
            self.config = json.load(f)
        self.head = HEADS[self.config['architectures'][0]]
        w = {k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(model_dir, 'model.safetensors')).items()}
        self.ref = RefAlbert(self.config, self.head, w)
        self.sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, 'spiece.model'))

    def forward(self, rows):
        """rows of one input (a question's choices for multiple choice, else one row), padded to the longest."""
        S = max(len(r['ids']) for r in rows)
        pad = self.config['pad_token_id']
        ids = torch.tensor([r['ids'] + [pad] * (S - len(r['ids'])) for r in rows])
        tt = torch.tensor([r['type_ids'] + [0] * (S - len(r['ids'])) for r in rows])
        mask = torch.tensor([[1] * len(r['ids']) + [0] * (S - len(r['ids'])) for r in rows])
        if self.head == 'multiple-choice':
            ids, tt, mask = ids[None], tt[None], mask[None]
        return self.ref.forward({'input_ids': ids, 'attention_mask': mask, 'token_type_ids': tt})


class Decoder:
    """HF AlbertTokenizer.decode: convert_tokens_to_string (SentencePiece on runs of ordinary pieces, special
    tokens verbatim with a space before one that follows text), strip, clean_up_tokenization."""

    def __init__(self, sp, special):
        self.sp = sp
        self.specials = {special[k] for k in ('cls', 'sep', 'mask', 'pad', 'unk')}

    def tokens_to_string(self, tokens):
        out, cur, prev_special = '', [], False
        for t in tokens:
            if t in self.specials:
                if not prev_special:
                    out += ' '
                out += self.sp.decode_pieces(cur) + t
                prev_special, cur = True, []
            else:
                cur.append(t)
                prev_special = False
        return (out + self.sp.decode_pieces(cur)).strip()

    def decode(self, ids, skip_special_tokens=False):
        tokens = [self.sp.id_to_piece(int(i)) for i in ids]
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in self.specials]
        s = self.tokens_to_string(tokens)
        for a, b in ((' .', '.'), (' ?', '?'), (' !', '!'), (' ,', ','), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            s = s.replace(a, b)
        return s


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def trim(text, start, end):
    """albert-ts: offsets without the whitespace at their ends (a piece's "▁" covers the space before a word;
    HF's tokenizers leave that space out of the offsets too)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ---- fill-mask: FillMaskPipeline.postprocess ----

def fill_mask(case, ex, model, dec, special):
    top_k = case['options'].get('top_k', 5)
    ids = np.array(ex['rows'][0]['ids'])
    single = len(ex['masks']) == 1
    result = []
    for m, logits in zip(ex['masks'], ex['mask_logits']):
        probs = softmax(np.array(logits, dtype=np.float32))
        order = np.argsort(-probs, kind='stable')[:top_k]
        row = []
        for p in order:
            tokens = ids.copy()
            tokens[m] = p
            tokens = tokens[np.where(tokens != special['pad_id'])]
            row.append({'score': float(probs[p]), 'token': int(p), 'token_str': dec.decode([p]), 'sequence': dec.decode(tokens, skip_special_tokens=single)})
        result.append(row)
    return result[0] if single else result


# ---- text-classification: TextClassificationPipeline.postprocess ----

def num_labels(config):
    return len(config['id2label']) if 'id2label' in config else config.get('num_labels', 2)  # PretrainedConfig


def label_of(config, i):
    return config.get('id2label', {}).get(str(i), f'LABEL_{i}')


def classify(case, ex, model, dec, special):
    c = model.config
    f = case['options'].get('function_to_apply')
    if f is None:
        if c.get('problem_type') == 'regression':
            f = 'none'
        elif c.get('problem_type') == 'multi_label_classification' or num_labels(c) == 1:
            f = 'sigmoid'
        else:
            f = 'softmax'
    logits = np.array(ex['logits'], dtype=np.float32)
    scores = {'softmax': softmax, 'sigmoid': sigmoid, 'none': lambda x: np.asarray(x, dtype=np.float64)}[f](logits)
    top_k = case['options'].get('top_k', 1)
    if top_k == 1 and 'top_k' not in case['options']:  # HF's legacy single answer
        i = int(scores.argmax())
        return {'label': label_of(c, i), 'score': float(scores[i])}
    ranked = sorted(({'label': label_of(c, i), 'score': float(s)} for i, s in enumerate(scores)), key=lambda d: d['score'], reverse=True)
    return ranked if top_k is None else (ranked[0] if top_k == 1 else ranked[:top_k])


# ---- token-classification: gather_pre_entities, aggregate (none / simple), group_entities ----

def get_tag(name):
    if name.startswith('B-'):
        return 'B', name[2:]
    if name.startswith('I-'):
        return 'I', name[2:]
    return 'I', name


def tokens(case, ex, model, dec, special):
    c, o, text = model.config, case['options'], ex['text']
    ignore = o.get('ignore_labels', ['O'])
    ids = ex['rows'][0]['ids']
    entities = []
    for idx, logits in enumerate(ex['token_logits']):
        if ex['special'][idx]:
            continue
        scores = softmax(np.array(logits, dtype=np.float32))
        start, end = trim(text, *ex['offsets'][idx])
        # albert-ts: word = the token decoded (transformers.js), its text for <unk> (HF's word_ref)
        word = text[start:end] if ids[idx] == special['unk_id'] else dec.decode([ids[idx]])
        i = int(scores.argmax())
        entities.append({'entity': label_of(c, i), 'score': float(scores[i]), 'index': idx, 'word': word, 'start': start, 'end': end, 'id': ids[idx]})
    if o.get('aggregation_strategy', 'none') == 'none':
        return [{k: v for k, v in e.items() if k != 'id'} for e in entities if e['entity'] not in ignore]

    def group(es):
        return {'entity_group': es[0]['entity'].split('-', 1)[-1], 'score': float(np.nanmean([e['score'] for e in es])),
                # albert-ts: the group's ids decoded (HF: convert_tokens_to_string of the words)
                'word': dec.decode([e['id'] for e in es]), 'start': es[0]['start'], 'end': es[-1]['end']}

    groups, cur = [], []
    for e in entities:
        if not cur:
            cur.append(e)
            continue
        bi, tag = get_tag(e['entity'])
        _, last_tag = get_tag(cur[-1]['entity'])
        if tag == last_tag and bi != 'B':
            cur.append(e)
        else:
            groups.append(group(cur))
            cur = [e]
    if cur:
        groups.append(group(cur))
    return [g for g in groups if g['entity_group'] not in ignore]


# ---- question-answering: QuestionAnsweringPipeline.postprocess and decode_spans ----

def decode_spans(start, end, topk, max_answer_len, undesired_tokens):
    start, end = start[None], end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired = np.isin(starts, undesired_tokens.nonzero()) & np.isin(ends, undesired_tokens.nonzero())
    starts, ends = starts[desired], ends[desired]
    return starts, ends, candidates[0, starts, ends]


def question_answering(case, ex, model, dec, special):
    o = case['options']
    top_k, max_answer_len = o.get('top_k', 1), o.get('max_answer_len', 15)
    impossible = o.get('handle_impossible_answer', False)
    context = ex['input']['context']
    min_null_score = 1000000
    answers = []
    for w in ex['rows']:
        n = len(w['ids'])
        p_mask = np.array([0 if (w['offsets'][i] is not None or i == 0) else 1 for i in range(n)])  # CLS (0) unmasked, as HF
        undesired = np.abs(p_mask - 1) & np.ones(n, dtype=int)
        start = np.where(undesired == 0, -10000.0, np.array(w['start_logits'], dtype=np.float32).astype(np.float64))
        end = np.where(undesired == 0, -10000.0, np.array(w['end_logits'], dtype=np.float32).astype(np.float64))
        start = np.exp(start - start.max())
        start = start / start.sum()
        end = np.exp(end - end.max())
        end = end / end.sum()
        if impossible:
            min_null_score = min(min_null_score, float(start[0] * end[0]))
        start[0] = end[0] = 0.0
        for s, e, score in zip(*decode_spans(start, end, top_k, max_answer_len, undesired)):
            if w['offsets'][s] is None or w['offsets'][e] is None:
                continue  # a span at CLS scores 0: never among these cases' top_k
            a, b = trim(context, w['offsets'][s][0], w['offsets'][e][1])
            answers.append({'score': float(score), 'start': a, 'end': b, 'answer': context[a:b]})
    if impossible:
        answers.append({'score': min_null_score, 'start': 0, 'end': 0, 'answer': ''})
    answers = sorted(answers, key=lambda x: x['score'], reverse=True)[:top_k]
    return answers if top_k > 1 else answers[0]


# ---- feature-extraction (transformers.js) and sentence-similarity ----

def normalize(v):
    return v / max(np.linalg.norm(v), 1e-12)  # torch.nn.functional.normalize


def features(case, ex, model, dec, special):
    o = case['options']
    h = np.array(ex['rows'][0]['hidden'], dtype=np.float32).astype(np.float64)
    pooling, norm = o.get('pooling', 'none'), o.get('normalize', False)
    if pooling == 'none':
        return [(normalize(t) if norm else t).tolist() for t in h]
    v = h.mean(axis=0) if pooling == 'mean' else h[0]
    return (normalize(v) if norm else v).tolist()


def similarity(case, ex, model, dec, special):
    pooling = case['options'].get('pooling', 'mean')
    vecs = [normalize(np.array(r['hidden'], dtype=np.float64).mean(axis=0) if pooling == 'mean' else np.array(r['hidden'][0], dtype=np.float64)) for r in ex['rows']]
    return [float(np.dot(vecs[0], v)) for v in vecs[1:]]


# ---- zero-shot-classification: ZeroShotClassificationPipeline.postprocess ----

def zero_shot(case, ex, model, dec, special):
    o, c = case['options'], model.config
    labels = ex['labels']
    entailment_id = next((i for label, i in c['label2id'].items() if label.lower().startswith('entail')), -1)
    logits = np.array([r['logits'] for r in ex['rows']], dtype=np.float32).astype(np.float64)[None]
    if o.get('multi_label', False) or len(labels) == 1:
        contradiction_id = -1 if entailment_id == 0 else 0
        ec = logits[..., [contradiction_id, entailment_id]]
        scores = (np.exp(ec) / np.exp(ec).sum(-1, keepdims=True))[..., 1]
    else:
        el = logits[..., entailment_id]
        scores = np.exp(el) / np.exp(el).sum(-1, keepdims=True)
    top = list(reversed(scores[0].argsort()))
    return {'sequence': ex['input'], 'labels': [labels[i] for i in top], 'scores': scores[0, top].tolist()}


def multiple_choice(case, ex, model, dec, special):
    scores = softmax(np.array(ex['choice_logits'], dtype=np.float32))
    i = int(scores.argmax())
    return {'scores': scores.tolist(), 'choice': i, 'answer': ex['input']['choices'][i]}


POST = {'fill-mask': fill_mask, 'text-classification': classify, 'sentiment-analysis': classify, 'token-classification': tokens, 'ner': tokens,
        'question-answering': question_answering, 'feature-extraction': features, 'sentence-similarity': similarity,
        'zero-shot-classification': zero_shot, 'multiple-choice': multiple_choice}


def check_forward(case, ex, model):
    """The exported outputs are what an independent forward gives on the same rows (float32 vs float64)."""
    task = case['task']
    got, want = [], []
    if task == 'multiple-choice':
        got, want = [ex['choice_logits']], [model.forward(ex['rows'])['logits'][0]]
    else:
        for r in ex['rows']:
            out = model.forward([r])
            n = len(r['ids'])
            if task == 'fill-mask':
                logits = out['logits' if 'logits' in out else 'prediction_logits'][0]
                got += ex['mask_logits']
                want += [logits[m] for m in ex['masks']]
            elif task in ('text-classification', 'sentiment-analysis'):
                got.append(ex['logits'])
                want.append(out['logits'][0])
            elif task == 'zero-shot-classification':
                got.append(r['logits'])
                want.append(out['logits'][0])
            elif task in ('token-classification', 'ner'):
                got.append(ex['token_logits'])
                want.append(out['logits'][0])
            elif task == 'question-answering':
                got += [r['start_logits'], r['end_logits']]
                want += [out['start_logits'][0], out['end_logits'][0]]
            else:
                got.append(r['hidden'])
                want.append(out['last_hidden_state'][0, :n])
    for g, w in zip(got, want):
        g, w = np.array(g, dtype=np.float64), w.numpy()
        err = np.abs(g - w).max()
        assert err <= 1e-4 * max(1.0, np.abs(w).max()), f'{case["name"]}: exported outputs differ from the reference forward by {err}'


def main():
    fix = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../test/fixtures/pipelines')
    with open(os.path.join(fix, 'logits.json')) as f:
        data = json.load(f)
    special = data['tokenizer']
    models = {}
    expected = {}
    for case in data['cases']:
        if case['model'] not in models:
            models[case['model']] = Model(os.path.join(fix, 'models', case['model']))
        model = models[case['model']]
        dec = Decoder(model.sp, special)
        results = []
        for x, ex in zip(case['inputs'], case['exported']):
            check_forward(case, ex, model)
            ex = {**ex, 'input': x, 'text': x if isinstance(x, str) else None}
            results.append(POST[case['task']](case, ex, model, dec, special))
        expected[case['name']] = results
    with open(os.path.join(fix, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    print(f'{len(expected)} cases checked against the reference forward and written to {fix}/expected.json')


if __name__ == '__main__':
    main()
