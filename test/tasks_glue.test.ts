// GLUE readers: the real glue_data files (counts, columns, label lists as classifier_utils), small
// files in the same layout for the sets ../shared/data lacks (QQP, MNLI, QNLI train), and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GLUE_TASKS, glueTask, readGlue, readGlueFile, labelMaps } from '../src/index.js';
import { SHARED } from './tokenizer_helpers.js';
import { put, scratch } from './tasks_helpers.js';

const GLUE = join(SHARED, 'glue');
const skip = !existsSync(join(GLUE, 'SST-2', 'train.tsv')) && 'needs ../shared/data/glue; not present';

test('the real glue_data files: official example counts, every column and label as classifier_utils reads them', { skip }, () => {
  const counts: Array<[string, string, number]> = [
    ['cola', 'train', 8551], ['cola', 'dev', 1043], ['cola', 'test', 1063], ['sst2', 'train', 67349], ['sst2', 'dev', 872], ['sst2', 'test', 1821],
    ['mrpc', 'train', 3668], ['mrpc', 'dev', 408], ['mrpc', 'test', 1725], ['stsb', 'train', 5749], ['stsb', 'dev', 1500], ['stsb', 'test', 1379],
    ['rte', 'train', 2490], ['rte', 'dev', 277], ['rte', 'test', 3000], ['wnli', 'train', 635], ['wnli', 'dev', 71], ['wnli', 'test', 146],
    ['qnli', 'dev', 5463], ['qnli', 'test', 5463],
  ];
  for (const [task, split, n] of counts) {
    const d = readGlue(task as never, GLUE, split as never);
    assert.equal(d.examples.length, n, `${task} ${split}`);
    assert.equal(d.skipped, 0);
    if (split === 'test') assert.ok(d.examples.every((e, i) => e.label === null && e.id === String(i)), `${task} test ids are its index column`);
  }
  // CoLA has no header: its first line is an example (label col 1, sentence col 3).
  const cola = readGlue('cola', join(GLUE, 'CoLA'), 'train').examples[0];
  assert.deepEqual([cola.textA, cola.textB, cola.label, cola.source.line], ["Our friends won't buy this analysis, let alone the next one we propose.", null, 1, 1]);
  // MRPC: BOM + header; label col 0; texts cols 3 and 4, bare quotes kept.
  const mrpc = readGlue('mrpc', GLUE, 'train').examples[0];
  assert.equal(mrpc.label, 1);
  assert.equal(mrpc.textA, 'Amrozi accused his brother , whom he called " the witness " , of deliberately distorting his evidence .');
  assert.ok(mrpc.textB!.startsWith('Referring to him as only " the witness "'));
  // SST-2 keeps the space before the tab (the tokenizer drops it).
  assert.equal(readGlue('sst2', GLUE, 'dev').examples[0].textA, "it 's a charming and often affecting journey . ");
  // STS-B: a float target from the last column, texts cols 7 and 8.
  const sts = readGlue('stsb', GLUE, 'train');
  assert.equal(sts.problemType, 'regression');
  assert.deepEqual(sts.labels, []);
  assert.deepEqual([sts.examples[0].textA, sts.examples[0].textB, sts.examples[0].label], ['A plane is taking off.', 'An air plane is taking off.', 5]);
  assert.ok(sts.examples.some((e) => !Number.isInteger(e.label)));
  // RTE: entailment = 0, not_entailment = 1.
  const rte = readGlue('rte', GLUE, 'dev');
  assert.deepEqual(rte.labels, ['entailment', 'not_entailment']);
  assert.equal(rte.examples[0].label, 1);
  assert.deepEqual(labelMaps(rte.labels), { id2label: { 0: 'entailment', 1: 'not_entailment' }, label2id: { entailment: 0, not_entailment: 1 } });
});

