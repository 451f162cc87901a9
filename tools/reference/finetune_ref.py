#!/usr/bin/python3
"""Training-trajectory fixtures for `albert finetune` (issue 13 §5), from an independent PyTorch reference.

    /usr/bin/python3 tools/reference/finetune_ref.py [--tokenizer SPIECE] [--check-precision] [OUT_DIR]
    (default OUT_DIR test/fixtures/finetune, tokenizer ../shared/data/tokenizers/albert-30k-clean.model)

Per case (sst2: glue/sst2 classification, stsb: glue/stsb regression, squad1: the span head, race: multiple
choice) OUT_DIR/<case>/ holds
  model/          an HF directory (config.json, model.safetensors in F16) with random weights INCLUDING the
                  head, so that neither side initializes anything; no spiece.model (the public ALBERT model
                  is not copied into the repo: the test adds it from ../shared/data)
  data/           the task's files in the official layouts (GLUE's train.tsv/dev.tsv, SQuAD 1.1 JSON,
                  RACE/{train,dev}/{middle,high}/<n>.txt)
  expected.json   the flags to run with, every training unit as tokenized here, and per optimizer step
                  (1-based, as metrics.jsonl counts them) the batch's mean loss before the update, the
                  learning rate the update used and the gradient norm before clipping; and each
                  tensor's norm after the last step (null for a tensor the loss does not depend on,
                  whose gradient is rounding noise that Adam turns into full-size steps)
How the reference trains, as HF's Trainer does: AlbertFor<Head> (albert_ref.py, float64) with dropout 0,
torch.optim.AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01 except on biases and LayerNorm weights),
get_linear_schedule_with_warmup's factor (s/W for s < W, else max(0, (T-s)/(T-W)); update s counted from 0,
so the first update has rate 0), torch.nn.utils.clip_grad_norm_(1.0), and the contract's batches
(--no-shuffle: units in file order, batch k = units kB .. kB+B-1 of the stream, wrapping to the start)
padded to max_seq_length.

Tokenization is done here with Debian's python3-sentencepiece and HF AlbertTokenizer's rules
(collapse whitespace, `` and '' to ", NFKD without combining marks, lower case; the digit-comma split),
[CLS] A [SEP] B [SEP] with segment ids, HF's longest_first pair truncation; SQuAD windows as
[CLS] question [SEP] context [SEP] with the answer's token span from the pieces' character spans; RACE as
race_utils ("_" replaced by the option, else appended; the qa's last tokens and the article's first).

--check-precision also runs every trajectory in float32 and prints how far it is from the float64 one:
the tolerance the test uses (1e-4 relative) must be well above that.
"""
import json
import os
import re
import sys
import unicodedata

import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from albert_ref import HEAD_CLASSES, RefAlbert, write_safetensors  # noqa: E402
from make_fixtures import random_weights, state_dict_shapes  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPIECE_UNDERLINE = '\u2581'

# The tiny ALBERT of every case: the real 30k vocabulary, everything else small; dropout 0 everywhere.
CONFIG = dict(vocab_size=30000, embedding_size=16, hidden_size=32, num_attention_heads=2, intermediate_size=64,
              max_position_embeddings=64, type_vocab_size=2, num_hidden_layers=2, num_hidden_groups=1,
              inner_group_num=1, hidden_act='gelu_new', hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              classifier_dropout_prob=0.0, initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0,
              bos_token_id=2, eos_token_id=3)
PAD, CLS, SEP = 0, 2, 3
STEPS, BATCH, WARMUP, WEIGHT_DECAY, CLIP = 30, 4, 5, 0.01, 1.0
NO_DECAY = re.compile(r'LayerNorm|layer_norm|bias')


# ---------------------------------------------------------------------------------------------------------
# Tokenization (HF AlbertTokenizer's behaviour, on top of the SentencePiece model)

