// The package root is an explicit API: the names below, every name the README's TypeScript section
// imports among them, and nothing re-exported wholesale from a room's internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runtime names of the public API (types are checked by the compiler where tests import them). */
const PUBLIC = [
  'loadBackend', 'describeBackend', 'JsBackend', 'NativeBackend', 'withDtype', 'dtypeEngine', 'DTYPES',
  'SentencePieceModel', 'ModelError', 'writeSentencePieceModel', 'parseModelProto', 'PieceType', 'ModelType', 'AlbertTokenizer',
  'readTokenizerJson', 'fromTokenizerJson', 'preprocess',
  'parseConfig', 'readConfigFile', 'configToJson', 'withConfig', 'SHARING_STRATEGIES', 'PRESET_NAMES', 'presetConfig', 'configFromSpec',
  'AlbertModel', 'HEAD_KINDS', 'parseHeadKind', 'countParameters', 'encoderLayout', 'formatParameterTable', 'parameterRow',
  'loadPretrained', 'savePretrained', 'openModel', 'stateDict', 'readSafetensors', 'writeSafetensors', 'readSafetensorsHeader',
  'createPretrainingData', 'trainTokenizer', 'pretrain', 'Trainer', 'fillMask', 'worldComm', 'mpiBuilt', 'launchedRanks',
  'scoreGlue', 'accuracy', 'f1', 'matthewsCorrelation', 'pearson', 'spearman', 'averageRanks', 'glueTaskName', 'GLUE_TASK_METRICS', 'GLUE_TASK_IDS',
  'normalizeAnswer', 'exactMatch', 'tokenF1', 'tokenF1V2', 'evaluateSquadV1', 'evaluateSquadV2', 'findBestThreshold', 'evaluateSquadV2Tuned', 'answerAtThreshold', 'readSquadGold',
  'scoreRace', 'scorePredictions', 'scoreSquadFiles', 'scoreGlueFile', 'scoreRaceFile', 'UserError',
  'GLUE_TASKS', 'glueTask', 'glueFile', 'readGlue', 'readGlueFile', 'readTabular', 'tabularFormat', 'discoverLabels', 'labelMaps',
  'parseCsv', 'featurizeText', 'textBatch', 'packRows', 'readSquad', 'featurizeSquad', 'squadBatch', 'decodeQa', 'decodeQaBeam', 'beamResultsOf',
  'RACE_LEVELS', 'RACE_CHOICES', 'raceQa', 'readRace', 'readRacePassages', 'readRaceJsonl', 'featurizeRace', 'raceBatch',
  'scoreClassification', 'scoreRegression', 'scoreMultiLabel', 'meanSquaredError', 'dtypeAgreement', 'textBatches',
  'finetune', 'evaluate', 'predict', 'openTask', 'paperRecipe', 'TASK_IDS',
  'reproduce', 'ANALYSES',
  'pipeline', 'pipelineTaskForModel', 'PIPELINE_TASKS',
  'serve',
];

test('the package root exports exactly the public names, each listed explicitly', () => {
  assert.deepEqual(Object.keys(api).sort(), [...PUBLIC].sort());
  for (const name of PUBLIC) assert.notEqual((api as Record<string, unknown>)[name], undefined, name);
  const index = fs.readFileSync(path.join(ROOT, 'src/index.ts'), 'utf8');
  assert.doesNotMatch(index, /export \*/, 'src/index.ts re-exports a room wholesale');
});

test('every name the README\'s TypeScript section imports from albert-ts is exported', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const names = [...readme.matchAll(/import \{([^}]*)\} from 'albert-ts'/g)].flatMap((m) => m[1].split(',').map((n) => n.trim().replace(/^type /, ''))).filter((n) => /^\w+$/.test(n));
  assert.ok(names.length >= 7, `found only ${names.join(', ')}`);
  for (const n of names) assert.ok(PUBLIC.includes(n), `README imports ${n}, which the package root does not export`);
});
