// A synthetic corpus in which both pretraining tasks are learnable by a tiny model:
// - each document is a short story about one character, told through the day (morning, noon,
//   afternoon, evening, night), so the order of two runs of sentences is visible (SOP/NSP);
// - the character's name, animal, home, food and friend recur across sentences, and the template
//   words are predictable, so a masked word can be recovered from its context (MLM).
// Words are lower-case ASCII separated by spaces, one word = one piece of the word-level tokenizer.
import { Rng } from './rng.js';

const NAMES = ['anna', 'ben', 'clara', 'dan', 'emma', 'finn', 'greta', 'hugo', 'ida', 'jonas', 'kim', 'leo', 'mia', 'nils',
  'olga', 'paul', 'rosa', 'sam', 'tina', 'ugo', 'vera', 'walt', 'xena', 'yann', 'zoe', 'otto', 'lena', 'max'];
const ANIMALS = ['cat', 'dog', 'fox', 'owl', 'bear', 'duck', 'frog', 'goat', 'hare', 'mole', 'mouse', 'pig', 'seal', 'swan',
  'wolf', 'deer', 'crow', 'lamb'];
const PLACES = ['forest', 'village', 'castle', 'garden', 'harbor', 'meadow', 'mill', 'valley', 'cave', 'island', 'market',
  'school', 'library', 'bridge', 'farm', 'tower'];
const FOODS = ['apples', 'bread', 'cheese', 'cherries', 'honey', 'nuts', 'pears', 'plums', 'rice', 'soup', 'carrots',
  'berries', 'cake', 'eggs', 'fish', 'beans'];
const COLORS = ['red', 'blue', 'green', 'yellow', 'brown', 'white', 'black', 'gray', 'golden', 'silver'];

interface Cast { name: string; animal: string; home: string; away: string; food: string; friend: string; color: string; }

/** One template per time of day, each with variants; a story uses the slots in this order. */
const SLOTS: ((c: Cast, r: Rng) => string)[] = [
  (c, r) => [`once upon a time there was a ${c.color} ${c.animal} called ${c.name} .`, `there once lived a ${c.color} ${c.animal} whose name was ${c.name} .`][r.randint(0, 1)],
  (c, r) => [`${c.name} lived in the ${c.home} with a friend called ${c.friend} .`, `the home of ${c.name} was the ${c.home} , where ${c.friend} lived too .`][r.randint(0, 1)],
  (c, r) => [`early in the morning ${c.name} woke up and ate some ${c.food} .`, `in the morning the ${c.animal} had ${c.food} for breakfast .`][r.randint(0, 1)],
  (c, r) => [`at noon ${c.name} and ${c.friend} walked to the ${c.away} .`, `around noon the two friends went to the ${c.away} together .`][r.randint(0, 1)],
  (c, r) => [`in the afternoon they played games at the ${c.away} until they were tired .`, `all afternoon ${c.friend} and the ${c.color} ${c.animal} looked around the ${c.away} .`][r.randint(0, 1)],
  (c, r) => [`in the evening ${c.name} went back home to the ${c.home} .`, `when evening came the ${c.animal} returned to the ${c.home} .`][r.randint(0, 1)],
  (c, r) => [`at night ${c.name} slept in the ${c.home} and dreamed of ${c.food} .`, `late at night the ${c.animal} fell asleep thinking of ${c.food} .`][r.randint(0, 1)],
  (c, r) => [`the next day ${c.name} told everyone about the ${c.away} .`, `the next day ${c.friend} said that the ${c.away} was the best place .`][r.randint(0, 1)],
];

const pick = <T>(a: T[], r: Rng) => a[r.randint(0, a.length - 1)];

/** `documents` stories (each a list of sentences), reproducible from `seed`. */
export function syntheticDocuments(documents: number, seed: number): string[][] {
  const r = new Rng(seed);
  const docs: string[][] = [];
  for (let d = 0; d < documents; d++) {
    const name = pick(NAMES, r);
    let friend = pick(NAMES, r);
    while (friend === name) friend = pick(NAMES, r);
    const home = pick(PLACES, r);
    let away = pick(PLACES, r);
    while (away === home) away = pick(PLACES, r);
    const cast: Cast = { name, friend, home, away, animal: pick(ANIMALS, r), food: pick(FOODS, r), color: pick(COLORS, r) };
    docs.push(SLOTS.map((slot) => slot(cast, r)));
  }
  return docs;
}

/** The corpus in the 'lines' layout: one sentence per line, a blank line between documents. */
export function syntheticCorpusText(documents: number, seed: number): string {
  return syntheticDocuments(documents, seed).map((d) => d.join('\n') + '\n').join('\n');
}

/** Every word the generator can produce (for the word-level tokenizer), sorted. */
export function syntheticWords(): string[] {
  const words = new Set<string>([...NAMES, ...ANIMALS, ...PLACES, ...FOODS, ...COLORS]);
  const probe: Cast = { name: 'N', friend: 'N', home: 'P', away: 'P', animal: 'A', food: 'F', color: 'C' };
  for (const slot of SLOTS) {
    for (let v = 0; v < 2; v++) {
      const fixed = { random: () => 0, randint: (lo: number) => lo + v } as unknown as Rng;
      for (const w of slot(probe, fixed).split(' ')) if (!'NPAFC'.includes(w)) words.add(w);
    }
  }
  return [...words].sort();
}