class Tokenizer:
    def __init__(self, path):
        self.sp = spm.SentencePieceProcessor(model_file=path)
        assert self.sp.piece_to_id('[CLS]') == CLS and self.sp.piece_to_id('[SEP]') == SEP and self.sp.piece_to_id('<pad>') == PAD

    @staticmethod
    def preprocess(text):
        t = ' '.join(text.strip().split())
        t = t.replace('``', '"').replace("''", '"')
        t = ''.join(c for c in unicodedata.normalize('NFKD', t) if not unicodedata.combining(c))
        return t.lower()

    def pieces(self, text):
        out = []
        for piece in self.sp.encode(self.preprocess(text), out_type=str):
            # A piece like "▁9," is split into "▁9" and "," (HF's rule for numbers with thousands separators).
            if len(piece) > 1 and piece[-1] == ',' and piece[-2].isdigit():
                cur = self.sp.encode(piece[:-1].replace(SPIECE_UNDERLINE, ''), out_type=str)
                if piece[0] != SPIECE_UNDERLINE and cur[0][0] == SPIECE_UNDERLINE:
                    cur = cur[1:] if len(cur[0]) == 1 else [cur[0][1:]] + cur[1:]
                out += cur + [',']
            else:
                out.append(piece)
        return out

    def ids(self, text):
        return [self.sp.piece_to_id(p) for p in self.pieces(text)]

    def spans(self, text):
        """Ids and each piece's [start, end) in `text`, which must be what preprocessing leaves unchanged
        but for ASCII case (single spaces, no accents), so that positions carry over; a piece's leading
        space (▁) is not part of its span (as HF's offsets)."""
        t = self.preprocess(text)
        assert len(t) == len(text) and t == text.lower(), f'context must be plain single-spaced text: {text!r}'
        pieces = self.pieces(text)
        assert ''.join(pieces).replace(SPIECE_UNDERLINE, ' ') == ' ' + t, pieces
        out, pos = [], -1  # position in t of the piece's first character (the dummy prefix space is -1)
        for p in pieces:
            surface = p.replace(SPIECE_UNDERLINE, ' ')
            start = pos + 1 if surface.startswith(' ') else pos
            out.append((self.sp.piece_to_id(p), start, pos + len(surface)))
            pos += len(surface)
        return out


def pair_row(a, b, max_len):
    """[CLS] a [SEP] (b [SEP]) with HF's longest_first truncation (pop the longer; b when equal)."""
    a, b = list(a), None if b is None else list(b)
    room = max_len - (3 if b is not None else 2)
    if b is None:
        a = a[:room]
    else:
        while len(a) + len(b) > room:
            (a if len(a) > len(b) else b).pop()
    ids = [CLS] + a + [SEP] + ([] if b is None else b + [SEP])
    return {'input_ids': ids, 'token_type_ids': [0] * (len(a) + 2) + [1] * (len(ids) - len(a) - 2)}


# ---------------------------------------------------------------------------------------------------------
# The data of each case, and its units as the model sees them

SST2_TRAIN = [
    ('hide new secretions from the parental units ', 0),
    ('contains no wit , only labored gags ', 0),
    ('that loves its characters and communicates something rather beautiful about human nature ', 1),
    ('remains utterly satisfied to remain the same throughout ', 0),
    ('A Charming, Naïve café comedy that the whole family will enjoy', 1),
    ('the "best" film of the year , full stop', 1),
    ('on the worst revenge-of-the-nerds clichés the filmmakers could dredge up ', 0),
    ('far too long , far too loud and, in 1998, at 1,000 minutes of   tedium, far too much like a lecture on '
     'the history of nothing in particular that never seems to end ', 0),
    ('a gorgeous , witty , seductive movie . ', 1),
    ("it 's a cookie-cutter movie , a cut-and-paste job . ", 0),
]
SST2_DEV = [('a masterpiece four years in the making . ', 1), ('a dull , simple-minded and stereotypical tale', 0),
            ('the acting is strong', 1)]

STSB_TRAIN = [
    ('A plane is taking off.', 'An air plane is taking off.', '5.000'),
    ('A man is playing a large flute.', 'A man is playing a flute.', '3.800'),
    ('A man is spreading shreded cheese on a pizza.', 'A man is spreading shredded cheese on an uncooked pizza.', '3.800'),
    ('Three men are playing chess.', 'Two men are playing chess.', '2.600'),
    ('A man is playing the cello.', 'A man seated is playing the cello.', '4.250'),
    ('Some men are fighting.', 'Two men are fighting.', '4.250'),
    ('A man is smoking.', 'A man is skating.', '0.500'),
    ('The man is playing the piano, slowly and with great care, in a large and very empty concert hall at night.',
     'A woman is playing the violin.', '0.600'),
    ('A man is playing on a guitar and singing.', 'A woman is playing an acoustic guitar and singing.', '2.200'),
    ('A person is throwing a cat on to the ceiling.', 'A person throws a cat on the ceiling.', '5.000'),
]
STSB_DEV = [('A man with a hard hat is dancing.', 'A man wearing a hard hat is dancing.', '5.000'),
            ('A young child is riding a horse.', 'A child is riding a horse.', '4.750'),
            ('A woman is slicing an onion.', 'A man is cutting up a tomato.', '0.800')]

