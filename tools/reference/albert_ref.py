#!/usr/bin/python3
"""A minimal, independent PyTorch ALBERT (Lan et al. 2019) following HuggingFace transformers' conventions.

Written from the paper and HF's documented behaviour (state_dict names, post-LN layers, HF's layer-group
indexing, the additive attention mask (1 - mask) * finfo(float32).min, the heads and their losses), as a
functional model over a dict of named tensors so that it is easy to read and to check against.
Computation is in float64 so that it is a sharper reference than float32 code.

Used by make_fixtures.py; needs only torch (1.13 from Debian: /usr/bin/python3).
"""
import json
import math
import struct

import numpy as np
import torch

import squad_v2_ref

F32_MIN = float(np.finfo(np.float32).min)

HEAD_CLASSES = {
    'base': 'AlbertModel',
    'pretraining': 'AlbertForPreTraining',
    'pretraining-nsp': 'AlbertForPreTrainingNSP',  # albert-ts only: BERT's NSP in place of SOP (paper's comparison)
    'masked-lm': 'AlbertForMaskedLM',
    'sequence-classification': 'AlbertForSequenceClassification',
    'token-classification': 'AlbertForTokenClassification',
    'question-answering': 'AlbertForQuestionAnswering',
    'multiple-choice': 'AlbertForMultipleChoice',
    'squad-v2': 'AlbertForQuestionAnsweringV2',  # albert-ts only: google-research/albert's SQuAD 2.0 head
}
# Heads built on AlbertModel(add_pooling_layer=False) in HF (Google's v2 head reads the sequence output only).
NO_POOLER = {'masked-lm', 'token-classification', 'question-answering', 'squad-v2'}


def activation(name, x):
    if name == 'gelu':  # exact, erf-based
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == 'gelu_new':  # tanh approximation (GPT-2 / ALBERT v2)
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == 'relu':
        return torch.clamp(x, min=0.0)
    raise ValueError(name)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased, as torch.nn.LayerNorm
    return (x - mean) / torch.sqrt(var + eps) * w + b


def linear(x, w, b):
    return x @ w.t() + b


def cross_entropy(logits, labels, ignore_index=-100):
    """Mean over rows whose label != ignore_index (torch.nn.CrossEntropyLoss)."""
    keep = labels != ignore_index
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp[keep].gather(1, labels[keep].unsqueeze(1)).squeeze(1)
    return -picked.sum() / keep.sum()


