// onnxruntime's int8 baseline: the fp32 ONNX graph torch_albert.py exports, dynamically quantized the way
// onnxruntime.quantization.quantize_dynamic does it with its defaults (QuantType.QInt8 weights,
// per_channel=False, reduce_range=False, MatMulConstBOnly): every MatMul whose B is an fp32 initializer
// becomes
//
//   DynamicQuantizeLinear(x) -> x_q (u8), x_scale, x_zp      (once per activation: Q, K, V share it)
//   MatMulInteger(x_q, W_q (s8, symmetric), x_zp, W_zp = 0) -> int32 -> Cast(float) -> Mul(x_scale * W_scale)
//
// which onnxruntime's graph optimizer fuses into DynamicQuantizeMatMul (+ the bias Add) on load. The
// attention's activation x activation MatMuls, LayerNorm, softmax and GELU stay fp32. Not done: the
// quantizer's Gather (embedding table as u8 + DequantizeLinear: one lookup per token, no speed effect).
// `perChannel` is quantize_dynamic(per_channel=True): one scale per output column.
//
// Written on the project's own protobuf wire reader/writer (no onnx package): the graph's fields are
// copied byte for byte, only the nodes and initializers concerned are decoded and rewritten.
import { ProtoReader, ProtoWriter, WIRE_LEN } from '../../src/tokenizer/protobuf.js';

function varintBytes(v: number): Uint8Array {
  const b: number[] = [];
  for (; v >= 128; v = Math.floor(v / 128)) b.push((v % 128) | 0x80);
  b.push(v);
  return Uint8Array.from(b);
}