SQUAD_TRAIN = [
    ('Denver Broncos', [
        ('The Denver Broncos defeated the Carolina Panthers 24 to 10 to earn their third Super Bowl title.', [
            ('Which team won the game?', 'Denver Broncos'),
            ('Who lost the game?', 'Carolina Panthers'),
            ('How many Super Bowl titles did Denver have after the game?', 'third'),
        ]),
        ('The game was played on February 7 at Levi Stadium in Santa Clara, California.', [
            ('Where was the game played?', 'Levi Stadium'),
            ('On what date was the game played?', 'February 7'),
            ('In which state is Santa Clara?', 'California'),
        ]),
    ]),
    ('Normans', [
        ('The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.', [
            ('In what country is Normandy located?', 'France'),
            ('When did the Normans give their name to Normandy?', '10th and 11th centuries'),
        ]),
        ('Their leader Rollo swore fealty to King Charles III of West Francia.', [
            ('Who was the leader of the Normans?', 'Rollo'),
            ('To whom did Rollo swear fealty?', 'King Charles III'),
        ]),
    ]),
]
SQUAD_DEV = [
    ('Oxygen', [
        ('Oxygen is a chemical element with symbol O and atomic number 8.', [
            ('What is the atomic number of oxygen?', '8'),
            ('What is the symbol of oxygen?', 'O'),
        ]),
    ]),
]

# RACE passages: (split, level, file name, article, [(question, [4 options], answer letter)])
RACE_FILES = [
    ('train', 'middle', '2.txt', 'Tom has a small dog. The dog is brown and very friendly. Every morning Tom walks the dog '
     'in the park before school.', [
         ('What color is the dog?', ['Black', 'White', 'Brown', 'Grey'], 'C'),
         ('Tom walks the dog in the _ .', ['garden', 'park', 'street', 'school'], 'B'),
         ('Tom is a _ .', ['teacher', 'doctor', 'student', 'farmer'], 'C'),
     ]),
    ('train', 'middle', '10.txt', 'Mary likes reading books. She goes to the library on Saturdays and borrows two or '
     'three books each time. Her favourite books are about animals and faraway countries. Last week she read a book '
     'about elephants in Africa, and she told all her friends about how elephants remember their families for many '
     'years and travel long distances to find water in the dry season.', [
         ('When does Mary go to the library?', ['On Sundays', 'On Saturdays', 'Every day', 'On Mondays'], 'B'),
         ('What did Mary read about last week?', ['Lions', 'Tigers', 'Elephants', 'Birds'], 'C'),
         ('Which of the following is true according to the passage about the books that Mary likes to borrow and '
          'read at the library on the weekend?', ['She never reads', 'She likes animals', 'She hates Africa',
                                                  'She buys books'], 'B'),
     ]),
    ('train', 'high', '1.txt', 'The city council voted on Tuesday to build a new bridge across the river. The bridge '
     'will cost ten million dollars and take three years to finish.', [
         ('How long will it take to build the bridge?', ['One year', 'Two years', 'Three years', 'Ten years'], 'C'),
         ('The new bridge will cost _ dollars.', ['one million', 'three million', 'ten million', 'a billion'], 'C'),
         ('Who voted to build the bridge?', ['The mayor', 'The city council', 'The people', 'The river'], 'B'),
     ]),
    ('dev', 'middle', '1.txt', 'Lucy has two cats. One is white and the other is black.', [
        ('How many cats does Lucy have?', ['One', 'Two', 'Three', 'Four'], 'B'),
    ]),
    ('dev', 'high', '1.txt', 'The museum opens at nine in the morning and closes at five in the afternoon.', [
        ('When does the museum close?', ['At nine', 'At noon', 'At five', 'At six'], 'C'),
    ]),
]


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)


def sst2_case(tok, data):
    write_text(os.path.join(data, 'train.tsv'), 'sentence\tlabel\n' + ''.join(f'{s}\t{l}\n' for s, l in SST2_TRAIN))
    write_text(os.path.join(data, 'dev.tsv'), 'sentence\tlabel\n' + ''.join(f'{s}\t{l}\n' for s, l in SST2_DEV))
    msl = 24
    units = [dict(pair_row(tok.ids(s), None, msl), labels=l) for s, l in SST2_TRAIN]
    return dict(task='glue/sst2', head='sequence-classification', num_labels=2, problem_type='single_label_classification',
                id2label={'0': '0', '1': '1'}, max_seq_length=msl, units=units, flags={'max-seq-length': msl},
                description='GLUE SST-2 layout (header sentence/label, bare quotes, accents, a row longer than '
                            'max-seq-length, the digit-comma split): 2-way sequence classification')


