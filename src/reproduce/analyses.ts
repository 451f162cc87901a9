// The four analyses: which models each compares (objective, E, sharing) at a given scale, and the
// paper's table it is set beside.
import { UserError } from '../errors.js';
import type { SharingStrategy } from '../model/config.js';
import type { PretrainObjective } from '../train/run_settings.js';
import type { Scale } from './budget.js';
import { TABLE3, TABLE4, TABLE5, type PaperTable } from './paper.js';

export const ANALYSES = ['table5', 'table4', 'table3', 'figure1'] as const;
export type AnalysisName = (typeof ANALYSES)[number];

export interface ModelPlan {
  /** Folder name and the table's row. */
  name: string;
  objective: PretrainObjective;
  embedding: number;
  sharing: SharingStrategy;
}

export interface Analysis {
  name: AnalysisName;
  title: string;
  paper: PaperTable | null;
  /** The sentence objectives whose data the analysis needs (training and held-out). */
  objectives: ('sop' | 'nsp')[];
  models(s: Scale): ModelPlan[];
}

const m = (name: string, objective: PretrainObjective, embedding: number, sharing: SharingStrategy): ModelPlan => ({ name, objective, embedding, sharing });

const DEFS: Record<AnalysisName, Analysis> = {
  table5: {
    name: 'table5', title: 'Table 5: the sentence-prediction loss (none, NSP, SOP)', paper: TABLE5, objectives: ['sop', 'nsp'],
    models: (s) => [m('mlm', 'mlm', s.embedding, 'all'), m('nsp', 'nsp', s.embedding, 'all'), m('sop', 'sop', s.embedding, 'all')],
  },
  table4: {
    name: 'table4', title: 'Table 4: cross-layer parameter sharing', paper: TABLE4, objectives: ['sop'],
    models: (s) => [m('all-shared', 'sop', s.embedding, 'all'), m('shared-attention', 'sop', s.embedding, 'attention'),
      m('shared-ffn', 'sop', s.embedding, 'ffn'), m('not-shared', 'sop', s.embedding, 'none')],
  },
  table3: {
    name: 'table3', title: 'Table 3: the embedding size E', paper: TABLE3, objectives: ['sop'],
    models: (s) => (['none', 'all'] as const).flatMap((sh) => s.embeddings.map((e) => m(`${sh === 'all' ? 'all' : 'not'}-shared-E${e}`, 'sop', e, sh))),
  },
  figure1: {
    name: 'figure1', title: "Figure 1: layer-to-layer transitions of the embeddings (ALBERT vs BERT-like)", paper: null, objectives: ['sop'],
    models: (s) => [m('albert', 'sop', s.embedding, 'all'), m('bert', 'sop', s.hidden, 'none')],
  },
};

export function analysis(name: string): Analysis {
  if (!(ANALYSES as readonly string[]).includes(name)) throw new UserError(`unknown analysis "${name}" (one of ${ANALYSES.join(', ')})`);
  return DEFS[name as AnalysisName];
}

/** The config overrides of one model at a scale. */
export function modelConfig(p: ModelPlan, s: Scale): Record<string, unknown> {
  return {
    embedding_size: p.embedding, hidden_size: s.hidden, num_hidden_layers: s.layers, num_attention_heads: s.heads,
    intermediate_size: s.intermediate, max_position_embeddings: 128,
    // attention / ffn sharing is stored as one group per layer (HF can load it), the shared tensors duplicated
    ...(p.sharing === 'all' ? {} : { num_hidden_groups: s.layers }),
    ...(p.sharing === 'attention' || p.sharing === 'ffn' ? { albert_ts_sharing: p.sharing } : {}),
  };
}
