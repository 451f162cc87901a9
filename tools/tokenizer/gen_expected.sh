#!/bin/sh
# Expected ids (and pieces for the ALBERT model) of the stress set from Debian's spm_encode, and
# spm_decode's text back from those ids, for the
# two shared models and every model under test/fixtures/tokenizer/models/. Needs ../shared/data.
set -eu
cd "$(dirname "$0")/../.."
FX=test/fixtures/tokenizer
S=$FX/stress.txt
mkdir -p $FX/expected
for m in albert-30k-clean test_sentencepiece; do
  spm_encode --model=../shared/data/tokenizers/$m.model --output_format=id < $S | gzip -9n > $FX/expected/stress.$m.ids.gz
done
spm_encode --model=../shared/data/tokenizers/albert-30k-clean.model --output_format=piece < $S | gzip -9n > $FX/expected/stress.albert-30k-clean.pieces.gz
for f in $FX/models/*.model; do
  m=$(basename "$f" .model)
  spm_encode --model="$f" --output_format=id < $S | gzip -9n > $FX/expected/stress.$m.ids.gz
done
# spm_decode of those ids: the reference for decodeIds.
for m in albert-30k-clean test_sentencepiece; do
  zcat $FX/expected/stress.$m.ids.gz | spm_decode --model=../shared/data/tokenizers/$m.model --input_format=id | gzip -9n > $FX/expected/stress.$m.decoded.gz
done
for f in $FX/models/*.model; do
  m=$(basename "$f" .model)
  zcat $FX/expected/stress.$m.ids.gz | spm_decode --model="$f" --input_format=id | gzip -9n > $FX/expected/stress.$m.decoded.gz
done
ls -l $FX/expected