def stsb_row(i, a, b, score):
    return f'{i}\tmain-captions\tMSRvid\t2012test\t{i + 1:04d}\tnone\tnone\t{a}\t{b}\t{score}\n'


def stsb_case(tok, data):
    header = 'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n'
    write_text(os.path.join(data, 'train.tsv'), header + ''.join(stsb_row(i, *r) for i, r in enumerate(STSB_TRAIN)))
    write_text(os.path.join(data, 'dev.tsv'), header + ''.join(stsb_row(i, *r) for i, r in enumerate(STSB_DEV)))
    msl = 24
    units = [dict(pair_row(tok.ids(a), tok.ids(b), msl), labels=float(s)) for a, b, s in STSB_TRAIN]
    return dict(task='glue/stsb', head='sequence-classification', num_labels=1, problem_type='regression',
                id2label={'0': 'LABEL_0'}, max_seq_length=msl, units=units, flags={'max-seq-length': msl},
                description='GLUE STS-B layout (10 columns, sentence pair, float score): regression with one output and '
                            'MSE, a pair over max-seq-length truncated longest-first')


def squad_json(articles):
    data = []
    n = 0
    for title, paragraphs in articles:
        ps = []
        for context, qas in paragraphs:
            qs = []
            for question, answer in qas:
                start = re.search(r'\b' + re.escape(answer) + r'\b', context).start()
                qs.append({'answers': [{'answer_start': start, 'text': answer}], 'question': question, 'id': f'q{n:03d}'})
                n += 1
            ps.append({'context': context, 'qas': qs})
        data.append({'title': title, 'paragraphs': ps})
    return {'data': data, 'version': '1.1'}


def squad_case(tok, data):
    train = squad_json(SQUAD_TRAIN)
    write_text(os.path.join(data, 'train.json'), json.dumps(train) + '\n')
    write_text(os.path.join(data, 'dev.json'), json.dumps(squad_json(SQUAD_DEV)) + '\n')
    msl = 64
    units = []
    for article in train['data']:
        for p in article['paragraphs']:
            ctx = tok.spans(p['context'])
            for qa in p['qas']:
                q = tok.ids(qa['question'])
                ids = [CLS] + q + [SEP] + [i for i, _, _ in ctx] + [SEP]
                assert len(ids) <= msl, 'every example must be one window'
                a = qa['answers'][0]
                a0, a1 = a['answer_start'], a['answer_start'] + len(a['text'])
                first = len(q) + 2
                # The first and last context token the answer covers (answers here start and end on word boundaries).
                s = first + max(k for k, (_, b, _) in enumerate(ctx) if b <= a0)
                e = first + max(k for k, (_, b, _) in enumerate(ctx) if b < a1)
                assert p['context'][ctx[s - first][1]:ctx[e - first][2]] == a['text'], (a['text'], s, e)
                units.append({'input_ids': ids, 'token_type_ids': [0] * first + [1] * (len(ids) - first),
                              'start_positions': s, 'end_positions': e})
    return dict(task='squad1', head='question-answering', max_seq_length=msl, units=units, data_file='train.json',
                eval_data='dev.json', flags={'max-seq-length': msl, 'doc-stride': 16},
                description='SQuAD 1.1 JSON, contexts short enough for one window each: the span head, '
                            'loss (CE(start) + CE(end)) / 2')


def race_qa(question, option):
    return question.replace('_', option) if '_' in question else f'{question} {option}'


