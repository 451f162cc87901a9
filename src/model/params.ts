// Parameters (one Float32Array of values and one of gradients each, under the HF state_dict name),
// their initialization, and the reusable scratch buffers the layers keep between steps.
import { fmix32 } from '../backend/backend.js';

export interface Param { name: string; shape: number[]; data: Float32Array; grad: Float32Array; }

/** How HF's _init_weights fills a tensor: Linear/Embedding weights normal(0, initializer_range), the
 *  padding row of the word embeddings zero, biases zero, LayerNorm weights one. */
export type Init = 'normal' | 'zeros' | 'ones' | { normalExceptRow: number };

export interface ParamSpec { name: string; shape: number[]; init: Init; }

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Specs of a PyTorch nn.Linear(inF, outF) named `prefix`: weight (outF, inF), bias (outF). */
export function linearSpecs(prefix: string, inF: number, outF: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [outF, inF], init: 'normal' },
    { name: `${prefix}.bias`, shape: [outF], init: 'zeros' },
  ];
}

/** Specs of an nn.LayerNorm(dim) named `prefix`. */
export function layerNormSpecs(prefix: string, dim: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [dim], init: 'ones' },
    { name: `${prefix}.bias`, shape: [dim], init: 'zeros' },
  ];
}

/**
 * The model's parameters by name, allocated from their specs (values zero until initialized or loaded).
 * Each group in `packs` (spec names) is allocated as consecutive views of one array, data and grad
 * alike, so a kernel can read the group as one tensor (packedSpan).
 */
export class ParamStore {
  readonly list: Param[];
  private readonly byName = new Map<string, Param>();

  constructor(readonly specs: readonly ParamSpec[], packs: readonly (readonly string[])[] = []) {
    const views = new Map<string, { data: Float32Array; grad: Float32Array }>();
    const sizeOf = new Map(specs.map((s) => [s.name, numel(s.shape)]));
    for (const group of packs) {
      const sizes = group.map((name) => sizeOf.get(name) ?? NaN);
      const total = sizes.reduce((a, b) => a + b, 0);
      if (!(total >= 0)) throw new Error(`packed group ${group.join(', ')} names an unknown parameter`);
      const data = new Float32Array(total), grad = new Float32Array(total);
      let o = 0;
      group.forEach((name, i) => {
        views.set(name, { data: data.subarray(o, o + sizes[i]), grad: grad.subarray(o, o + sizes[i]) });
        o += sizes[i];
      });
    }
    this.list = specs.map((s) => {
      const n = numel(s.shape), v = views.get(s.name);
      return { name: s.name, shape: [...s.shape], data: v?.data ?? new Float32Array(n), grad: v?.grad ?? new Float32Array(n) };
    });
    for (const p of this.list) {
      if (this.byName.has(p.name)) throw new Error(`duplicate parameter name ${p.name}`);
      this.byName.set(p.name, p);
    }
  }

  get(name: string): Param {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter named ${name}`);
    return p;
  }

  /** Fill every parameter as its spec says; normal draws are counter-based so each tensor depends
   *  only on (seed, its position in the list), not on the others' sizes. */
  init(seed: number, std: number): void {
    this.specs.forEach((s, k) => {
      const data = this.list[k].data;
      const init = s.init;
      if (init === 'zeros') data.fill(0);
      else if (init === 'ones') data.fill(1);
      else {
        fillNormal(data, fmix32((seed + Math.imul(k + 1, 0x9e3779b9)) >>> 0), std);
        if (typeof init === 'object') {
          const cols = s.shape[1];
          data.fill(0, init.normalExceptRow * cols, (init.normalExceptRow + 1) * cols);
        }
      }
    });
  }

  zeroGrad(): void {
    for (const p of this.list) p.grad.fill(0);
  }
}

/** data and grad spanning consecutive parameters (a ParamStore pack), as one Param of shape `shape`. */
export function packedSpan(name: string, shape: number[], parts: readonly Param[]): Param {
  const span = (which: 'data' | 'grad') => {
    const first = parts[0][which];
    let end = first.byteOffset;
    for (const p of parts) {
      if (p[which].buffer !== first.buffer || p[which].byteOffset !== end) throw new Error(`${name}: parameters ${parts.map((q) => q.name).join(', ')} are not packed`);
      end += p[which].byteLength;
    }
    return new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) / 4);
  };
  const data = span('data');
  if (data.length !== numel(shape)) throw new Error(`${name}: packed size ${data.length} is not ${shape.join(' x ')}`);
  return { name, shape, data, grad: span('grad') };
}

/** A uniform in (0, 1) from (seed, counter). */
function hashUniform(seed: number, i: number): number {
  return (fmix32((fmix32(seed) ^ i) >>> 0) + 0.5) / 4294967296;
}

/** data[i] = std * N(0, 1) by Box-Muller over hashed uniforms. */
export function fillNormal(data: Float32Array, seed: number, std: number): void {
  for (let i = 0; i < data.length; i++) {
    const u1 = hashUniform(seed, (2 * i) >>> 0), u2 = hashUniform(seed, (2 * i + 1) >>> 0);
    data[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/**
 * Named buffers owned by one call site, kept across steps. A name keeps the largest backing array
 * it has needed and hands out exact-length views of it, so a training loop whose sizes vary a
 * little (e.g. the number of masked tokens) stops allocating once it has seen its largest batch.
 */
export class Buffers {
  private f32s = new Map<string, { backing: Float32Array; view: Float32Array }>();
  private i32s = new Map<string, { backing: Int32Array; view: Int32Array }>();

  f32(name: string, n: number): Float32Array {
    return Buffers.get(this.f32s, name, n, (k) => new Float32Array(k));
  }

  i32(name: string, n: number): Int32Array {
    return Buffers.get(this.i32s, name, n, (k) => new Int32Array(k));
  }

  /**
   * What `f32(name, n)` last handed out, for a reader of what a writer put there (backward reading
   * forward's activations). A name never written, or written with another size, is a bug in the
   * caller: an Error, rather than a fresh buffer of zeros.
   */
  readF32(name: string, n: number): Float32Array {
    return Buffers.read(this.f32s, name, n);
  }

  readI32(name: string, n: number): Int32Array {
    return Buffers.read(this.i32s, name, n);
  }

  private static read<T extends Float32Array | Int32Array>(map: Map<string, { backing: T; view: T }>, name: string, n: number): T {
    const b = map.get(name);
    if (!b) throw new Error(`buffer "${name}" is read before anything was written to it`);
    if (b.view.length !== n) throw new Error(`buffer "${name}" holds ${b.view.length} values, but ${n} are read`);
    return b.view;
  }

  private static get<T extends Float32Array | Int32Array>(
    map: Map<string, { backing: T; view: T }>, name: string, n: number, make: (n: number) => T,
  ): T {
    let b = map.get(name);
    if (!b || b.backing.length < n) {
      const backing = make(n);
      b = { backing, view: backing };
      map.set(name, b);
    }
    if (b.view.length !== n) b.view = b.backing.subarray(0, n) as T;
    return b.view;
  }
}

/** The seed of one dropout site (embeddings, layer call c's attention, a head...) for a step seed. */
export function siteSeed(seed: number, site: number): number {
  return fmix32(((seed >>> 0) ^ Math.imul(site + 1, 0x9e3779b9)) >>> 0);
}
