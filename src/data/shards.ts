// Binary pretraining shards: a directory with index.json and shard-NNNNN.bin files, written
// streaming (constant memory) and read back by instance number (random access, for shuffling
// and exact resume).
//
// shard-NNNNN.bin, little-endian:
//   header  "ALBTSHD1" | u32 version (1) | u32 idBytes (2 or 4)
//   records, one per instance:
//     u16 len | u16 lenA | u8 label | u8 nMasked | u16 0 | ids[len] | positions[nMasked] u16 | maskedIds[nMasked]
//     (ids and maskedIds are idBytes wide; token types are 0 for the first lenA tokens, 1 after)
//   footer  u32 offsets[count] (file offset of each record) | u32 count | "ALBTIDX1"
import fs from 'node:fs';
import path from 'node:path';
import { fileError } from '../errors.js';
import type { Instance, Objective } from './instances.js';

export const INDEX_FILE = 'index.json';
const SHARD_MAGIC = 'ALBTSHD1';
const FOOTER_MAGIC = 'ALBTIDX1';
const HEADER_BYTES = 16;
const RECORD_HEADER = 8;

/** What a shard directory holds; stored as index.json. */
export interface ShardIndex {
  format: 'albert-ts-pretraining-shards';
  version: 1;
  objective: Objective;
  max_seq_length: number;
  max_predictions_per_seq: number;
  id_bytes: 2 | 4;
  vocab_size: number;
  cls_id: number; sep_id: number; mask_id: number; pad_id: number;
  tokenizer_sha256: string;
  instances: number;
  tokens: number;
  shards: { file: string; instances: number }[];
  /** The options that created the data (for the record). */
  options: Record<string, unknown>;
}

/** An instance as stored: everything training needs. */
export interface StoredInstance {
  inputIds: Int32Array; lenA: number; label: number; maskedPositions: Int32Array; maskedIds: Int32Array;
}

export type ShardMeta = Omit<ShardIndex, 'format' | 'version' | 'id_bytes' | 'instances' | 'tokens' | 'shards'>;

/** Writes instances into numbered shards of at most `perShard` instances, then index.json. */
export class ShardWriter {
  private readonly idBytes: 2 | 4;
  private fd = -1;
  private offsets: number[] = [];
  private pos = 0;
  private buf = Buffer.alloc(1 << 20);
  private used = 0;
  private readonly shards: { file: string; instances: number }[] = [];
  private total = 0;
  private tokens = 0;

  constructor(private readonly dir: string, private readonly meta: ShardMeta, private readonly perShard = 100_000) {
    this.idBytes = meta.vocab_size <= 65536 ? 2 : 4;
    if (meta.max_seq_length > 65535) throw new Error('max_seq_length must be < 65536');
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(path.join(dir, INDEX_FILE), { force: true }); // a directory without index.json is incomplete
  }

  private flush(): void {
    if (this.used) { fs.writeSync(this.fd, this.buf, 0, this.used); this.used = 0; }
  }

  private put(bytes: number, fill: (b: Buffer, at: number) => void): void {
    if (this.used + bytes > this.buf.length) this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.alloc(bytes);
    fill(this.buf, this.used);
    this.used += bytes;
    this.pos += bytes;
  }

  private openShard(): void {
    const file = `shard-${String(this.shards.length).padStart(5, '0')}.bin`;
    this.fd = fs.openSync(path.join(this.dir, file), 'w');
    this.shards.push({ file, instances: 0 });
    this.offsets = [];
    this.pos = 0;
    this.put(HEADER_BYTES, (b, at) => { b.write(SHARD_MAGIC, at, 'latin1'); b.writeUInt32LE(1, at + 8); b.writeUInt32LE(this.idBytes, at + 12); });
  }

  private closeShard(): void {
    const n = this.offsets.length;
    this.put(4 * n + 12, (b, at) => {
      for (let i = 0; i < n; i++) b.writeUInt32LE(this.offsets[i], at + 4 * i);
      b.writeUInt32LE(n, at + 4 * n);
      b.write(FOOTER_MAGIC, at + 4 * n + 4, 'latin1');
    });
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
    this.shards[this.shards.length - 1].instances = n;
  }

  write(inst: Instance): void {
    if (this.fd < 0) this.openShard();
    if (this.pos > 0xffff0000) throw new Error('shard larger than 4 GiB: lower the instances per shard');
    const len = inst.inputIds.length, nm = inst.maskedPositions.length, w = this.idBytes;
    if (nm > 255) throw new Error('more than 255 masked positions in one instance');
    this.offsets.push(this.pos);
    this.put(RECORD_HEADER + len * w + nm * (2 + w), (b, at) => {
      b.writeUInt16LE(len, at); b.writeUInt16LE(inst.lenA, at + 2); b.writeUInt8(inst.label, at + 4); b.writeUInt8(nm, at + 5); b.writeUInt16LE(0, at + 6);
      let o = at + RECORD_HEADER;
      const put = w === 2 ? (v: number) => { b.writeUInt16LE(v, o); o += 2; } : (v: number) => { b.writeUInt32LE(v, o); o += 4; };
      for (let i = 0; i < len; i++) put(inst.inputIds[i]);
      for (let i = 0; i < nm; i++) { b.writeUInt16LE(inst.maskedPositions[i], o); o += 2; }
      for (let i = 0; i < nm; i++) put(inst.maskedIds[i]);
    });
    this.total++;
    this.tokens += len;
    if (this.offsets.length >= this.perShard) this.closeShard();
  }

