#!/usr/bin/env node
// `albert <command> [flags]`: one module per command in this folder, loaded only when used.
// Each command module exports `summary` (one line), `help` (its --help text) and
// `run(argv): Promise<number | void>` (the exit code; a thin layer over an API function).
import { UserError } from '../errors.js';
import { abortJob, rankPrefix } from '../parallel/comm.js';
import { backendLine } from './backend_line.js';

interface CommandModule {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number | void>;
}

/** Command name -> module file, in the order `albert --help` lists them. */
const COMMANDS: Record<string, string> = {
  tokenize: './tokenize.js',
  'train-tokenizer': './train_tokenizer.js',
  params: './params.js',
  forward: './forward.js',
  grad: './grad.js',
  bench: './bench.js',
  'create-pretraining-data': './create_pretraining_data.js',
  pretrain: './pretrain.js',
  'fill-mask': './fill_mask.js',
  finetune: './finetune.js',
  reproduce: './reproduce.js',
  evaluate: './evaluate.js',
  predict: './predict.js',
  run: './run.js',
  serve: './serve.js',
};

async function load(name: string): Promise<CommandModule | null> {
  const file = COMMANDS[name];
  if (!file) return null;
  try {
    return (await import(file)) as CommandModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(file.slice(2))) return null;
    throw e;
  }
}

async function usage(): Promise<string> {
  const lines = ['usage: albert <command> [flags]   (albert <command> --help for its flags)', '', 'commands:'];
  for (const name of Object.keys(COMMANDS)) {
    const mod = await load(name);
    if (mod) lines.push(`  ${name.padEnd(25)} ${mod.summary}`);
  }
  lines.push('', 'environment: ALBERT_NUM_THREADS (kernel threads; default: all cores), ALBERT_BACKEND (auto|native|js)', backendLine());
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    const { mpiLine } = await import('../parallel/comm.js');
    process.stdout.write(pkg.version + '\n' + mpiLine() + '\n');
    return 0;
  }
  const mod = await load(name);
  if (!mod) {
    process.stderr.write(`albert: unknown command "${name}"\n\n` + (await usage()));
    return 2;
  }
  return (await mod.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const who = rankPrefix();
    if (e instanceof UserError) {
      process.stderr.write(`albert: ${who}${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`albert: ${who}internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 70;
    }
    // One rank's error ends every rank of an MPI job now (the others would wait for it in their next collective).
    abortJob(process.exitCode);
  },
);