/** Message bytes built from pieces: fields copied verbatim beside newly written ones. */
class Pieces {
  private parts: Uint8Array[] = [];
  push(b: Uint8Array): void { this.parts.push(b); }
  /** A length-delimited field: its key and length, then the payload. */
  field(field: number, payload: Uint8Array): void {
    this.parts.push(varintBytes(field * 8 + WIRE_LEN), varintBytes(payload.length), payload);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

/** A field of a message: its number, wire type and the bytes [start, end) of the whole field (key included). */
interface RawField { field: number; wire: number; start: number; end: number; payload?: Uint8Array }

function rawFields(buf: Uint8Array): RawField[] {
  const r = new ProtoReader(buf);
  const out: RawField[] = [];
  while (!r.done()) {
    const start = r.pos;
    const [field, wire] = r.key();
    if (wire === WIRE_LEN) {
      const payload = r.bytes();
      out.push({ field, wire, start, end: r.pos, payload });
    } else {
      r.skip(wire);
      out.push({ field, wire, start, end: r.pos });
    }
  }
  return out;
}

// ONNX field numbers (onnx.proto3)
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12;
const NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTRIBUTE = 5, NODE_DOMAIN = 7;
const ATTR_NAME = 1, ATTR_I = 3, ATTR_TYPE = 20, ATTR_TYPE_INT = 2;
const TENSOR_DIMS = 1, TENSOR_TYPE = 2, TENSOR_FLOATS = 4, TENSOR_NAME = 8, TENSOR_RAW = 9;
const FLOAT = 1, INT8 = 3;

export interface OnnxNode { inputs: string[]; outputs: string[]; name: string; opType: string; domain: string }

function readNode(b: Uint8Array): OnnxNode {
  const n: OnnxNode = { inputs: [], outputs: [], name: '', opType: '', domain: '' };
  const r = new ProtoReader(b);
  while (!r.done()) {
    const [f, w] = r.key();
    if (f === NODE_INPUT) n.inputs.push(r.string());
    else if (f === NODE_OUTPUT) n.outputs.push(r.string());
    else if (f === NODE_NAME) n.name = r.string();
    else if (f === NODE_OP) n.opType = r.string();
    else if (f === NODE_DOMAIN) n.domain = r.string();
    else r.skip(w);
  }
  return n;
}

interface Tensor { name: string; dims: number[]; dataType: number; floats?: Float32Array }

function readTensor(b: Uint8Array): Tensor {
  const t: Tensor = { name: '', dims: [], dataType: 0 };
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const r = new ProtoReader(b);
  while (!r.done()) {
    const [f, w] = r.key();
    if (f === TENSOR_DIMS && w === WIRE_LEN) { const [s, e] = r.lengthDelimited(); const p = r.sub(s, e); while (!p.done()) t.dims.push(p.varint()); }
    else if (f === TENSOR_DIMS) t.dims.push(r.varint());
    else if (f === TENSOR_TYPE) t.dataType = r.varint();
    else if (f === TENSOR_NAME) t.name = r.string();
    else if (f === TENSOR_RAW) raw = r.bytes();
    else if (f === TENSOR_FLOATS && w === WIRE_LEN) { const [s, e] = r.lengthDelimited(); const p = r.sub(s, e); while (!p.done()) floats.push(p.float()); }
    else if (f === TENSOR_FLOATS) floats.push(r.float());
    else r.skip(w);
  }
  if (t.dataType === FLOAT) {
    if (raw) { const c = new Uint8Array(raw); t.floats = new Float32Array(c.buffer, 0, c.length >> 2); } // a copy: aligned, and a Buffer's slice() would not copy
    else t.floats = Float32Array.from(floats);
  }
  return t;
}

function writeTensor(name: string, dims: number[], dataType: number, raw: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(TENSOR_DIMS, d);
  w.varint(TENSOR_TYPE, dataType);
  w.string(TENSOR_NAME, name);
  w.bytes(TENSOR_RAW, raw);
  return w.finish();
}

function writeNode(opType: string, inputs: string[], outputs: string[], name: string, intAttrs: Record<string, number> = {}): Uint8Array {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(NODE_INPUT, i);
  for (const o of outputs) w.string(NODE_OUTPUT, o);
  w.string(NODE_NAME, name);
  w.string(NODE_OP, opType);
  for (const [k, v] of Object.entries(intAttrs)) {
    const a = new ProtoWriter();
    a.string(ATTR_NAME, k);
    a.varint(ATTR_I, v);
    a.varint(ATTR_TYPE, ATTR_TYPE_INT);
    w.bytes(NODE_ATTRIBUTE, a.finish());
  }
  return w.finish();
}

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface QuantizedWeight { q: Int8Array; scale: Float32Array }

/**
 * quantize_data's symmetric int8 (qmin -127, qmax 127, zero point 0) of a (K, N) MatMul B: one scale for
 * the tensor, or one per column (axis 1) with perChannel. scale = max|w| / 127, q = round(w / scale).
 */
export function quantizeWeight(w: Float32Array, k: number, n: number, perChannel: boolean): QuantizedWeight {
  const scale = new Float32Array(perChannel ? n : 1);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) {
    const c = perChannel ? j : 0;
    scale[c] = Math.max(scale[c], Math.abs(w[i * n + j]));
  }
  for (let c = 0; c < scale.length; c++) scale[c] = scale[c] > 0 ? scale[c] / 127 : 1;
  const q = new Int8Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) {
    q[i * n + j] = Math.max(-127, Math.min(127, roundHalfEven(w[i * n + j] / scale[perChannel ? j : 0])));
  }
  return { q, scale };
}