  /** Close the last shard and write index.json (last, so its presence means the data is complete). */
  finish(): ShardIndex {
    if (this.fd >= 0) this.closeShard();
    const index: ShardIndex = {
      format: 'albert-ts-pretraining-shards', version: 1, ...this.meta, id_bytes: this.idBytes,
      instances: this.total, tokens: this.tokens, shards: this.shards,
    } as ShardIndex;
    const tmp = path.join(this.dir, INDEX_FILE + '.tmp');
    fs.writeFileSync(tmp, JSON.stringify(index, null, 2) + '\n');
    fs.renameSync(tmp, path.join(this.dir, INDEX_FILE));
    return index;
  }
}

function readIndex(dir: string): ShardIndex {
  const file = path.join(dir, INDEX_FILE);
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch {
    throw fileError(dir, `no ${INDEX_FILE}: not a pretraining-data directory (made by albert create-pretraining-data), or its writing did not finish`);
  }
  let j: ShardIndex;
  try { j = JSON.parse(text); } catch (e) { throw fileError(file, `not valid JSON (${(e as Error).message})`); }
  const bad: string[] = [];
  if (j?.format !== 'albert-ts-pretraining-shards') bad.push('format');
  if (j?.objective !== 'sop' && j?.objective !== 'nsp') bad.push('objective');
  for (const k of ['max_seq_length', 'max_predictions_per_seq', 'vocab_size', 'instances', 'tokens', 'cls_id', 'sep_id', 'mask_id', 'pad_id'] as const) {
    if (!Number.isInteger(j?.[k]) || (j[k] as number) < 0) bad.push(k);
  }
  if (j?.id_bytes !== 2 && j?.id_bytes !== 4) bad.push('id_bytes');
  if (!Array.isArray(j?.shards) || j.shards.some((s) => typeof s?.file !== 'string' || !Number.isInteger(s?.instances) || s.instances < 0)) bad.push('shards');
  if (bad.length) throw fileError(file, `bad or missing field(s): ${bad.join(', ')}`);
  // The fields against each other: the limits every record is later checked against must be possible.
  const limits: [boolean, string][] = [
    [j.max_seq_length >= 1 && j.max_seq_length <= 65535, `max_seq_length ${j.max_seq_length} is outside 1..65535`],
    [j.max_predictions_per_seq <= Math.min(255, j.max_seq_length), `max_predictions_per_seq ${j.max_predictions_per_seq} exceeds min(255, max_seq_length ${j.max_seq_length})`],
    [j.vocab_size >= 1 && j.vocab_size <= (j.id_bytes === 2 ? 65536 : 2 ** 32), `vocab_size ${j.vocab_size} does not fit id_bytes ${j.id_bytes}`],
    ...(['cls_id', 'sep_id', 'mask_id', 'pad_id'] as const).map((k) => [j[k] < j.vocab_size, `${k} ${j[k]} is not below vocab_size ${j.vocab_size}`] as [boolean, string]),
  ];
  const broken = limits.find(([ok]) => !ok);
  if (broken) throw fileError(file, broken[1]);
  return j;
}

interface OpenShard { file: string; fd: number; offsets: Uint32Array; end: number; }

/** Random access to the instances of a shard directory, numbered 0..count-1 across shards. */
export class ShardDataset {
  readonly index: ShardIndex;
  readonly count: number;
  private readonly shards: OpenShard[] = [];
  private readonly starts: number[] = [];
  private buf = Buffer.alloc(4096);

