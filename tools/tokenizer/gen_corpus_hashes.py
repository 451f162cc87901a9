#!/usr/bin/python3
"""For every book in ../shared/data/corpus/gutenberg and both shared models, records what Debian's
spm_encode (the C++ reference) outputs with --output_format=id: the line count, the sha256 of the
whole output, and a 64-bit prefix of the sha256 of every block of 2000 output lines (to locate a
mismatch). Writes test/fixtures/tokenizer/corpus_spm_hashes.json."""
import hashlib
import json
import os
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DATA = os.path.join(ROOT, '..', 'shared', 'data')
BOOKS = os.path.join(DATA, 'corpus', 'gutenberg')
BLOCK = 2000

result = {'block_lines': BLOCK, 'format': 'ids joined by " ", one line per input line, each ending in "\\n"', 'models': {}}
for model in ['albert-30k-clean.model', 'test_sentencepiece.model']:
    books = {}
    for name in sorted(os.listdir(BOOKS)):
        if not name.endswith('.txt'):
            continue
        with open(os.path.join(BOOKS, name), 'rb') as f:
            out = subprocess.run(['spm_encode', '--model=' + os.path.join(DATA, 'tokenizers', model), '--output_format=id'],
                                 stdin=f, capture_output=True, check=True).stdout
        lines = out.split(b'\n')[:-1]
        blocks = [hashlib.sha256(b''.join(l + b'\n' for l in lines[i:i + BLOCK])).hexdigest()[:16] for i in range(0, len(lines), BLOCK)]
        books[name] = {'lines': len(lines), 'sha256': hashlib.sha256(out).hexdigest(), 'blocks': blocks}
    result['models'][model] = books
with open(os.path.join(ROOT, 'test', 'fixtures', 'tokenizer', 'corpus_spm_hashes.json'), 'w') as f:
    json.dump(result, f, indent=0, sort_keys=True)
    f.write('\n')
