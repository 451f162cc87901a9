// Shared bits of the task tests: a scratch folder, file writing, and a tiny ALBERT-style tokenizer
// (whole words of the tests, then single characters) so that featurization tests run without ../shared/data.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AlbertTokenizer, SentencePieceModel, writeSentencePieceModel, PieceType } from '../src/tokenizer/index.js';

const scratchDirs: string[] = [];
process.on('exit', () => { for (const d of scratchDirs) rmSync(d, { recursive: true, force: true }); });

/** A fresh folder under the system's temporary folder, removed when the test process exits. */
export function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `albert-${name}-`));
  scratchDirs.push(dir);
  return dir;
}

/** Writes `text` at dir/rel (folders made) and returns the path. */
export function put(dir: string, rel: string, text: string | Buffer): string {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const WORDS = ['the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'who', 'what', 'where', 'is', 'was', 'in', 'paris', 'france', 'capital', 'of', 'city', 'river', 'blue', 'red'];

let cached: AlbertTokenizer | null = null;

/** [CLS]/[SEP]/<pad>/[MASK] at ALBERT's ids 0..4, the test words, then a-z, 0-9 and punctuation as single pieces. */
export function tinyTokenizer(): AlbertTokenizer {
  cached ??= new AlbertTokenizer(SentencePieceModel.fromBytes(tinyTokenizerModel(), 'tiny'));
  return cached;
}

/** tinyTokenizer's SentencePiece model written at dir/tiny.model (for the commands' --tokenizer). */
export function tinyTokenizerFile(dir: string): string {
  return put(dir, 'tiny.model', Buffer.from(tinyTokenizerModel()));
}

/** tinyTokenizer's SentencePiece model file, as bytes. */
export function tinyTokenizerModel(): Uint8Array {
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789.,?!\'"-_%'];
  return writeSentencePieceModel({
    pieces: [
      { piece: '<pad>', type: PieceType.CONTROL, score: 0 }, { piece: '<unk>', type: PieceType.UNKNOWN, score: 0 },
      { piece: '[CLS]', type: PieceType.CONTROL, score: 0 }, { piece: '[SEP]', type: PieceType.CONTROL, score: 0 },
      { piece: '[MASK]', type: PieceType.CONTROL, score: 0 },
      ...WORDS.map((w) => ({ piece: '\u2581' + w, score: -1 })),
      { piece: '\u2581', score: -2 },
      ...chars.map((c) => ({ piece: c, score: -3 })),
    ],
    trainerSpec: { unkId: 1, bosId: 2, eosId: 3, padId: 0, unkPiece: '<unk>', bosPiece: '[CLS]', eosPiece: '[SEP]', padPiece: '<pad>' },
  });
}
