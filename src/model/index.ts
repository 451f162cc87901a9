// The model's public API.
export * from './config.js';
export * from './albert.js';
export type { Param, ParamSpec } from './params.js';
export { groupOfLayer, encoderLayout, type EncoderLayout } from './encoder.js';
export { PRESET_NAMES, presetConfig, configFromSpec, presetKey } from './presets.js';
export { describeSharing, formatParameterTable, parameterRow, parameterTableNotes, shortCount, type ParamRow } from './summary.js';