export interface QuantizeReport { matmuls: number; weights: number; activations: number; keptFp32MatMuls: number }

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The int8 model of an fp32 ONNX model (ModelProto bytes), and what was quantized. */
export function quantizeDynamic(model: Uint8Array, opts: { perChannel?: boolean } = {}): { model: Uint8Array; report: QuantizeReport } {
  const perChannel = opts.perChannel ?? false;
  const top = rawFields(model);
  const graphField = top.find((f) => f.field === MODEL_GRAPH && f.payload);
  if (!graphField) throw new Error('ONNX model has no graph');
  const graph = rawFields(graphField.payload!);
  const initializers = new Map<string, Tensor>(), initializerName = new Map<RawField, string>();
  for (const f of graph) if (f.field === GRAPH_INITIALIZER) { const t = readTensor(f.payload!); initializers.set(t.name, t); initializerName.set(f, t.name); }
  const graphInputs = new Set<string>();
  for (const f of graph) if (f.field === GRAPH_INPUT) {
    const r = new ProtoReader(f.payload!);
    while (!r.done()) { const [k, w] = r.key(); if (k === 1) graphInputs.add(r.string()); else r.skip(w); }
  }
  const isWeight = (name: string) => {
    const t = initializers.get(name);
    return !!t && t.dataType === FLOAT && t.dims.length === 2 && !!t.floats;
  };

  const graphOutputs = new Set<string>();
  for (const f of graph) if (f.field === GRAPH_OUTPUT) {
    const r = new ProtoReader(f.payload!);
    while (!r.done()) { const [k, w] = r.key(); if (k === 1) graphOutputs.add(r.string()); else r.skip(w); }
  }
  const producer = new Map<string, OnnxNode>();
  for (const f of graph) if (f.field === GRAPH_NODE) { const n = readNode(f.payload!); for (const o of n.outputs) producer.set(o, n); }
  // B as an fp32 2-D initializer, read directly or through Identity nodes (torch's export of a parameter
  // that several layer calls share: one Identity per use), which onnxruntime's optimizer removes first
  const weightOf = (name: string): string | null => {
    for (let hops = 0; hops < 8; hops++) {
      if (isWeight(name)) return name;
      const p = producer.get(name);
      if (!p || p.opType !== 'Identity') return null;
      name = p.inputs[0];
    }
    return null;
  };

  // the new graph's fields in order: copied (other fields, untouched nodes) or new nodes
  interface Piece { bytes: Uint8Array; isNew: boolean; node?: OnnxNode }
  const pieces: Piece[] = [];
  const quantizedWeights = new Map<string, { q: string; scale: string; zp: string }>();
  const newInitializers: Uint8Array[] = [];
  const quantizedActivations = new Map<string, { q: string; scale: string; zp: string }>();
  const report: QuantizeReport = { matmuls: 0, weights: 0, activations: 0, keptFp32MatMuls: 0 };
  let fresh = 0;
  const emit = (opType: string, inputs: string[], outputs: string[], name: string, attrs?: Record<string, number>) =>
    pieces.push({ bytes: writeNode(opType, inputs, outputs, name, attrs), isNew: true, node: { inputs, outputs, name, opType, domain: '' } });

  for (const f of graph) {
    if (f.field === GRAPH_INITIALIZER) continue; // written after the nodes, less the fp32 weights no node reads
    const copy = graphField.payload!.subarray(f.start, f.end);
    if (f.field !== GRAPH_NODE) { pieces.push({ bytes: copy, isNew: false }); continue; }
    const node = readNode(f.payload!);
    const wName = node.opType === 'MatMul' && node.domain === '' ? weightOf(node.inputs[1]) : null;
    if (!wName) {
      if (node.opType === 'MatMul') report.keptFp32MatMuls++;
      pieces.push({ bytes: copy, isNew: false, node });
      continue;
    }
    const x = node.inputs[0], y = node.outputs[0];
    const base = node.name || `MatMul_${fresh++}`;
    let qw = quantizedWeights.get(wName);
    if (!qw) {
      const t = initializers.get(wName)!;
      const [k, n] = t.dims;
      const { q, scale } = quantizeWeight(t.floats!, k, n, perChannel);
      qw = { q: `${wName}_quantized`, scale: `${wName}_scale`, zp: `${wName}_zero_point` };
      const vec = perChannel ? [n] : [];
      newInitializers.push(writeTensor(qw.q, [k, n], INT8, bytesOf(q)));
      newInitializers.push(writeTensor(qw.scale, vec, FLOAT, bytesOf(scale)));
      newInitializers.push(writeTensor(qw.zp, vec, INT8, new Uint8Array(scale.length)));
      quantizedWeights.set(wName, qw);
      report.weights++;
    }
    let qx = quantizedActivations.get(x);
    if (!qx) {
      qx = { q: `${x}_quantized`, scale: `${x}_scale`, zp: `${x}_zero_point` };
      emit('DynamicQuantizeLinear', [x], [qx.q, qx.scale, qx.zp], `${x}_QuantizeLinear`);
      quantizedActivations.set(x, qx);
      report.activations++;
    }
    const mmOut = `${y}_output_quantized`, castOut = `${mmOut}_cast_output`, scales = `${base}_quant_scales_mul:0`;
    emit('MatMulInteger', [qx.q, qw.q, qx.zp, qw.zp], [mmOut], `${base}_quant`);
    emit('Cast', [mmOut], [castOut], `${mmOut}_cast`, { to: FLOAT });
    emit('Mul', [qx.scale, qw.scale], [scales], `${base}_quant_scales_mul`);
    emit('Mul', [castOut, scales], [y], `${base}_quant_output_scale_mul`);
    report.matmuls++;
  }
  // backwards: drop the Identity nodes nothing reads any more; what the rest reads stays
  const used = new Set(graphOutputs);
  const kept = pieces.reverse().filter((p) => {
    if (!p.node) return true;
    if (p.node.opType === 'Identity' && !p.node.outputs.some((o) => used.has(o))) return false;
    for (const i of p.node.inputs) used.add(i);
    return true;
  }).reverse();
  const out = new Pieces();
  for (const p of kept) if (p.isNew) out.field(GRAPH_NODE, p.bytes); else out.push(p.bytes);
  for (const f of graph) {
    if (f.field !== GRAPH_INITIALIZER) continue;
    const name = initializerName.get(f)!;
    if (used.has(name) || graphInputs.has(name)) out.push(graphField.payload!.subarray(f.start, f.end));
  }
  for (const t of newInitializers) out.field(GRAPH_INITIALIZER, t);

  const m = new Pieces();
  for (const f of top) {
    if (f === graphField) m.field(MODEL_GRAPH, out.finish());
    else m.push(model.subarray(f.start, f.end));
  }
  return { model: m.finish(), report };
}

