#!/usr/bin/python3
"""Reference for the ALBERT layer: HF's AlbertTokenizer behaviour (do_lower_case=True,
remove_space=True, keep_accents=False), re-implemented here from its documented steps on top of
Debian's python3-sentencepiece (HF transformers is not installable here):
  1. lower-case the text outside special tokens, one character at a time (tokenize());
  2. split out the special tokens [CLS] [SEP] <unk> <pad> [MASK] (longest match, left to right);
  3. per chunk: " ".join(text.strip().split()), `` and '' to ", NFKD minus combining characters,
     lower(); SentencePiece pieces; pieces ending in <digit>"," are re-encoded without the comma;
  4. ids via PieceToId; [CLS] A [SEP] (B [SEP]) with token types 0 (1);
  5. decode: convert_tokens_to_string (specials kept verbatim, runs of pieces decoded by
     SentencePiece), strip, clean_up_tokenization.
Also records cases with do_lower_case=False, keep_accents=True.
Writes test/fixtures/tokenizer/albert_cases.json.gz."""
import gzip
import json
import os
import unicodedata

import sentencepiece as spm

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sp = spm.SentencePieceProcessor()
sp.Load(os.path.join(ROOT, '..', 'shared', 'data', 'tokenizers', 'albert-30k-clean.model'))
SPECIALS = ['[CLS]', '[SEP]', '<unk>', '<pad>', '[MASK]']
SPECIAL_IDS = {sp.PieceToId(t) for t in SPECIALS}
U = '\u2581'


def split_specials(text):
    out, start, i = [], 0, 0
    while i < len(text):
        m = next((s for s in sorted(SPECIALS, key=len, reverse=True) if text.startswith(s, i)), None)
        if m is None:
            i += 1
            continue
        out.append((text[start:i], False))
        out.append((m, True))
        i += len(m)
        start = i
    out.append((text[start:], False))
    return [(t, s) for t, s in out if t]


def lower_outside_specials(text):
    out, i = [], 0
    while i < len(text):
        m = next((s for s in SPECIALS if text.startswith(s, i)), None)
        if m:
            out.append(m)
            i += len(m)
        else:
            out.append(text[i] if text[i] == '\n' else text[i].lower())
            i += 1
    return ''.join(out)


OPTS = {'do_lower_case': True, 'keep_accents': False}


def preprocess(t):
    t = ' '.join(t.strip().split())
    t = t.replace('``', '"').replace("''", '"')
    if not OPTS['keep_accents']:
        t = unicodedata.normalize('NFKD', t)
        t = ''.join(c for c in t if not unicodedata.combining(c))
    return t.lower() if OPTS['do_lower_case'] else t


def tokenize_chunk(text):
    pieces = sp.encode(preprocess(text), out_type=str)
    new = []
    for piece in pieces:
        if len(piece) > 1 and piece[-1] == ',' and piece[-2].isdigit():
            cur = sp.EncodeAsPieces(piece[:-1].replace(U, ''))
            if piece[0] != U and cur[0][0] == U:
                cur = cur[1:] if len(cur[0]) == 1 else [cur[0][1:]] + cur[1:]
            cur.append(piece[-1])
            new.extend(cur)
        else:
            new.append(piece)
    return new


def tokenize(text):
    tokens = []
    for chunk, special in split_specials(lower_outside_specials(text) if OPTS['do_lower_case'] else text):
        tokens.extend([chunk] if special else tokenize_chunk(chunk))
    return tokens


def clean_up(s):
    for a, b in [(' .', '.'), (' ?', '?'), (' !', '!'), (' ,', ','), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                 (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")]:
        s = s.replace(a, b)
    return s


def decode(ids, skip):
    tokens = [sp.IdToPiece(i) for i in ids if not (skip and i in SPECIAL_IDS)]
    out, cur, prev_special = '', [], False
    for tok in tokens:
        if tok in SPECIALS:
            if not prev_special:
                out += ' '
            out += sp.decode(cur) + tok
            prev_special, cur = True, []
        else:
            cur.append(tok)
            prev_special = False
    out += sp.decode(cur)
    return clean_up(out.strip())


def case(text, pair=None):
    ta = tokenize(text)
    a = [sp.PieceToId(t) for t in ta]
    ids, types = [2] + a + [3], [0] * (len(a) + 2)
    tokens = ['[CLS]'] + ta + ['[SEP]']
    if pair is not None:
        tb = tokenize(pair)
        b = [sp.PieceToId(t) for t in tb]
        ids += b + [3]
        types += [1] * (len(b) + 1)
        tokens += tb + ['[SEP]']
    c = {'text': text, 'ids': ids, 'tokens': tokens, 'type_ids': types,
         'decode': decode(ids, False), 'decode_skip': decode(ids, True)}
    if pair is not None:
        c['pair'] = pair
    return c


HAND = [
    'Test sentence with [MASK].', 'How are you doing?', 'Hello World!', "``Quoted'' text with ``backticks''",
    'Café naïve résumé façade Ångström ÉCOLE', 'The price is 1,000,000 dollars, or 9, maybe 10,5.',
    'Numbers: 3,14, 2,5, ٣,٤ and ², ½, ⅷ,', '  leading\tand\ntrailing  whitespace\u3000 ', 'İstanbul ΣΑΣ ΟΔΥΣΣΕΥΣ',
    'hello[MASK]world [MASK][MASK] [CLS]x[SEP] <unk> <pad> <PAD> <UNK> [mask] [Mask]', 'ﬁne ﬂower ＦＵＬＬ ｗｉｄｔｈ ㎏ ℃',
    "Don't you think it's, like, they're here? I'm sure we've won!", 'emoji 👍🏽 and 👨\u200d👩\u200d👧 and 🇺🇸',
    'zero\u200bwidth soft\u00adhyphen \ufeffbom', '', '   ', 'a' * 300, 'Ça va? Ñandú. Ærø. Œuvre. Straße.',
    'ALBERT: A Lite BERT for Self-supervised Learning of Language Representations',
    '中文字符 日本語のテキスト 한국어 텍스트', 'x\u0301\u0302 \u0301start', 'MiXeD CaSe WoRdS', '1,2,3,4,5,',
]
PAIRS = [('Question?', 'Answer'), ('Who wrote Hamlet?', 'Hamlet was written by William Shakespeare around 1600.'),
         ('', 'empty first'), ('[MASK] is here', 'and [SEP] there'), ('  ', 'x')]

cases = [case(t) for t in HAND] + [case(a, b) for a, b in PAIRS]
with open(os.path.join(ROOT, 'test', 'fixtures', 'tokenizer', 'stress.txt'), 'rb') as f:
    stress = f.read().split(b'\n')[:-1]
valid = []
for line in stress:
    try:
        valid.append(line.decode('utf-8'))
    except UnicodeDecodeError:
        pass
cases += [case(t) for t in valid]
cases += [case(valid[i], valid[i + 1]) for i in range(0, len(valid) - 1, 7)]
# The other options: do_lower_case=False, keep_accents=True, on the hand cases and every 5th stress line.
OPTS.update(do_lower_case=False, keep_accents=True)
cased = [case(t) for t in HAND + valid[::5]]
data = json.dumps({'model': 'albert-30k-clean.model', 'cases': cases,
                   'cased_keep_accents': cased}, ensure_ascii=False).encode('utf-8')
with open(os.path.join(ROOT, 'test', 'fixtures', 'tokenizer', 'albert_cases.json.gz'), 'wb') as f:
    f.write(gzip.compress(data, compresslevel=9, mtime=0))
print(len(cases), 'cases,', len(cased), 'cased/keep_accents cases')
