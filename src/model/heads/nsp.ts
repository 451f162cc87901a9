// Next-sentence prediction, BERT's objective, for the paper's NSP-vs-SOP comparison: is B the
// continuation of A (label 0) or a segment from another document (label 1)? HF has no ALBERT NSP
// head; ours mirrors the SOP head under the name nsp_classifier.classifier.{weight,bias}.
import { sentenceObjective } from './sentence.js';

export const NSP = sentenceObjective('nsp', 'nsp_classifier.classifier');
