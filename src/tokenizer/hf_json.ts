// HF tokenizer.json (ALBERT-style: Unigram vocab, Precompiled charsmap, Replace/NFKD/StripAccents/
// Lowercase normalizers, Metaspace, template post-processor) turned into the same SentencePiece
// model + ALBERT options, so it tokenizes exactly like the spiece.model it was converted from.
import { readFileSync } from 'node:fs';
import { fileError } from '../errors.js';
import { defaultNormalizerSpec, defaultTrainerSpec, ModelType, PieceType, type Piece } from './model_proto.js';
import { SentencePieceModel } from './sentencepiece.js';

export interface TokenizerJsonResult {
  model: SentencePieceModel;
  options: { doLowerCase: boolean; keepAccents: boolean; removeSpace: boolean; clsToken?: string; sepToken?: string; maskToken?: string; padToken?: string; unkToken?: string };
}

type Json = Record<string, unknown>;

export function readTokenizerJson(path: string): TokenizerJsonResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read tokenizer.json (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw fileError(path, `not valid JSON (${(e as Error).message})`);
  }
  return fromTokenizerJson(json, path);
}

export function fromTokenizerJson(json: Json, name = 'tokenizer.json'): TokenizerJsonResult {
  const bad = (what: string) => fileError(name, what);
  const model = json.model as Json | undefined;
  if (!model || model.type !== 'Unigram') throw bad(`only Unigram models are supported (model.type is ${JSON.stringify(model?.type)})`);
  const vocab = model.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0) throw bad('model.vocab must be a non-empty [piece, score] list');
  const unkId = typeof model.unk_id === 'number' ? model.unk_id : -1;
  if (!Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length) throw bad(`model.unk_id ${String(model.unk_id)} is not a vocabulary id`);
  const special = new Set<string>();
  for (const t of (json.added_tokens as Json[] | undefined) ?? []) if (t.special && typeof t.content === 'string') special.add(t.content);
  const pieces: Piece[] = vocab.map((entry: unknown, i: number) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') throw bad(`model.vocab[${i}] must be [piece, score]`);
    const type = i === unkId ? PieceType.UNKNOWN : special.has(entry[0]) ? PieceType.CONTROL : PieceType.NORMAL;
    return { piece: entry[0], score: entry[1], type };
  });
  // Walk the normalizer sequence for the flags and the charsmap.
  const norms: Json[] = [];
  const collect = (n: Json | null | undefined) => {
    if (!n) return;
    if (n.type === 'Sequence') for (const x of (n.normalizers as Json[]) ?? []) collect(x);
    else norms.push(n);
  };
  collect(json.normalizer as Json | null);
  let charsmap = new Uint8Array(0);
  let lower = false, strip = false;
  for (const n of norms) {
    if (n.type === 'Precompiled') {
      if (typeof n.precompiled_charsmap !== 'string') throw bad('Precompiled normalizer has no precompiled_charsmap');
      charsmap = Buffer.from(n.precompiled_charsmap, 'base64');
    } else if (n.type === 'Lowercase') lower = true;
    else if (n.type === 'StripAccents') strip = true;
    // Replace ``/'' and " {2,}" are what the ALBERT layer's preprocessing already does.
  }
  const pre = json.pre_tokenizer as Json | null;
  const metas: Json[] = [];
  if (pre?.type === 'Sequence') metas.push(...((pre.pretokenizers as Json[]) ?? []).filter((p) => p.type === 'Metaspace'));
  else if (pre?.type === 'Metaspace') metas.push(pre);
  const meta = metas[0];
  const addPrefix = meta ? meta.add_prefix_space !== false && meta.prepend_scheme !== 'never' : true;
  const trainerSpec = { ...defaultTrainerSpec(), modelType: ModelType.UNIGRAM, vocabSize: pieces.length, unkId, byteFallback: model.byte_fallback === true };
  const normalizerSpec = { ...defaultNormalizerSpec(), name: 'hf_precompiled', precompiledCharsmap: charsmap, addDummyPrefix: addPrefix, removeExtraWhitespaces: true, escapeWhitespaces: true };
  let sp: SentencePieceModel;
  try {
    sp = SentencePieceModel.fromProto({ pieces, trainerSpec, normalizerSpec, denormalizerSpec: null });
  } catch (e) {
    throw bad(`invalid vocabulary: ${(e as Error).message}`);
  }
  // Special tokens from the template post-processor: [CLS] $A [SEP].
  const options: TokenizerJsonResult['options'] = { doLowerCase: lower, keepAccents: !strip, removeSpace: true, unkToken: pieces[unkId].piece };
  const post = json.post_processor as Json | null;
  const single = post?.type === 'TemplateProcessing' ? (post.single as Json[]) : null;
  if (single) {
    const specials = single.filter((x) => x.SpecialToken).map((x) => (x.SpecialToken as Json).id as string);
    if (specials.length >= 2) { options.clsToken = specials[0]; options.sepToken = specials[specials.length - 1]; }
  }
  if (special.has('[MASK]')) options.maskToken = '[MASK]';
  if (special.has('<pad>')) options.padToken = '<pad>';
  return { model: sp, options };
}
