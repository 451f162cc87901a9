// RACE accuracy as google-research/albert's run_race reports it (the fraction of questions whose
// chosen option is the gold one, in [0, 1]), overall and per level (middle school, high school).
import { UserError } from '../errors.js';
import { checkCoverage, type SourceNames } from './coverage.js';

export type RaceLevel = 'middle' | 'high';

/** A question's gold option letter ("A".."D") and, where known, its level. */
export interface RaceGold {
  answer: string;
  level?: RaceLevel;
}

export interface RaceScores {
  accuracy: number;
  accuracy_middle?: number;
  accuracy_high?: number;
}

/** Accuracy over every question of `gold` (each needs a prediction), and per level where the gold has that level. */
export function scoreRace(gold: ReadonlyMap<string, RaceGold>, predicted: ReadonlyMap<string, string>, names: SourceNames = {}): RaceScores {
  if (gold.size === 0) throw new UserError('no RACE questions to score');
  checkCoverage(names.source ?? 'predictions', 'question', [...gold.keys()], predicted, true, names.dataName);
  const right = { all: 0, middle: 0, high: 0 }, total = { all: 0, middle: 0, high: 0 };
  for (const [id, g] of gold) {
    const ok = predicted.get(id) === g.answer ? 1 : 0;
    right.all += ok; total.all++;
    if (g.level) { right[g.level] += ok; total[g.level]++; }
  }
  const out: RaceScores = { accuracy: right.all / total.all };
  if (total.middle) out.accuracy_middle = right.middle / total.middle;
  if (total.high) out.accuracy_high = right.high / total.high;
  return out;
}
