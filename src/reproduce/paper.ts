// The paper's numbers each analysis is set beside, typed from Lan et al. 2019, "ALBERT: A Lite BERT for
// Self-supervised Learning of Language Representations", arXiv:1909.11942v6 (ICLR 2020): Tables 3, 4
// and 5 (ALBERT-base settings, 125k steps). Downstream cells are dev-set F1/EM (SQuAD) or accuracy;
// Avg is the paper's: the mean of SQuAD1.1, SQuAD2.0 (each the mean of F1 and EM), MNLI, SST-2, RACE.
// Figure 1 is a plot (ALBERT-large vs BERT-large): only its shape is stated, in `FIGURE1_CLAIM`.

export interface PaperRow { model: string; cells: Record<string, string> }
export interface PaperTable { source: string; columns: string[]; rows: PaperRow[] }

const DOWN = ['SQuAD1.1', 'SQuAD2.0', 'MNLI', 'SST-2', 'RACE', 'Avg'];
const row = (model: string, columns: string[], values: string[]): PaperRow =>
  ({ model, cells: Object.fromEntries(columns.map((c, i) => [c, values[i]])) });

const T5_COLS = ['MLM', 'NSP', 'SOP', ...DOWN];
export const TABLE5: PaperTable = {
  source: 'Lan et al. 2019 (arXiv:1909.11942v6), Table 5: the effect of the sentence-prediction loss, ALBERT-base (E = 128, all shared)',
  columns: T5_COLS,
  rows: [
    row('None (MLM only)', T5_COLS, ['54.9', '52.4', '53.3', '88.6/81.5', '78.1/75.3', '81.5', '89.9', '61.7', '79.0']),
    row('NSP', T5_COLS, ['54.5', '90.5', '52.0', '88.4/81.5', '77.2/74.6', '81.6', '91.1', '62.3', '79.2']),
    row('SOP', T5_COLS, ['54.0', '78.9', '86.5', '89.3/82.3', '80.0/77.1', '82.0', '90.3', '64.0', '80.1']),
  ],
};

const T4_COLS = ['Parameters', ...DOWN];
export const TABLE4: PaperTable = {
  source: 'Lan et al. 2019 (arXiv:1909.11942v6), Table 4: cross-layer parameter sharing, ALBERT-base, E = 128 rows',
  columns: T4_COLS,
  rows: [
    row('all-shared', T4_COLS, ['12M', '89.3/82.3', '80.0/77.1', '82.0', '90.3', '64.0', '80.1']),
    row('shared-attention', T4_COLS, ['64M', '89.9/82.8', '80.7/77.9', '83.4', '91.9', '67.6', '81.7']),
    row('shared-FFN', T4_COLS, ['38M', '88.2/81.0', '78.2/75.2', '79.7', '90.6', '60.9', '78.5']),
    row('not-shared', T4_COLS, ['89M', '89.9/82.8', '80.3/77.3', '83.2', '91.5', '67.9', '81.6']),
  ],
};

export const TABLE3: PaperTable = {
  source: 'Lan et al. 2019 (arXiv:1909.11942v6), Table 3: the vocabulary embedding size E, ALBERT-base',
  columns: T4_COLS,
  rows: [
    row('not-shared, E=64', T4_COLS, ['87M', '89.9/82.9', '80.1/77.8', '82.9', '91.5', '66.7', '81.3']),
    row('not-shared, E=128', T4_COLS, ['89M', '89.9/82.8', '80.3/77.3', '83.7', '91.5', '67.9', '81.7']),
    row('not-shared, E=256', T4_COLS, ['93M', '90.2/83.2', '80.3/77.4', '84.1', '91.9', '67.3', '81.8']),
    row('not-shared, E=768', T4_COLS, ['108M', '90.4/83.2', '80.4/77.6', '84.5', '92.8', '68.2', '82.3']),
    row('all-shared, E=64', T4_COLS, ['10M', '88.7/81.4', '77.5/74.8', '80.8', '89.4', '63.5', '79.0']),
    row('all-shared, E=128', T4_COLS, ['12M', '89.3/82.3', '80.0/77.1', '81.6', '90.3', '64.0', '80.1']),
    row('all-shared, E=256', T4_COLS, ['16M', '88.8/81.5', '79.1/76.3', '81.5', '90.3', '63.4', '79.6']),
    row('all-shared, E=768', T4_COLS, ['31M', '88.6/81.5', '79.2/76.6', '82.0', '90.6', '63.3', '79.8']),
  ],
};

export const FIGURE1_CLAIM = 'Lan et al. 2019 (arXiv:1909.11942v6), Figure 1 (ALBERT-large vs BERT-large, per layer): '
  + "the L2 distance and cosine similarity between each layer's input and output embeddings change much more smoothly "
  + "from layer to layer for ALBERT than for BERT (BERT's oscillate); ALBERT's do not converge to 0 / 1, so the weight "
  + 'sharing does not make the layers an identity map (the paper reads this as stabilizing the parameters).';
