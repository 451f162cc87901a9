#!/bin/sh
# Trains small SentencePiece models of every kind with Debian's spm_train (BPE, CHAR, WORD, unigram
# with byte fallback, unigram with a custom normalization TSV + user-defined/control symbols +
# whitespace-as-suffix) into test/fixtures/tokenizer/models/. Needs ../shared/data (a book).
set -eu
cd "$(dirname "$0")/../.."
OUT=test/fixtures/tokenizer/models
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
# Training text: the first 3000 lines of a book plus the stress lines that are valid UTF-8.
head -n 3000 ../shared/data/corpus/gutenberg/11-0.txt > "$TMP/book.txt"
cp "$TMP/book.txt" "$TMP/train.txt"
iconv -f UTF-8 -t UTF-8 -c < test/fixtures/tokenizer/stress.txt | grep -v '^$' | cut -c1-2000 >> "$TMP/train.txt" || true
common="--input=$TMP/train.txt --minloglevel=2 --num_threads=1 --seed_sentencepiece_size=20000 --shuffle_input_sentence=false"
spm_train $common --model_prefix="$TMP/bpe" --model_type=bpe --vocab_size=800 --normalization_rule_name=identity --user_defined_symbols='ﬁ,<sym>' >/dev/null 2>&1
spm_train $common --model_prefix="$TMP/bytefb" --model_type=unigram --vocab_size=700 --normalization_rule_name=identity --byte_fallback=true >/dev/null 2>&1
# Llama-style: BPE with byte fallback, digits split, whitespace kept (trained on the book only: the
# stress lines' rare characters would not fit its vocabulary; they exercise the byte fallback).
spm_train --input="$TMP/book.txt" --minloglevel=2 --num_threads=1 --shuffle_input_sentence=false --model_prefix="$TMP/bpe_bytefb" \
  --model_type=bpe --vocab_size=600 --normalization_rule_name=identity --byte_fallback=true --split_digits=true --remove_extra_whitespaces=false >/dev/null 2>&1
spm_train $common --model_prefix="$TMP/char" --model_type=char --normalization_rule_name=identity >/dev/null 2>&1
spm_train $common --model_prefix="$TMP/word" --model_type=word --vocab_size=1500 --normalization_rule_name=identity >/dev/null 2>&1
# A small custom charsmap: ligature, case, a two-character source (longest match), compatibility, spaces.
printf 'FB01\t66 69\n41\t61\n61 62\t58\n2116\t4E 6F\n3000\t20\n9\t20 20\nE9\t65 301\n' > "$TMP/rules.tsv"
spm_train $common --model_prefix="$TMP/custom" --model_type=unigram --vocab_size=600 --normalization_rule_tsv="$TMP/rules.tsv" \
  --user_defined_symbols='ﬁ,№,[MASK]' --control_symbols='[CLS],[SEP]' --treat_whitespace_as_suffix=true \
  --add_dummy_prefix=false --remove_extra_whitespaces=false >/dev/null 2>&1
for m in bpe bpe_bytefb bytefb char word custom; do cp "$TMP/$m.model" "$OUT/$m.model"; done
ls -l "$OUT"