class RefAlbert:
    """cfg: HF config dict (+ 'head'); w: name -> float64 tensor (HF state_dict names for the head's class)."""

    def __init__(self, cfg, head, w):
        self.cfg, self.head, self.w = cfg, head, w
        self.p = '' if head == 'base' else 'albert.'

    def W(self, name):
        return self.w[self.p + name]

    def layer(self, h, ext_mask, pre):
        c = self.cfg
        B, S, H = h.shape
        nh = c['num_attention_heads']
        hd = H // nh

        def heads(x):
            return x.view(B, S, nh, hd).permute(0, 2, 1, 3)

        q = heads(linear(h, self.W(pre + 'attention.query.weight'), self.W(pre + 'attention.query.bias')))
        k = heads(linear(h, self.W(pre + 'attention.key.weight'), self.W(pre + 'attention.key.bias')))
        v = heads(linear(h, self.W(pre + 'attention.value.weight'), self.W(pre + 'attention.value.bias')))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + ext_mask
        ctx = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, S, H)
        out = linear(ctx, self.W(pre + 'attention.dense.weight'), self.W(pre + 'attention.dense.bias'))
        a = layer_norm(h + out, self.W(pre + 'attention.LayerNorm.weight'), self.W(pre + 'attention.LayerNorm.bias'), c['layer_norm_eps'])
        f = activation(c['hidden_act'], linear(a, self.W(pre + 'ffn.weight'), self.W(pre + 'ffn.bias')))
        f = linear(f, self.W(pre + 'ffn_output.weight'), self.W(pre + 'ffn_output.bias'))
        return layer_norm(f + a, self.W(pre + 'full_layer_layer_norm.weight'), self.W(pre + 'full_layer_layer_norm.bias'), c['layer_norm_eps'])

    def encode(self, ids, mask, tt):
        """ids, mask, tt: (B, S) long. Returns last hidden (B,S,H), pooled (B,H) or None, hidden states list."""
        c = self.cfg
        S = ids.shape[1]
        # nn.Embedding(padding_idx=pad_token_id): the padding row receives no gradient from the lookup
        words = torch.nn.functional.embedding(ids, self.W('embeddings.word_embeddings.weight'), padding_idx=c['pad_token_id'])
        e = words + self.W('embeddings.token_type_embeddings.weight')[tt] \
            + self.W('embeddings.position_embeddings.weight')[torch.arange(S)].unsqueeze(0)
        e = layer_norm(e, self.W('embeddings.LayerNorm.weight'), self.W('embeddings.LayerNorm.bias'), c['layer_norm_eps'])
        h = linear(e, self.W('encoder.embedding_hidden_mapping_in.weight'), self.W('encoder.embedding_hidden_mapping_in.bias'))
        ext_mask = (1.0 - mask.to(h.dtype))[:, None, None, :] * F32_MIN
        hidden = [h]
        L, G = c['num_hidden_layers'], c['num_hidden_groups']
        if c['inner_group_num'] > int(L / G):
            # HF indexes head_mask[g * int(L/G):(g + 1) * int(L/G)] by inner layer: IndexError there
            raise ValueError(f'HF cannot run inner_group_num {c["inner_group_num"]} with {L} layers in {G} groups')
        for i in range(L):
            g = int(i / (L / G))  # HF's group index
            for j in range(c['inner_group_num']):
                h = self.layer(h, ext_mask, f'encoder.albert_layer_groups.{g}.albert_layers.{j}.')
            hidden.append(h)
        pooled = None
        if self.head not in NO_POOLER:
            pooled = torch.tanh(linear(h[:, 0], self.W('pooler.weight'), self.W('pooler.bias')))
        return h, pooled, hidden

    def mlm_logits(self, h):
        w, c = self.w, self.cfg
        x = activation(c['hidden_act'], linear(h, w['predictions.dense.weight'], w['predictions.dense.bias']))
        x = layer_norm(x, w['predictions.LayerNorm.weight'], w['predictions.LayerNorm.bias'], c['layer_norm_eps'])
        return x @ self.W('embeddings.word_embeddings.weight').t() + w['predictions.bias']

    def forward(self, batch):
        """batch: dict of long tensors input_ids, attention_mask, token_type_ids ((B,S) or (B,C,S)).
        Returns an ordered dict of outputs under HF's output names."""
        ids, mask, tt = batch['input_ids'], batch['attention_mask'], batch['token_type_ids']
        C = None
        if self.head == 'multiple-choice':
            C = ids.shape[1]
            ids, mask, tt = (x.reshape(-1, x.shape[-1]) for x in (ids, mask, tt))
        h, pooled, hidden = self.encode(ids, mask, tt)
        out = {'last_hidden_state': h}
        if pooled is not None:
            out['pooler_output'] = pooled
        for i, hs in enumerate(hidden):
            out[f'hidden_states.{i}'] = hs
        w = self.w
        if self.head == 'pretraining':
            out['prediction_logits'] = self.mlm_logits(h)
            out['sop_logits'] = linear(pooled, w['sop_classifier.classifier.weight'], w['sop_classifier.classifier.bias'])
        elif self.head == 'pretraining-nsp':
            out['prediction_logits'] = self.mlm_logits(h)
            out['seq_relationship_logits'] = linear(pooled, w['nsp_classifier.classifier.weight'], w['nsp_classifier.classifier.bias'])
        elif self.head == 'masked-lm':
            out['logits'] = self.mlm_logits(h)
        elif self.head == 'sequence-classification':
            out['logits'] = linear(pooled, w['classifier.weight'], w['classifier.bias'])
        elif self.head == 'token-classification':
            out['logits'] = linear(h, w['classifier.weight'], w['classifier.bias'])
        elif self.head == 'question-answering':
            se = linear(h, w['qa_outputs.weight'], w['qa_outputs.bias'])
            out['start_logits'], out['end_logits'] = se[..., 0].contiguous(), se[..., 1].contiguous()
        elif self.head == 'multiple-choice':
            out['logits'] = linear(pooled, w['classifier.weight'], w['classifier.bias']).view(-1, C)
        elif self.head == 'squad-v2':  # p_mask comes with the batch (the features' own, not derived here)
            pred = squad_v2_ref.inference(h, w, batch['p_mask'])
            for k in ('start_top_log_probs', 'start_top_index', 'end_top_log_probs', 'end_top_index', 'cls_logits'):
                out[k] = pred[k]
        return out

    def loss(self, out, batch):
        """HF's loss for the head; returns dict with 'loss' (+ 'mlm_loss' for the MLM heads, 'sop_loss')."""
        c = self.cfg
        if self.head in ('pretraining', 'pretraining-nsp'):
            sop_or_nsp = 'sop' if self.head == 'pretraining' else 'nsp'
            logits = out['sop_logits' if sop_or_nsp == 'sop' else 'seq_relationship_logits']
            mlm = cross_entropy(out['prediction_logits'].reshape(-1, c['vocab_size']), batch['labels'].reshape(-1))
            sent = cross_entropy(logits.reshape(-1, 2), batch['sentence_order_label'].reshape(-1))
            return {'loss': mlm + sent, 'mlm_loss': mlm, f'{sop_or_nsp}_loss': sent}
        if self.head == 'masked-lm':
            mlm = cross_entropy(out['logits'].reshape(-1, c['vocab_size']), batch['labels'].reshape(-1))
            return {'loss': mlm, 'mlm_loss': mlm}
        if self.head == 'sequence-classification':
            logits, labels = out['logits'], batch['labels']
            n = logits.shape[-1]
            pt = c.get('problem_type') or ('regression' if n == 1 else
                                           'single_label_classification' if labels.dtype == torch.long else
                                           'multi_label_classification')
            if pt == 'regression':
                d = (logits.squeeze() - labels.squeeze()) if n == 1 else (logits - labels)
                return {'loss': (d ** 2).mean()}
            if pt == 'single_label_classification':
                return {'loss': cross_entropy(logits.view(-1, n), labels.view(-1))}
            # BCEWithLogits, mean over all elements, in the numerically stable form
            z, y = logits, labels
            return {'loss': (torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()}
        if self.head == 'token-classification':
            n = out['logits'].shape[-1]
            return {'loss': cross_entropy(out['logits'].reshape(-1, n), batch['labels'].reshape(-1))}
        if self.head == 'question-answering':
            S = out['start_logits'].shape[1]
            sp = batch['start_positions'].clamp(0, S)
            ep = batch['end_positions'].clamp(0, S)
            return {'loss': (cross_entropy(out['start_logits'], sp, S) + cross_entropy(out['end_logits'], ep, S)) / 2}
        if self.head == 'multiple-choice':
            return {'loss': cross_entropy(out['logits'], batch['labels'])}
        if self.head == 'squad-v2':
            return {'loss': squad_v2_ref.loss(out['last_hidden_state'], self.w, batch['p_mask'], batch['start_positions'],
                                              batch['end_positions'], batch['is_impossible'])}
        raise ValueError(f'head {self.head} has no loss')


# ---------------------------------------------------------------------------------------------
# safetensors, written by hand (no safetensors package on this machine)

def to_bf16_bits(a32):
    """float32 array -> uint16 bfloat16 bits, round to nearest even."""
    bits = a32.astype('<f4').view('<u4').astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype('<u2')


def from_bf16_bits(b16):
    return (b16.astype(np.uint32) << 16).view('<f4')


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, numpy array) in file order; dtype from the array (f4, f2, i8) or
    ('BF16', uint16 bits)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, arr in tensors:
        if isinstance(arr, tuple):
            dtype, arr = arr
        else:
            dtype = {'float32': 'F32', 'float16': 'F16', 'int64': 'I64'}[str(arr.dtype)]
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(arr.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
