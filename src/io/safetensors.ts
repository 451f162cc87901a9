// safetensors (https://github.com/huggingface/safetensors) reader and writer.
//
// Layout: u64 little-endian N | N bytes of JSON header | data. The header maps each tensor name to
// {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data section) plus an optional
// "__metadata__" string map. We validate the header strictly (every problem names the file), then read
// each tensor with positioned reads straight into a Float32Array: no string or copy of the whole file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** Bytes per element of every dtype the format defines (we can validate all of them, read the float ones). */
const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
/** dtypes we convert to Float32Array on read. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/** fs.readSync reads at most ~2 GiB per call; stay well below. */
const READ_CHUNK = 1 << 30;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  fileSize: number;
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function assertLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

/** Read and validate the header of a safetensors file (reads only the first 8 + N bytes). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openForRead(file);
  try {
    return readHeaderFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

function openForRead(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    throw fileError(file, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readExactly(fd: number, file: string, buf: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < buf.length) {
    const want = Math.min(READ_CHUNK, buf.length - done);
    const got = fs.readSync(fd, buf, done, want, position + done);
    if (got === 0) throw fileError(file, `truncated while reading ${what}`);
    done += got;
  }
}

function readHeaderFd(fd: number, file: string): SafetensorsHeader {
  const fileSize = fs.fstatSync(fd).size;
  if (fileSize < 8) throw fileError(file, `not a safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`);
  const lenBuf = Buffer.alloc(8);
  readExactly(fd, file, lenBuf, 0, 'the header length');
  const len64 = lenBuf.readBigUInt64LE(0);
  if (len64 < 2n || len64 > BigInt(fileSize - 8)) {
    throw fileError(file, `bad safetensors header length ${len64} (file has ${fileSize - 8} bytes after the length field)`);
  }
  const headerLen = Number(len64);
  if (headerLen > MAX_HEADER_BYTES) throw fileError(file, `safetensors header of ${headerLen} bytes exceeds the 100 MiB limit`);
  const headerBuf = Buffer.alloc(headerLen);
  readExactly(fd, file, headerBuf, 8, 'the header');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBuf));
  } catch (e) {
    throw fileError(file, `safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw fileError(file, 'safetensors header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, file);
      continue;
    }
    const info = parseEntry(name, entry, file, dataLen);
    tensors.set(name, { ...info, begin: info.begin + dataStart, end: info.end + dataStart });
  }
  checkLayout([...tensors.values()], file, dataStart, fileSize);
  return { file, tensors, metadata, fileSize };
}

function parseMetadata(entry: unknown, file: string): Record<string, string> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw fileError(file, 'safetensors "__metadata__" must be an object of strings');
  }
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw fileError(file, `safetensors "__metadata__.${k}" must be a string`);
  }
  return entry as Record<string, string>;
}

function parseEntry(name: string, entry: unknown, file: string, dataLen: number): TensorInfo {
  const where = `tensor "${name}"`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw fileError(file, `${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) {
    throw fileError(file, `${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_SIZES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fileError(file, `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw fileError(file, `${where}: data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLen) {
    throw fileError(file, `${where}: data_offsets [${begin}, ${end}] out of range (data section has ${dataLen} bytes; file truncated?)`);
  }
  const want = numel(shape as number[]) * DTYPE_SIZES[dtype];
  if (end - begin !== want) {
    throw fileError(file, `${where}: ${end - begin} bytes of data but shape [${shape.join(', ')}] of ${dtype} needs ${want}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Tensors must tile the data section exactly: sorted by offset, no overlap, no holes, nothing after. */
function checkLayout(infos: TensorInfo[], file: string, dataStart: number, fileSize: number): void {
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = dataStart;
  for (const t of sorted) {
    if (t.begin < pos) throw fileError(file, `tensor "${t.name}" overlaps the previous tensor's data (offset ${t.begin - dataStart} < ${pos - dataStart})`);
    if (t.begin > pos) throw fileError(file, `gap of ${t.begin - pos} bytes before tensor "${t.name}" (data_offsets must cover the data section)`);
    pos = t.end;
  }
  if (pos !== fileSize) throw fileError(file, `${fileSize - pos} bytes after the last tensor (data_offsets must cover the data section)`);
}

/**
 * Read one tensor as float32 (F32, F16, BF16 and F64 are converted), into `out` when given (its length
 * must match; F32 data is then read straight into it, with no intermediate copy). Pass `fd` to reuse an
 * open file.
 */
export function readTensor(header: SafetensorsHeader, name: string, fd?: number, out?: Float32Array): Float32Array {
  const info = header.tensors.get(name);
  if (!info) throw fileError(header.file, `no tensor "${name}"`);
  const own = fd === undefined;
  const handle = own ? openForRead(header.file) : fd;
  try {
    return readInfo(handle, header.file, info, out);
  } finally {
    if (own) fs.closeSync(handle);
  }
}

function readInfo(fd: number, file: string, info: TensorInfo, dst?: Float32Array): Float32Array {
  assertLittleEndian();
  const n = numel(info.shape);
  const what = `tensor "${info.name}"`;
  if (dst && dst.length !== n) throw new Error(`readTensor: ${what} has ${n} values, destination ${dst.length}`);
  const out = dst ?? new Float32Array(n);
  const bytesOf = (a: Float32Array | Uint16Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (info.dtype) {
    case 'F32':
      readExactly(fd, file, bytesOf(out), info.begin, what);
      return out;
    case 'F16': {
      const raw = new Uint16Array(n);
      readExactly(fd, file, bytesOf(raw), info.begin, what);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(raw[i]);
      return out;
    }
    case 'BF16': {
      const raw = new Uint16Array(n);
      readExactly(fd, file, bytesOf(raw), info.begin, what);
      // bf16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = raw[i] << 16;
      return out;
    }
    case 'F64': {
      const raw = new Float64Array(n);
      readExactly(fd, file, bytesOf(raw), info.begin, what);
      out.set(raw);
      return out;
    }
    default:
      throw fileError(file, `${what} has dtype ${info.dtype}; expected a float dtype (${FLOAT_DTYPES.join(', ')})`);
  }
}

/** IEEE 754 binary16 -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Read every tensor (float dtypes only) of a safetensors file. */
export function readSafetensors(file: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const fd = openForRead(file);
  try {
    const header = readHeaderFd(fd, file);
    const tensors = new Map<string, Tensor>();
    for (const info of header.tensors.values()) tensors.set(info.name, { shape: info.shape, data: readInfo(fd, file, info) });
    return { tensors, metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

/** Open a file for reading and run fn with its header and fd; the fd is closed afterwards. */
export function withSafetensors<T>(file: string, fn: (header: SafetensorsHeader, fd: number) => T): T {
  const fd = openForRead(file);
  try {
    return fn(readHeaderFd(fd, file), fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write float32 tensors as a safetensors file, atomically: a temporary file in the same folder is
 * written, fsynced and renamed over `file`. Tensors are written in the given order.
 */
export function writeSafetensors(
  file: string,
  tensors: Map<string, Tensor> | Iterable<[string, Tensor]>,
  metadata?: Record<string, string>,
): void {
  assertLittleEndian();
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('safetensors: "__metadata__" is not a valid tensor name');
    if (t.data.length !== numel(t.shape)) throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileAtomic(file, (fd) => {
    writeAll(fd, len);
    writeAll(fd, json);
    for (const [, t] of entries) writeAll(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, Math.min(READ_CHUNK, buf.length - done));
}