def race_case(tok, data):
    for split, level, name, article, qs in RACE_FILES:
        obj = {'answers': [a for _, _, a in qs], 'options': [o for _, o, _ in qs], 'questions': [q for q, _, _ in qs],
               'article': article, 'id': f'{level}{name}'}
        write_text(os.path.join(data, 'RACE', split, level, name), json.dumps(obj) + '\n')
    msl, max_qa = 64, 16
    units = []
    # File order: levels middle then high, each folder's <n>.txt in numeric order, questions in order.
    train = [f for f in RACE_FILES if f[0] == 'train']
    train.sort(key=lambda f: (['middle', 'high'].index(f[1]), int(f[2].split('.')[0])))
    for _, _, _, article, qs in train:
        art = tok.ids(article)
        for question, options, answer in qs:
            ids, types = [], []
            for option in options:
                qa = tok.ids(race_qa(question, option))[-max_qa:]
                a = art[:msl - 3 - len(qa)]
                row = [CLS] + a + [SEP] + qa + [SEP]
                ids.append(row)
                types.append([0] * (len(a) + 2) + [1] * (len(qa) + 1))
            units.append({'input_ids': ids, 'token_type_ids': types, 'labels': 'ABCD'.index(answer)})
    return dict(task='race', head='multiple-choice', max_seq_length=msl, units=units,
                flags={'max-seq-length': msl, 'max-qa-length': max_qa},
                description='RACE original layout (middle then high, <n>.txt in numeric order; "_" questions; an '
                            'article and a question cut to fit): 4-way multiple choice')


CASES = {'sst2': (sst2_case, 1e-3, 11), 'stsb': (stsb_case, 1e-3, 12), 'squad1': (squad_case, 1e-3, 13),
         'race': (race_case, 1e-3, 14)}


# ---------------------------------------------------------------------------------------------------------
# The model directory and the training run

def model_config(spec):
    c = dict(CONFIG)
    c['architectures'] = [HEAD_CLASSES[spec['head']]]
    c['model_type'] = 'albert'
    c['position_embedding_type'] = 'absolute'
    c['torch_dtype'] = 'float16'
    if 'num_labels' in spec:
        c['id2label'] = spec['id2label']
        c['label2id'] = {v: int(k) for k, v in spec['id2label'].items()}
        c['problem_type'] = spec['problem_type']
    return dict(sorted(c.items()))


def write_model(model_dir, spec, seed):
    """Random weights (albert_ref's trained-like magnitudes) stored as F16; returns the stored values."""
    cfg = dict(CONFIG, num_labels=spec.get('num_labels', 2))
    shapes = state_dict_shapes(cfg, spec['head'])
    w32 = random_weights(shapes, np.random.default_rng(seed))
    stored = [(n, w32[n].astype(np.float16)) for n, _ in shapes]
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, 'config.json'), 'w') as f:
        json.dump(model_config(spec), f, indent=2)
        f.write('\n')
    write_safetensors(os.path.join(model_dir, 'model.safetensors'), stored, {'format': 'pt'})
    return {n: a for n, a in stored}


def collate(units, spec, dtype):
    """Units -> the head's batch, padded (id 0, mask 0, segment 0) to max_seq_length."""
    S = spec['max_seq_length']

    def pad(rows):
        ids = np.full((len(rows), S), PAD, dtype=np.int64)
        mask = np.zeros((len(rows), S), dtype=np.int64)
        for r, row in enumerate(rows):
            ids[r, :len(row)] = row
            mask[r, :len(row)] = 1
        return ids, mask

    if spec['head'] == 'multiple-choice':
        C = len(units[0]['input_ids'])
        ids, mask = pad([row for u in units for row in u['input_ids']])
        tt, _ = pad([row for u in units for row in u['token_type_ids']])
        ids, mask, tt = (x.reshape(len(units), C, S) for x in (ids, mask, tt))
    else:
        ids, mask = pad([u['input_ids'] for u in units])
        tt, _ = pad([u['token_type_ids'] for u in units])
    b = {'input_ids': torch.tensor(ids), 'attention_mask': torch.tensor(mask), 'token_type_ids': torch.tensor(tt)}
    if spec['head'] == 'question-answering':
        b['start_positions'] = torch.tensor([u['start_positions'] for u in units])
        b['end_positions'] = torch.tensor([u['end_positions'] for u in units])
    elif spec.get('problem_type') == 'regression':
        # Targets rounded to float32, as the TypeScript batches hold them (then computed with in float64).
        b['labels'] = torch.tensor(np.array([u['labels'] for u in units], dtype=np.float32), dtype=dtype)
    else:
        b['labels'] = torch.tensor([u['labels'] for u in units])
    return b


def lr_factor(s, warmup, total):
    """HF get_linear_schedule_with_warmup's lr_lambda at update s (0-based)."""
    if s < warmup:
        return s / max(1, warmup)
    return max(0.0, (total - s) / max(1, total - warmup))


