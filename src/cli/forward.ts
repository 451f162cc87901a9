// `albert forward`: eval-mode outputs of a model on a batches file, written as safetensors.
import { readBatchesFile } from '../io/batches.js';
import { forwardOutputs } from '../io/outputs.js';
import { writeSafetensors } from '../io/safetensors.js';
import { parseCommandArgs, required } from './args.js';
import { MODEL_FLAGS, MODEL_FLAGS_HELP, openModelFromFlags } from './model_flags.js';

export const summary = 'run a model on a batches file and write its outputs (safetensors)';

export const help = `usage: albert forward --model DIR --inputs inputs.json --output out.safetensors [flags]

Runs the model in eval mode (no dropout) on every batch of inputs.json and writes, per batch NAME:
  NAME.last_hidden_state, NAME.pooler_output (heads with a pooler), NAME.hidden_states.0..L
  (as HF's output_hidden_states: 0 is after embedding_hidden_mapping_in), and the head's outputs
  under HF's names: prediction_logits + sop_logits (AlbertForPreTraining), logits (masked LM,
  sequence / token classification, multiple choice), start_logits + end_logits (question answering).

inputs.json: {"batches": [{"name": "b0", "input_ids": [[...]], "attention_mask": [[...]],
              "token_type_ids": [[...]]}]}   (multiple choice: [batch][choice][seq] arrays;
              attention_mask defaults to ones, token_type_ids to zeros; label keys are ignored)

flags:
  --inputs FILE       the batches file
  --output FILE       safetensors file to write (atomically)
${MODEL_FLAGS_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { ...MODEL_FLAGS, inputs: { type: 'string' }, output: { type: 'string' } }, help);
  if (!args) return 0;
  const inputsFile = required(args.values.inputs, 'inputs');
  const outputFile = required(args.values.output, 'output');
  const model = openModelFromFlags(args.values);
  const batches = readBatchesFile(inputsFile, model.config, model.head, false);
  const tensors = forwardOutputs(model, batches);
  writeSafetensors(outputFile, tensors, { format: 'pt', producer: 'albert forward' });
  process.stdout.write(`wrote ${tensors.size} tensors for ${batches.length} batch(es) to ${outputFile}\n`);
  return 0;
}
