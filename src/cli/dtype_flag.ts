// `--dtype fp32|bf16|int8` of the inference commands (bench, serve).
import { DTYPES, type Dtype } from '../backend/dtype.js';
import { UserError } from '../errors.js';

export const DTYPE_HELP = 'fp32 (default), bf16 or int8: the encoder\'s Linear GEMMs at inference (int8: dynamic quantization)';

export function dtypeFlag(v: string | undefined): Dtype | undefined {
  if (v !== undefined && !(DTYPES as readonly string[]).includes(v)) throw new UserError(`--dtype must be fp32, bf16 or int8, got "${v}"`);
  return v as Dtype | undefined;
}
