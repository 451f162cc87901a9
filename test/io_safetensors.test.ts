import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { halfToFloat, readSafetensors, readSafetensorsHeader, readTensor, writeSafetensors } from '../src/io/safetensors.js';
import { UserError } from '../src/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'albert-io-st-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let counter = 0;

/** Build a safetensors file by hand: header (object or raw string), data bytes, optional length override. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), lenOverride?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lenOverride ?? BigInt(json.length));
  const file = path.join(tmp, `f${counter++}.safetensors`);
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

function f32bytes(...v: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(v).buffer);
}

test('write then read round-trips names, shapes, values and metadata; header is 8-byte aligned', () => {
  const file = path.join(tmp, 'rt.safetensors');
  const a = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, 65504]) };
  const b = { shape: [], data: Float32Array.of(0.25) };
  const c = { shape: [0, 4], data: new Float32Array(0) };
  writeSafetensors(file, new Map([['x.weight', a], ['loss', b], ['empty', c]]), { format: 'pt' });
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  assert.deepEqual(header['x.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  const r = readSafetensors(file);
  assert.deepEqual(r.metadata, { format: 'pt' });
  assert.deepEqual([...r.tensors.keys()], ['x.weight', 'loss', 'empty']);
  assert.deepEqual(r.tensors.get('x.weight')!.shape, [2, 3]);
  assert.deepEqual([...r.tensors.get('x.weight')!.data], [...a.data]);
  assert.deepEqual(r.tensors.get('loss')!.shape, []);
  assert.equal(r.tensors.get('loss')!.data[0], 0.25);
  assert.equal(r.tensors.get('empty')!.data.length, 0);
  // no temporary files left behind
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), []);
});

test('F16 and BF16 are converted exactly (bit patterns from IEEE 754 / bfloat16 definitions)', () => {
  const f16 = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8400, 0x7c00, 0x3555]);
  const want16 = [1, -2, 65504, 2 ** -24, -(2 ** -14), Infinity, 0.333251953125];
  const bf16 = Uint16Array.from([0x3f80, 0xc049, 0x0000, 0x4780]);
  const wantBf = [1, -3.140625, 0, 65536];
  const file = craft({
    a: { dtype: 'F16', shape: [7], data_offsets: [0, 14] },
    b: { dtype: 'BF16', shape: [2, 2], data_offsets: [14, 22] },
  }, Buffer.concat([Buffer.from(f16.buffer), Buffer.from(bf16.buffer)]));
  const r = readSafetensors(file);
  assert.deepEqual([...r.tensors.get('a')!.data], want16);
  assert.deepEqual([...r.tensors.get('b')!.data], wantBf);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('reading one tensor reads only its bytes; non-float dtypes are named when read', () => {
  const ids = new BigInt64Array([0n, 1n, 2n]);
  const file = craft({
    __metadata__: { format: 'pt' },
    'embeddings.position_ids': { dtype: 'I64', shape: [1, 3], data_offsets: [0, 24] },
    w: { dtype: 'F32', shape: [2], data_offsets: [24, 32] },
  }, Buffer.concat([Buffer.from(ids.buffer), f32bytes(7, 8)]));
  const h = readSafetensorsHeader(file);
  assert.deepEqual([...readTensor(h, 'w')], [7, 8]);
  assert.throws(() => readTensor(h, 'embeddings.position_ids'), (e: Error) => e instanceof UserError
    && e.message.includes(file) && /position_ids.*dtype I64; expected a float dtype/.test(e.message));
});

// Each malformed file must give one UserError naming the file and the problem.
const bad: [string, () => string, RegExp][] = [
  ['shorter than 8 bytes', () => { const f = path.join(tmp, 'short.st'); fs.writeFileSync(f, Buffer.from([1, 2, 3])); return f; }, /shorter than the 8-byte header length/],
  ['header length past the end', () => craft({}, undefined, 1000n), /bad safetensors header length 1000/],
  ['huge header length', () => craft({}, undefined, 0xffffffffffffffffn), /bad safetensors header length/],
  ['header not JSON', () => craft('{"a": [1, 2'), /header is not valid JSON/],
  ['header not an object', () => craft('[1,2,3]'), /header is not a JSON object/],
  ['unknown dtype', () => craft({ a: { dtype: 'F12', shape: [1], data_offsets: [0, 4] } }, f32bytes(1)), /tensor "a": unknown dtype "F12"/],
  ['bad shape', () => craft({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32bytes(1)), /tensor "a": shape must be an array of non-negative integers/],
  ['negative shape', () => craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32bytes(1)), /shape must be an array of non-negative integers/],
  ['bad offsets', () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32bytes(1)), /data_offsets must be two non-negative integers/],
  ['size mismatch', () => craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32bytes(1, 2)), /tensor "a": 8 bytes of data but shape \[3\] of F32 needs 12/],
  ['offsets past the data (truncated file)', () => craft({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32bytes(1, 2)), /out of range \(data section has 8 bytes; file truncated\?\)/],
  ['overlapping tensors', () => craft({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
  }, f32bytes(1, 2, 3)), /tensor "b" overlaps/],
  ['a gap between tensors', () => craft({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
  }, f32bytes(1, 2, 3)), /gap of 4 bytes before tensor "b"/],
  ['trailing bytes', () => craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32bytes(1, 2)), /4 bytes after the last tensor/],
  ['metadata not strings', () => craft({ __metadata__: { n: 1 } }), /"__metadata__.n" must be a string/],
  ['entry not an object', () => craft({ a: 5 }), /tensor "a": header entry is not an object/],
  ['no such file', () => path.join(tmp, 'missing.safetensors'), /cannot open: ENOENT/],
];
for (const [what, make, re] of bad) {
  test(`bad safetensors: ${what}`, () => {
    const file = make();
    assert.throws(() => readSafetensorsHeader(file), (e: Error) => {
      assert.ok(e instanceof UserError, `expected UserError, got ${e}`);
      assert.ok(e.message.startsWith(`${file}: `), e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });
}

test('a file truncated after a valid header fails when its header is read', () => {
  const file = path.join(tmp, 'cut.safetensors');
  writeSafetensors(file, [['w', { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }]]);
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
  assert.throws(() => readSafetensors(file), /out of range .*truncated/);
});

test('writing into a missing directory is a clear error and leaves nothing behind', () => {
  const file = path.join(tmp, 'nope', 'x.safetensors');
  assert.throws(() => writeSafetensors(file, [['w', { shape: [1], data: Float32Array.of(1) }]]),
    (e: Error) => e instanceof UserError && e.message.startsWith(file) && /cannot write: ENOENT/.test(e.message));
});
