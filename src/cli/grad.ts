// `albert grad`: loss and the gradient of every parameter on a labelled batches file.
import { readBatchesFile } from '../io/batches.js';
import { gradOutputs } from '../io/outputs.js';
import { writeSafetensors } from '../io/safetensors.js';
import { parseCommandArgs, required } from './args.js';
import { MODEL_FLAGS, MODEL_FLAGS_HELP, openModelFromFlags } from './model_flags.js';

export const summary = 'loss and gradients of every parameter on a labelled batches file (safetensors)';

export const help = `usage: albert grad --model DIR --inputs batch.json --output grads.safetensors [flags]

Computes the head's loss as HF's class does and its gradient w.r.t. every parameter, in eval mode
(dropout off, deterministic: what HF gives after model.eval() and loss.backward()), and writes:
  loss, mlm_loss (MLM heads), sop_loss (AlbertForPreTraining), nsp_loss (NSP variant)   scalars
  NAME.loss     each batch's loss
  <parameter>   its gradient, under its HF state_dict name; tied and shared names (predictions.decoder.*,
                per-layer copies of shared blocks) carry the total gradient under each name
With several batches the gradients and the loss scalars are SUMS over the batches (as calling
loss.backward() once per batch without zeroing the gradients).

batch.json: the inputs format of \`albert forward\` plus the labels HF's forward takes:
  labels               pretraining / masked LM: [batch][seq] token ids, -100 = ignored
                       sequence classification: [batch] class ids; [batch] numbers when num_labels = 1
                         (regression); [batch][num_labels] numbers (multi-label) — or as problem_type says
                       token classification: [batch][seq] class ids, -100 = ignored
                       multiple choice: [batch] choice ids
  sentence_order_label [batch] 0 (in order) / 1 (swapped), pretraining
  start_positions, end_positions   [batch] question answering (clamped to [0, seq]; seq is ignored)

flags:
  --inputs FILE       the labelled batches file
  --output FILE       safetensors file to write (atomically)
  --train             train mode instead: dropout on, seeded by --seed
${MODEL_FLAGS_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { ...MODEL_FLAGS, inputs: { type: 'string' }, output: { type: 'string' }, train: { type: 'boolean' } }, help);
  if (!args) return 0;
  const inputsFile = required(args.values.inputs, 'inputs');
  const outputFile = required(args.values.output, 'output');
  const model = openModelFromFlags(args.values);
  const batches = readBatchesFile(inputsFile, model.config, model.head, true);
  const seed = args.values.seed === undefined ? 0 : Number(args.values.seed);
  const tensors = gradOutputs(model, batches, { train: args.values.train ?? false, seed });
  writeSafetensors(outputFile, tensors, { format: 'pt', producer: 'albert grad' });
  const loss = tensors.get('loss')!.data[0];
  process.stdout.write(`loss ${loss.toPrecision(6)} over ${batches.length} batch(es); wrote ${tensors.size} tensors to ${outputFile}\n`);
  return 0;
}
