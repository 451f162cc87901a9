// The plain-data types that flow in and out of the model (typed arrays, row-major, shapes in comments).

/** Which HF class the model is: the bare encoder or one of the heads. 'pretraining-nsp' is ours:
 *  AlbertForPreTraining with BERT's next-sentence objective in place of SOP (the paper's comparison);
 *  so is 'squad-v2', google-research/albert's SQuAD 2.0 head (AlbertForQuestionAnsweringV2, which HF
 *  cannot load). */
export type HeadKind = 'base' | 'pretraining' | 'pretraining-nsp' | 'masked-lm' | 'sequence-classification'
  | 'token-classification' | 'question-answering' | 'multiple-choice' | 'squad-v2';

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
  /** QA (B); positions outside [0, S) are clamped to S and ignored, as HF does. squad-v2: positions
   *  must be answer positions (CLS or the context), as google-research/albert's labels always are. */
  startPositions?: Int32Array;
  endPositions?: Int32Array;
  /** squad-v2 (B): 1 when the window holds no answer (unanswerable, or the answer outside it; then its
   *  positions are 0, the CLS), else 0. */
  isImpossible?: Int32Array;
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
  // squad-v2 (google-research/albert's names): the start log-probabilities, and the beam: the top
  // START_N_TOP starts and, for start k, the top END_N_TOP ends at index k * END_N_TOP + j.
  startLogProbs?: Float32Array;         // (B, S); about -1e30 where p_mask is 1
  startTopLogProbs?: Float32Array;      // (B, 5)
  startTopIndex?: Int32Array;           // (B, 5)
  endTopLogProbs?: Float32Array;        // (B, 25)
  endTopIndex?: Int32Array;             // (B, 25)
  /** squad-v2 (B): the answer-class logit, higher = no answer. */
  clsLogits?: Float32Array;
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
