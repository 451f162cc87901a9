// Sentence-order prediction (the paper's third idea): is segment B the continuation of A (label 0)
// or were the two swapped (label 1)? HF AlbertSOPHead: sop_classifier.classifier.{weight,bias}.
import { sentenceObjective } from './sentence.js';

export const SOP = sentenceObjective('sop', 'sop_classifier.classifier');