test('QQP, MNLI and QNLI train in the glue_data layout; QQP rows with missing columns are skipped; CRLF and BOM', () => {
  const dir = scratch('glue');
  put(dir, 'QQP/train.tsv', '\ufeffid\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\r\n'
    + '7\t15\t16\tHow do I "learn"?\tWhat is the best way to learn?\t1\r\n'
    + '8\t17\t18\tA broken row\r\n'
    + '9\t19\t20\tWhy?\tWhy not?\t0\r\n');
  const qqp = readGlue('qqp', dir, 'train');
  assert.equal(qqp.skipped, 1);
  assert.deepEqual(qqp.examples.map((e) => [e.id, e.textA, e.textB, e.label, e.source.line]),
    [['7', 'How do I "learn"?', 'What is the best way to learn?', 1, 2], ['9', 'Why?', 'Why not?', 0, 4]]);
  put(dir, 'QQP/test.tsv', 'id\tquestion1\tquestion2\n0\tOne?\tTwo?\n');
  assert.deepEqual(readGlue('qqp', dir, 'test').examples.map((e) => [e.id, e.textA, e.textB, e.label]), [['0', 'One?', 'Two?', null]]);

  const parse = '(ROOT)';
  const mnliRow = (i: number, a: string, b: string, labels: string[]) => [i, 31193, `${31193 + i}n`, 'government', parse, parse, parse, parse, a, b, ...labels].join('\t');
  const head = 'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2';
  put(dir, 'MNLI/train.tsv', `${head}\tlabel1\tgold_label\n${mnliRow(0, 'It rains.', 'It is wet.', ['entailment', 'entailment'])}\n${mnliRow(1, 'A.', 'Not A.', ['contradiction', 'contradiction'])}\n`);
  put(dir, 'MNLI/dev_matched.tsv', `${head}\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n${mnliRow(0, 'x', 'y', ['neutral', 'neutral', 'neutral', 'neutral', 'neutral', 'neutral'])}\n`);
  put(dir, 'MNLI/dev_mismatched.tsv', `${head}\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n${mnliRow(5, 'p', 'q', ['entailment', 'neutral', 'entailment', 'entailment', 'entailment', 'entailment'])}\n`);
  put(dir, 'MNLI/test_matched.tsv', `${head}\n${mnliRow(0, 't', 'u', [])}\n`);
  const mnli = readGlue('mnli', join(dir, 'MNLI'), 'train');
  assert.deepEqual(mnli.labels, ['contradiction', 'entailment', 'neutral']); // classifier_utils' order, not HF datasets'
  assert.deepEqual(mnli.examples.map((e) => [e.id, e.textA, e.textB, e.label]), [['0', 'It rains.', 'It is wet.', 1], ['1', 'A.', 'Not A.', 0]]);
  assert.equal(readGlue('mnli', dir, 'dev').examples[0].label, 2);
  assert.deepEqual(readGlue('mnli', dir, 'dev_mismatched').examples.map((e) => [e.id, e.label]), [['5', 1]]);
  assert.deepEqual(readGlue('mnli', dir, 'test').examples.map((e) => [e.textA, e.textB, e.label]), [['t', 'u', null]]);
  assert.deepEqual(glueTask('mnli').devSplits, ['dev', 'dev_mismatched']);
  assert.throws(() => readGlue('sst2', dir, 'dev_mismatched'), /no "dev_mismatched" split/);

  put(dir, 'QNLI/train.tsv', 'index\tquestion\tsentence\tlabel\n0\tWhen?\tIn 1990.\tentailment\n1\tWho?\tNobody knows.\tnot_entailment\n');
  assert.deepEqual(readGlue('qnli', dir, 'train').examples.map((e) => [e.textA, e.textB, e.label]), [['When?', 'In 1990.', 0], ['Who?', 'Nobody knows.', 1]]);
  assert.deepEqual(GLUE_TASKS, ['cola', 'sst2', 'mrpc', 'stsb', 'qqp', 'mnli', 'qnli', 'rte', 'wnli']);
});

test('bad GLUE files: one error naming the file, the line and the problem', () => {
  const dir = scratch('glue-bad');
  const rte = put(dir, 'RTE/train.tsv', 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\ta\tb\n');
  assert.throws(() => readGlue('rte', dir, 'train'), { message: `${rte}: line 3: 3 columns, expected 4 (as the header)` });
  put(dir, 'RTE/dev.tsv', 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n');
  assert.throws(() => readGlue('rte', dir, 'dev'), { message: `${join(dir, 'RTE/dev.tsv')}: line 2: unknown label "maybe" (the labels are "entailment", "not_entailment")` });
  const cola = put(dir, 'CoLA/train.tsv', 'gj04\t1\t\tFine.\ngj04\t1\tToo few.\n');
  assert.throws(() => readGlue('cola', dir, 'train'), { message: `${cola}: line 2: 3 columns, expected 4` });
  const head = 'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n';
  const sts = put(dir, 'STS-B/train.tsv', `${head}0\tg\tf\t2012\t0\tn\tn\tA.\tB.\tfive\n`);
  assert.throws(() => readGlue('stsb', dir, 'train'), { message: `${sts}: line 2: similarity score "five" is not a number` });
  const empty = put(dir, 'WNLI/train.tsv', '');
  assert.throws(() => readGlue('wnli', dir, 'train'), { message: `${empty}: is empty` });
  const headerOnly = put(dir, 'WNLI/dev.tsv', 'index\tsentence1\tsentence2\tlabel\n');
  assert.throws(() => readGlue('wnli', dir, 'dev'), { message: `${headerOnly}: has no examples` });
  const sst = put(dir, 'SST-2/train.tsv', 'sentence\tlabel\nok .\t1\n');
  assert.throws(() => readGlueFile('mrpc', sst, 'labelled'), /has 2 columns, but GLUE mrpc needs at least 5 \(is this the MRPC train\/dev file\?\)/);
  assert.throws(() => readGlue('mrpc', dir, 'train'), { message: `${join(dir, 'train.tsv')}: no such file` });
  put(dir, 'QQP/test.tsv', 'id\tquestion1\tquestion2\n0\tonly one\n');
  assert.throws(() => readGlue('qqp', dir, 'test'), /line 2: 2 columns, expected 3/); // test rows are never skipped
  assert.throws(() => glueTask('toString'), { message: 'unknown GLUE task "toString" (one of cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli)' });
  const latin1 = put(dir, 'SST-2/dev.tsv', Buffer.from([0x73, 0x65, 0x6e, 0x74, 0x09, 0x6c, 0x0a, 0xe9, 0x09, 0x31, 0x0a]));
  assert.throws(() => readGlue('sst2', dir, 'dev'), { message: `${latin1}: is not valid UTF-8 text` });
});