  private constructor(readonly dir: string) {
    this.index = readIndex(dir);
    let start = 0;
    for (const s of this.index.shards) {
      const file = path.join(dir, s.file);
      let fd: number;
      try { fd = fs.openSync(file, 'r'); } catch { throw fileError(file, 'missing shard listed in index.json'); }
      const size = fs.fstatSync(fd).size;
      const head = Buffer.alloc(HEADER_BYTES);
      fs.readSync(fd, head, 0, HEADER_BYTES, 0);
      if (size < HEADER_BYTES + 12 || head.toString('latin1', 0, 8) !== SHARD_MAGIC || head.readUInt32LE(12) !== this.index.id_bytes) {
        throw fileError(file, 'not an albert-ts shard (bad header)');
      }
      const tail = Buffer.alloc(12);
      fs.readSync(fd, tail, 0, 12, size - 12);
      const n = tail.readUInt32LE(0);
      if (tail.toString('latin1', 4, 12) !== FOOTER_MAGIC || n !== s.instances || size < HEADER_BYTES + 12 + 4 * n) {
        throw fileError(file, `truncated or corrupt shard (footer does not match index.json's ${s.instances} instances)`);
      }
      const off = Buffer.alloc(4 * n);
      fs.readSync(fd, off, 0, 4 * n, size - 12 - 4 * n);
      const offsets = new Uint32Array(n);
      for (let i = 0; i < n; i++) offsets[i] = off.readUInt32LE(4 * i);
      this.shards.push({ file, fd, offsets, end: size - 12 - 4 * n });
      this.starts.push(start);
      start += n;
    }
    this.count = start;
    if (this.count !== this.index.instances) throw fileError(path.join(dir, INDEX_FILE), 'instance count does not match its shards');
  }

  static open(dir: string): ShardDataset { return new ShardDataset(dir); }

  /** Instance number i (0-based, across shards). */
  get(i: number): StoredInstance {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`instance ${i} out of range`);
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.starts[mid] <= i) lo = mid; else hi = mid - 1; }
    const sh = this.shards[lo], k = i - this.starts[lo];
    const from = sh.offsets[k], to = k + 1 < sh.offsets.length ? sh.offsets[k + 1] : sh.end;
    const size = to - from;
    if (!(size >= RECORD_HEADER && from >= HEADER_BYTES && to <= sh.end)) throw fileError(sh.file, `corrupt record ${k}`);
    if (this.buf.length < size) this.buf = Buffer.alloc(size);
    const b = this.buf;
    fs.readSync(sh.fd, b, 0, size, from);
    const len = b.readUInt16LE(0), lenA = b.readUInt16LE(2), label = b.readUInt8(4), nm = b.readUInt8(5);
    const { id_bytes: w, max_seq_length: maxLen, max_predictions_per_seq: maxPred, vocab_size: vocab } = this.index;
    // Every record is held to its index's limits: a record beyond them would train on what the index denies.
    const bad = (problem: string) => fileError(sh.file, `record ${k} (instance ${i}): ${problem}`);
    if (RECORD_HEADER + len * w + nm * (2 + w) !== size) throw bad(`its ${size} bytes do not match its header (${len} tokens, ${nm} masked)`);
    if (len > maxLen) throw bad(`${len} tokens, more than ${INDEX_FILE}'s max_seq_length ${maxLen}`);
    if (lenA > len) throw bad(`segment A of ${lenA} tokens is longer than the record's ${len}`);
    if (label > 1) throw bad(`sentence label ${label} is neither 0 nor 1`);
    if (nm > maxPred) throw bad(`${nm} masked positions, more than ${INDEX_FILE}'s max_predictions_per_seq ${maxPred}`);
    const get = w === 2 ? (o: number) => b.readUInt16LE(o) : (o: number) => b.readUInt32LE(o);
    let o = RECORD_HEADER;
    const inputIds = new Int32Array(len);
    for (let j = 0; j < len; j++, o += w) inputIds[j] = get(o);
    const maskedPositions = new Int32Array(nm);
    for (let j = 0; j < nm; j++, o += 2) maskedPositions[j] = b.readUInt16LE(o);
    const maskedIds = new Int32Array(nm);
    for (let j = 0; j < nm; j++, o += w) maskedIds[j] = get(o);
    for (const [what, ids] of [['token', inputIds], ['masked token', maskedIds]] as const) {
      const at = ids.findIndex((id) => id < 0 || id >= vocab); // a u32 id past 2^31 reads negative
      if (at >= 0) throw bad(`${what} id ${ids[at]} is not below ${INDEX_FILE}'s vocab_size ${vocab}`);
    }
    const pos = maskedPositions.findIndex((p) => p >= len);
    if (pos >= 0) throw bad(`masked position ${maskedPositions[pos]} is outside its ${len} tokens`);
    return { inputIds, lenA, label, maskedPositions, maskedIds };
  }

  close(): void {
    for (const s of this.shards) fs.closeSync(s.fd);
    this.shards.length = 0;
  }
}

/** One instance as a jsonl line (the --format jsonl layout). */
export function instanceToJson(inst: StoredInstance, objective: Objective): string {
  const types = Array.from(inst.inputIds, (_, i) => (i < inst.lenA ? 0 : 1));
  return JSON.stringify({
    input_ids: Array.from(inst.inputIds), token_type_ids: types,
    masked_lm_positions: Array.from(inst.maskedPositions), masked_lm_ids: Array.from(inst.maskedIds),
    [objective === 'sop' ? 'sentence_order_label' : 'next_sentence_label']: inst.label,
  });
}
