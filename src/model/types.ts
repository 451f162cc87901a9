// The plain-data types that flow in and out of the model (typed arrays, row-major, shapes in comments).

/** Which HF class the model is: the bare encoder or one of the heads. 'pretraining-nsp' is ours:
 *  AlbertForPreTraining with BERT's next-sentence objective in place of SOP (the paper's comparison). */
export type HeadKind = 'base' | 'pretraining' | 'pretraining-nsp' | 'masked-lm' | 'sequence-classification'
  | 'token-classification' | 'question-answering' | 'multiple-choice';

export interface ModelInputs {
  /** (B, S) row-major; for multiple-choice (B, C, S) flattened, with numChoices = C. */
  inputIds: Int32Array;
  /** (B, S) 1 = attend, 0 = padding; default all ones. */
  attentionMask?: Int32Array;
  /** (B, S) default zeros. */
  tokenTypeIds?: Int32Array;
  batch: number;
  seq: number;
  numChoices?: number;
}

export interface Labels {
  /** MLM (B, S) with -100 ignored; seq-cls (B) int, or float for regression / multi-label (B, num_labels);
   *  token-cls (B, S) (-100 ignored); multiple-choice (B). */
  labels?: Int32Array | Float32Array;
  /** (B): SOP (0 = in order, 1 = swapped) for 'pretraining'; NSP (0 = next, 1 = random) for 'pretraining-nsp'. */
  sentenceOrderLabel?: Int32Array;
  /** QA (B); positions outside [0, S) are clamped to S and ignored, as HF does. */
  startPositions?: Int32Array;
  endPositions?: Int32Array;
}

/** Eval-mode outputs, fresh arrays, shapes as HF returns them (B' = B, or B*C for multiple choice). */
export interface ModelOutputs {
  lastHiddenState: Float32Array;        // (B', S, H)
  /** (B', H); empty (length 0) for the heads whose HF class has no pooler (masked-lm, token-cls, QA). */
  poolerOutput: Float32Array;
  hiddenStates?: Float32Array[];        // L+1 entries of (B', S, H); entry 0 = after embedding_hidden_mapping_in
  predictionLogits?: Float32Array;      // pretraining heads: (B, S, V)
  sopLogits?: Float32Array;             // 'pretraining': (B, 2)
  nspLogits?: Float32Array;             // 'pretraining-nsp': (B, 2)
  /** masked-lm (B, S, V) (HF's MaskedLMOutput.logits); seq-cls (B, num_labels); token-cls (B, S, num_labels); multiple-choice (B, C). */
  logits?: Float32Array;
  startLogits?: Float32Array;           // (B, S)
  endLogits?: Float32Array;             // (B, S)
}

export interface LossResult {
  /** The loss HF's class returns (NaN where PyTorch gives NaN: a mean over zero labelled items). */
  loss: number;
  mlmLoss?: number;
  sopLoss?: number;                     // 'pretraining'
  nspLoss?: number;                     // 'pretraining-nsp'
  /** Fraction of labelled MLM positions whose argmax is the label; sentence accuracy likewise. */
  mlmAccuracy?: number;
  sentenceAccuracy?: number;
}