/** How `out` compares with `ref`, both rows of `width`: argmax agreement per row and the largest difference. */
export function compareOutputs(out: Float32Array, ref: Float32Array, width: number): { top1_agreement: number; max_rel_diff: number; rows: number } {
  if (out.length !== ref.length) throw new Error(`outputs differ in size: ${out.length} vs ${ref.length}`);
  const rows = ref.length / width;
  let agree = 0, maxDiff = 0, maxRef = 0;
  for (let r = 0; r < rows; r++) {
    let ia = 0, ib = 0;
    for (let j = 0; j < width; j++) {
      const i = r * width + j;
      if (out[i] > out[r * width + ia]) ia = j;
      if (ref[i] > ref[r * width + ib]) ib = j;
      maxDiff = Math.max(maxDiff, Math.abs(out[i] - ref[i]));
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
    }
    if (ia === ib) agree++;
  }
  return { top1_agreement: agree / rows, max_rel_diff: maxDiff / (maxRef || 1), rows };
}

/** The nodes of an ONNX model's graph, in order (for tests and reports). */
export function graphNodes(model: Uint8Array): OnnxNode[] {
  const g = rawFields(model).find((f) => f.field === MODEL_GRAPH && f.payload);
  if (!g) throw new Error('ONNX model has no graph');
  return rawFields(g.payload!).filter((f) => f.field === GRAPH_NODE).map((f) => readNode(f.payload!));
}

