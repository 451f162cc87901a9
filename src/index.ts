// albert-ts public API: `import { ... } from 'albert-ts'`.
// One export line per room; each room's own index (or module) says what it offers.
export * from './backend/index.js';
export * from './tokenizer/index.js';
export * from './model/index.js';
export { loadPretrained, savePretrained, openModel, stateDict, type LoadOptions, type SaveOptions } from './io/hf_dir.js';
export { readSafetensors, writeSafetensors, readSafetensorsHeader, type Tensor } from './io/safetensors.js';
export { createPretrainingData, type CreateOptions, type CreateSummary } from './data/create.js';
export { pretrain, type PretrainOptions, type PretrainResult } from './train/pretrain.js';
export { fillMask, type MaskPrediction } from './train/fill_mask.js';
export { UserError } from './errors.js';