def train(spec, weights, lr, dtype):
    cfg = dict(CONFIG, num_labels=spec.get('num_labels', 2))
    if 'problem_type' in spec:
        cfg['problem_type'] = spec['problem_type']
    params = {n: torch.tensor(a.astype(np.float64), dtype=dtype, requires_grad=True) for n, a in weights.items()}
    model = RefAlbert(cfg, spec['head'], params)
    decay = [p for n, p in params.items() if not NO_DECAY.search(n)]
    no_decay = [p for n, p in params.items() if NO_DECAY.search(n)]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': WEIGHT_DECAY}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=lr, betas=(0.9, 0.999), eps=1e-8)
    units = spec['units']
    out = []
    share = dict.fromkeys(params, 0.0)  # each tensor's largest share of the gradient norm
    for s in range(STEPS):
        batch = collate([units[(s * BATCH + k) % len(units)] for k in range(BATCH)], spec, dtype)
        loss = model.loss(model.forward(batch), batch)['loss']
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), CLIP)
        for n, p in params.items():  # after clipping: relative to the clipped norm, min(norm, CLIP)
            share[n] = max(share[n], float(p.grad.norm()) / min(float(norm), CLIP))
        rate = lr * lr_factor(s, WARMUP, STEPS)
        for g in opt.param_groups:
            g['lr'] = rate
        opt.step()
        opt.zero_grad()
        out.append({'step': s + 1, 'loss': float(loss), 'lr': rate, 'grad_norm': float(norm)})
    # A tensor the loss does not depend on (the attention key bias: softmax over keys ignores what it adds
    # per query; the span head's bias: softmax over positions; multiple choice's bias: softmax over choices)
    # has a gradient of rounding noise only, which Adam's m / sqrt(v) turns into full-size steps: its
    # final value is noise, so it gets no final norm (null) to compare.
    return out, {n: float(p.detach().norm()) if share[n] > 1e-9 else None for n, p in params.items()}


def make_case(out_dir, name, tok, check_precision):
    build, lr, seed = CASES[name]
    case = os.path.join(out_dir, name)
    data = os.path.join(case, 'data')
    spec = build(tok, data)
    weights = write_model(os.path.join(case, 'model'), spec, seed)
    torch.set_default_dtype(torch.float64)
    steps, final_norms = train(spec, weights, lr, torch.float64)
    change = abs(steps[-1]['loss'] - steps[0]['loss']) / steps[0]['loss']
    print(f'{name}: loss {steps[0]["loss"]:.5f} -> {steps[-1]["loss"]:.5f} ({100 * change:.0f}% change), '
          f'{len(spec["units"])} units')
    assert change > 0.1, f'{name}: the weights must move enough to change the loss by > 10% ({100 * change:.1f}%)'
    if check_precision:
        torch.set_default_dtype(torch.float32)
        s32, n32 = train(spec, weights, lr, torch.float32)
        torch.set_default_dtype(torch.float64)
        rel = max(abs(a['loss'] - b['loss']) / abs(b['loss']) for a, b in zip(s32, steps))
        nrel = max(abs(n32[n] - v) / v for n, v in final_norms.items() if v is not None)
        print('  noise-driven (no final norm):', ', '.join(n for n, v in final_norms.items() if v is None))
        print(f'  float32 vs float64: max relative loss difference {rel:.2e}, final weight norms {nrel:.2e}')
    flags = {'steps': STEPS, 'batch-size': BATCH, 'lr': lr, 'warmup-steps': WARMUP, 'weight-decay': WEIGHT_DECAY,
             'clip-norm': CLIP, **spec['flags']}
    expected = {
        'description': spec['description'],
        'task': spec['task'],
        'data': 'data/' + spec['data_file'] if 'data_file' in spec else 'data',
        **({'eval_data': 'data/' + spec['eval_data']} if 'eval_data' in spec else {}),
        'model': 'model',
        'flags': flags,
        'units': spec['units'],
        'steps': steps,
        'final_norms': final_norms,
    }
    with open(os.path.join(case, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')


def main():
    args = sys.argv[1:]
    check = '--check-precision' in args
    args = [a for a in args if a != '--check-precision']
    spiece = os.path.join(ROOT, '..', 'shared', 'data', 'tokenizers', 'albert-30k-clean.model')
    if '--tokenizer' in args:
        i = args.index('--tokenizer')
        spiece = args[i + 1]
        del args[i:i + 2]
    out = args[0] if args else os.path.join(ROOT, 'test', 'fixtures', 'finetune')
    tok = Tokenizer(spiece)
    for name in CASES:
        make_case(out, name, tok, check)


if __name__ == '__main__':
    main()
