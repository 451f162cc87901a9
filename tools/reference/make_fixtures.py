#!/usr/bin/python3
"""Generate the parity fixtures in test/fixtures/parity/ with the independent reference in albert_ref.py.

    /usr/bin/python3 tools/reference/make_fixtures.py [OUT_DIR]     (default: test/fixtures/parity)

Each case directory holds what HF's save_pretrained writes (config.json + model.safetensors) plus
  batch.json                  the CLI's inputs format, with labels (forward ignores them)
  expected_forward.safetensors   eval-mode outputs under the names `albert forward` writes
  expected_grads.safetensors     `albert grad`'s names: loss scalars and every parameter's gradient
                                 (summed over the batches; tied / duplicated names carry the total)
  case.json                   a one-line description
Weights are random (seeded) with magnitudes of a trained model so that every op matters.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from albert_ref import HEAD_CLASSES, NO_POOLER, RefAlbert, from_bf16_bits, to_bf16_bits, write_safetensors  # noqa: E402
import squad_v2_ref  # noqa: E402

torch.set_default_dtype(torch.float64)

BASE = dict(vocab_size=99, embedding_size=16, hidden_size=32, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=40, type_vocab_size=2, num_hidden_layers=3, num_hidden_groups=1,
            inner_group_num=1, hidden_act='gelu_new', hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            classifier_dropout_prob=0.1, initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0,
            bos_token_id=2, eos_token_id=3)
# What the 'attention' and 'ffn' sharing strategies share, by per-layer name (see src/model/encoder.ts).
SHARED = {
    'attention': ('attention.query.', 'attention.key.', 'attention.value.', 'attention.dense.', 'attention.LayerNorm.'),
    'ffn': ('ffn.', 'ffn_output.', 'full_layer_layer_norm.'),
}


def layer_shapes(H, I):
    out = []
    for m in ('query', 'key', 'value', 'dense'):
        out += [(f'attention.{m}.weight', (H, H)), (f'attention.{m}.bias', (H,))]
    out += [('attention.LayerNorm.weight', (H,)), ('attention.LayerNorm.bias', (H,)),
            ('ffn.weight', (I, H)), ('ffn.bias', (I,)), ('ffn_output.weight', (H, I)), ('ffn_output.bias', (H,)),
            ('full_layer_layer_norm.weight', (H,)), ('full_layer_layer_norm.bias', (H,))]
    return out


def state_dict_shapes(cfg, head):
    """(name, shape) of every tensor HF's class for `head` saves (tied decoder tensors excluded)."""
    V, E, H, I = cfg['vocab_size'], cfg['embedding_size'], cfg['hidden_size'], cfg['intermediate_size']
    p = '' if head == 'base' else 'albert.'
    out = [(p + 'embeddings.word_embeddings.weight', (V, E)),
           (p + 'embeddings.position_embeddings.weight', (cfg['max_position_embeddings'], E)),
           (p + 'embeddings.token_type_embeddings.weight', (cfg['type_vocab_size'], E)),
           (p + 'embeddings.LayerNorm.weight', (E,)), (p + 'embeddings.LayerNorm.bias', (E,)),
           (p + 'encoder.embedding_hidden_mapping_in.weight', (H, E)),
           (p + 'encoder.embedding_hidden_mapping_in.bias', (H,))]
    for g in range(cfg['num_hidden_groups']):
        for j in range(cfg['inner_group_num']):
            out += [(f'{p}encoder.albert_layer_groups.{g}.albert_layers.{j}.{n}', s) for n, s in layer_shapes(H, I)]
    if head not in NO_POOLER:
        out += [(p + 'pooler.weight', (H, H)), (p + 'pooler.bias', (H,))]
    nl = cfg['num_labels']
    if head in ('pretraining', 'pretraining-nsp', 'masked-lm'):
        out += [('predictions.bias', (V,)), ('predictions.dense.weight', (E, H)), ('predictions.dense.bias', (E,)),
                ('predictions.LayerNorm.weight', (E,)), ('predictions.LayerNorm.bias', (E,))]
    if head == 'pretraining':
        out += [('sop_classifier.classifier.weight', (nl, H)), ('sop_classifier.classifier.bias', (nl,))]
    if head == 'pretraining-nsp':
        out += [('nsp_classifier.classifier.weight', (nl, H)), ('nsp_classifier.classifier.bias', (nl,))]
    if head in ('sequence-classification', 'token-classification'):
        out += [('classifier.weight', (nl, H)), ('classifier.bias', (nl,))]
    if head == 'question-answering':
        out += [('qa_outputs.weight', (nl, H)), ('qa_outputs.bias', (nl,))]
    if head == 'multiple-choice':
        out += [('classifier.weight', (1, H)), ('classifier.bias', (1,))]
    if head == 'squad-v2':
        out += squad_v2_ref.head_shapes(H)
    return out


def random_weights(shapes, rng):
    """Trained-model-like magnitudes: LayerNorm gains near 1, O(1) activations through every layer."""
    w = {}
    for name, shape in shapes:
        if name.endswith('LayerNorm.weight') or name.endswith('layer_norm.weight'):
            a = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith('bias'):
            a = 0.1 * rng.standard_normal(shape)
        elif 'embeddings' in name:
            a = 0.5 * rng.standard_normal(shape)
        else:
            a = rng.standard_normal(shape) / np.sqrt(shape[1])
        w[name] = a.astype(np.float32)
    return w


def hf_config(cfg, head, sharing, dtype_name):
    """config.json as HF's save_pretrained writes it (num_labels is carried by id2label when != 2)."""
    c = {k: v for k, v in cfg.items() if k not in ('num_labels', 'problem_type')}
    c['architectures'] = [HEAD_CLASSES[head]]
    c['model_type'] = 'albert'
    c['position_embedding_type'] = 'absolute'
    c['torch_dtype'] = dtype_name
    c['transformers_version'] = '4.36.2'
    if cfg['num_labels'] != 2:
        c['id2label'] = {str(i): f'LABEL_{i}' for i in range(cfg['num_labels'])}
        c['label2id'] = {f'LABEL_{i}': i for i in range(cfg['num_labels'])}
    if cfg.get('problem_type'):
        c['problem_type'] = cfg['problem_type']
    if sharing in SHARED:
        c['albert_ts_sharing'] = sharing
    return dict(sorted(c.items()))


def squad_window_batch(rng, name, S, cfg, windows):
    """SQuAD windows as google-research/albert lays them out: [CLS] question [SEP] context [SEP] padding,
    segment 1 = context + last [SEP]; windows = [(question length, context length, (start, end) in the
    context or None for no answer)]. Its p_mask (question, [SEP]s, padding) rides along as '_p_mask'."""
    rows = {k: [] for k in ('input_ids', 'attention_mask', 'token_type_ids', 'start_positions', 'end_positions',
                            'is_impossible', '_p_mask')}
    for q, c, span in windows:
        n = q + c + 3
        assert n <= S
        ids = [2] + rng.integers(5, cfg['vocab_size'], size=q).tolist() + [3] \
            + rng.integers(5, cfg['vocab_size'], size=c).tolist() + [3] + [cfg['pad_token_id']] * (S - n)
        rows['input_ids'].append(ids)
        rows['attention_mask'].append([1] * n + [0] * (S - n))
        rows['token_type_ids'].append([0] * (q + 2) + [1] * (c + 1) + [0] * (S - n))
        rows['_p_mask'].append([0] + [1] * (q + 1) + [0] * c + [1] * (S - q - 2 - c))
        rows['start_positions'].append(q + 2 + span[0] if span else 0)
        rows['end_positions'].append(q + 2 + span[1] if span else 0)
        rows['is_impossible'].append(0 if span else 1)
    return {'name': name, **rows}


def make_batch(rng, name, B, S, cfg, head, pad=(), C=None, windows=None):
    """Random ids; rows listed in pad get trailing padding; token types: 0 then 1 (two segments)."""
    if head == 'squad-v2':
        return squad_window_batch(rng, name, S, cfg, windows)
    lead = (B, C) if C else (B,)
    ids = rng.integers(0, cfg['vocab_size'], size=lead + (S,))
    mask = np.ones(lead + (S,), dtype=np.int64)
    tt = np.zeros(lead + (S,), dtype=np.int64)
    for idx in np.ndindex(*lead):
        tt[idx][S // 2:] = 1 if S > 1 else 0
    for r, n in pad:  # (row index tuple or int, number of padded positions)
        mask[r][..., S - n:] = 0
        ids[r][..., S - n:] = cfg['pad_token_id']
        tt[r][..., S - n:] = 0
    b = {'name': name, 'input_ids': ids.tolist(), 'attention_mask': mask.tolist(), 'token_type_ids': tt.tolist()}
    V, nl = cfg['vocab_size'], cfg['num_labels']
    if head in ('pretraining', 'pretraining-nsp', 'masked-lm'):
        lab = np.where(rng.random((B, S)) < 0.4, rng.integers(0, V, size=(B, S)), -100)
        lab[0, 0] = rng.integers(0, V)  # at least one real label per batch
        b['labels'] = lab.tolist()
    if head in ('pretraining', 'pretraining-nsp'):
        b['sentence_order_label'] = rng.integers(0, 2, size=B).tolist()
    if head == 'sequence-classification':
        pt = cfg.get('problem_type') or ('regression' if nl == 1 else 'single_label_classification')
        if pt == 'regression':
            b['labels'] = [round(float(x), 3) for x in rng.standard_normal(B)]
        elif pt == 'single_label_classification':
            b['labels'] = rng.integers(0, nl, size=B).tolist()
        else:
            b['labels'] = rng.integers(0, 2, size=(B, nl)).astype(float).tolist()
    if head == 'token-classification':
        lab = rng.integers(0, nl, size=(B, S))
        lab[mask[:, :] == 0] = -100
        b['labels'] = lab.tolist()
    if head == 'question-answering':
        b['start_positions'] = rng.integers(0, S, size=B).tolist()
        b['end_positions'] = rng.integers(0, S, size=B).tolist()
        if B > 1:
            b['end_positions'][1] = S + 7  # out of range: clamped to S and ignored, as HF does
    if head == 'multiple-choice':
        b['labels'] = rng.integers(0, C, size=B).tolist()
    return b


def to_torch_batch(b, head, cfg):
    t = {k: torch.tensor(b[k], dtype=torch.long) for k in ('input_ids', 'attention_mask', 'token_type_ids')}
    for k in ('sentence_order_label', 'start_positions', 'end_positions', 'is_impossible'):
        if k in b:
            t[k] = torch.tensor(b[k], dtype=torch.long)
    if '_p_mask' in b:
        t['p_mask'] = torch.tensor(b['_p_mask'], dtype=torch.float64)
    if 'labels' in b:
        pt = cfg.get('problem_type')
        is_float = head == 'sequence-classification' and (cfg['num_labels'] == 1 or pt in ('regression', 'multi_label_classification'))
        t['labels'] = torch.tensor(b['labels'], dtype=torch.float64 if is_float else torch.long)
    return t


def make_case(out_dir, name, description, head, overrides, batches, *, sharing='groups', dtype='F32',
              tied_in_file=False, position_ids_buffer=False, grads=True, seed=0):
    cfg = dict(BASE, num_labels=2)
    cfg.update(overrides)
    rng = np.random.default_rng(seed)
    shapes = state_dict_shapes(cfg, head)
    w32 = random_weights(shapes, rng)
    # Shared strategies are stored as one group per layer with the shared tensors duplicated.
    alias_of = {}
    if sharing in SHARED:
        for n, _ in shapes:
            parts = n.split('encoder.albert_layer_groups.')
            if len(parts) == 2:
                g, rest = parts[1].split('.', 1)
                local = rest.split('.', 2)[2]
                if g != '0' and local.startswith(SHARED[sharing]):
                    alias_of[n] = f'{parts[0]}encoder.albert_layer_groups.0.{rest}'
                    w32[n] = w32[alias_of[n]]
    # Store in the requested dtype; the reference computes with the stored (rounded) values.
    stored, values = [], {}
    for n, _ in shapes:
        a = w32[n]
        if dtype == 'F16':
            a16 = a.astype(np.float16)
            stored.append((n, a16))
            values[n] = a16.astype(np.float64)
        elif dtype == 'BF16':
            bits = to_bf16_bits(a)
            stored.append((n, ('BF16', bits)))
            values[n] = from_bf16_bits(bits).astype(np.float64)
        else:
            stored.append((n, a))
            values[n] = a.astype(np.float64)
    p = '' if head == 'base' else 'albert.'
    if tied_in_file and head in ('pretraining', 'pretraining-nsp', 'masked-lm'):
        stored.append(('predictions.decoder.weight', dict(stored)[p + 'embeddings.word_embeddings.weight']))
        stored.append(('predictions.decoder.bias', dict(stored)['predictions.bias']))
    if position_ids_buffer:  # older HF versions saved this buffer; loaders ignore it
        stored.append((p + 'embeddings.position_ids', np.arange(cfg['max_position_embeddings'], dtype=np.int64)[None, :]))

    case = os.path.join(out_dir, name)
    os.makedirs(case, exist_ok=True)
    dtype_name = {'F32': 'float32', 'F16': 'float16', 'BF16': 'bfloat16'}[dtype]
    with open(os.path.join(case, 'config.json'), 'w') as f:
        json.dump(hf_config(cfg, head, sharing, dtype_name), f, indent=2)
        f.write('\n')
    write_safetensors(os.path.join(case, 'model.safetensors'), stored, {'format': 'pt'})

    # One leaf per distinct tensor: duplicated (shared) names point at the same leaf.
    leaves = {}
    params = {}
    for n, _ in shapes:
        src = alias_of.get(n, n)
        if src not in leaves:
            leaves[src] = torch.tensor(values[src], requires_grad=True)
        params[n] = leaves[src]
    model = RefAlbert(cfg, head, params)

    rng_b = np.random.default_rng(seed + 1000)
    json_batches = [make_batch(rng_b, **spec, cfg=cfg, head=head) for spec in batches]
    with open(os.path.join(case, 'batch.json'), 'w') as f:
        json.dump({'batches': [{k: v for k, v in b.items() if not k.startswith('_')} for b in json_batches]}, f, separators=(',', ':'))
        f.write('\n')

    fwd = []
    totals = {}
    for b in json_batches:
        tb = to_torch_batch(b, head, cfg)
        out = model.forward(tb)
        for k, v in out.items():
            fwd.append((f"{b['name']}.{k}", v.detach().numpy().astype(np.float32)))
        if grads:
            losses = model.loss(out, tb)
            losses['loss'].backward()
            fwd_loss = losses['loss'].detach().numpy().astype(np.float32)
            totals.setdefault('per_batch', []).append((f"{b['name']}.loss", fwd_loss))
            for k, v in losses.items():
                totals[k] = totals.get(k, 0.0) + float(v.detach())
    write_safetensors(os.path.join(case, 'expected_forward.safetensors'), fwd)
    if grads:
        g = [(k, np.array(totals[k], dtype=np.float32)) for k in ('loss', 'mlm_loss', 'sop_loss', 'nsp_loss') if k in totals]
        g += totals['per_batch']
        for n, _ in shapes:
            g.append((n, params[n].grad.numpy().astype(np.float32)))
        if head in ('pretraining', 'pretraining-nsp', 'masked-lm'):
            g.append(('predictions.decoder.weight', params[p + 'embeddings.word_embeddings.weight'].grad.numpy().astype(np.float32)))
            g.append(('predictions.decoder.bias', params['predictions.bias'].grad.numpy().astype(np.float32)))
        write_safetensors(os.path.join(case, 'expected_grads.safetensors'), g)
    if head == 'squad-v2':
        squad_v2_extras(case, model, leaves, params, shapes, json_batches, cfg, train_seed=5)
    with open(os.path.join(case, 'case.json'), 'w') as f:
        json.dump({'description': description, 'head': head, 'sharing': sharing, 'weights_dtype': dtype,
                   'grads': grads}, f, indent=2)
        f.write('\n')


def squad_v2_extras(case, model, leaves, params, shapes, json_batches, cfg, train_seed):
    """expected_head.safetensors: each batch's p_mask and full start log-probs (-1e30-ish where p_mask is 1), and the
    train-mode loss and gradients (the answer class's dropout, classifier_dropout_prob, with albert-ts's mask
    for step seed train_seed + batch index; the encoder has no dropout), as `albert grad --train` sums them."""
    out = []
    for leaf in leaves.values():
        leaf.grad = None
    total = 0.0
    H, p = cfg['hidden_size'], cfg['classifier_dropout_prob']
    for i, b in enumerate(json_batches):
        tb = to_torch_batch(b, 'squad-v2', cfg)
        h, _, _ = model.encode(tb['input_ids'], tb['attention_mask'], tb['token_type_ids'])
        pred = squad_v2_ref.inference(h, model.w, tb['p_mask'])
        out.append((f"{b['name']}.start_log_probs", pred['start_log_probs'].detach().numpy().astype(np.float32)))
        out.append((f"{b['name']}.p_mask", np.array(b['_p_mask'], dtype=np.float32)))
        drop = squad_v2_ref.dropout_scale(train_seed + i, h.shape[0] * H, p)
        loss = squad_v2_ref.loss(h, model.w, tb['p_mask'], tb['start_positions'], tb['end_positions'], tb['is_impossible'], drop)
        loss.backward()
        total += float(loss.detach())
    out.append(('train.loss', np.array(total, dtype=np.float32)))
    for n, _ in shapes:
        out.append((f'train.{n}', params[n].grad.numpy().astype(np.float32)))
    write_safetensors(os.path.join(case, 'expected_head.safetensors'), out)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'test', 'fixtures', 'parity')
    os.makedirs(out, exist_ok=True)
    two = [dict(name='b0', B=2, S=7, pad=[(1, 3)]), dict(name='b1', B=1, S=1)]
    make_case(out, 'pretraining_gelu_new', 'AlbertForPreTraining (MLM + SOP), all layers shared, gelu_new, '
              'dropout 0.1 in config (forward is eval mode), padding, token types 0/1, a length-1 batch',
              'pretraining', dict(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1), two, seed=1)
    # HF slices its per-layer head_mask list into groups of int(L / G) and indexes it by inner layer, so
    # it can only run configs with inner_group_num <= int(L / G): 4 layers for 2 groups of 2.
    make_case(out, 'masked_lm_grouped_gelu', 'AlbertForMaskedLM, num_hidden_groups 2 x inner_group_num 2 over 4 '
              'layers, gelu, file with tied decoder tensors and the old position_ids buffer',
              'masked-lm', dict(hidden_act='gelu', num_hidden_layers=4, num_hidden_groups=2, inner_group_num=2),
              [dict(name='b0', B=2, S=6, pad=[(1, 2)])], tied_in_file=True, position_ids_buffer=True, seed=2)
    make_case(out, 'seqcls_bertlike_relu', 'AlbertForSequenceClassification, 3 labels, E = H without sharing '
              '(BERT-like), relu', 'sequence-classification',
              dict(embedding_size=32, num_hidden_groups=3, hidden_act='relu', num_labels=3),
              [dict(name='b0', B=3, S=5, pad=[(2, 2)])], seed=3)
    make_case(out, 'seqcls_regression_f16', 'AlbertForSequenceClassification, regression (1 label), F16 weights',
              'sequence-classification', dict(num_labels=1, num_hidden_layers=2),
              [dict(name='b0', B=2, S=6, pad=[(0, 1)])], dtype='F16', seed=4)
    make_case(out, 'seqcls_multilabel_bf16', 'AlbertForSequenceClassification, multi-label (4), BF16 weights',
              'sequence-classification', dict(num_labels=4, num_hidden_layers=2, problem_type='multi_label_classification'),
              [dict(name='b0', B=2, S=6, pad=[(1, 1)])], dtype='BF16', seed=5)
    make_case(out, 'tokencls_inner2', 'AlbertForTokenClassification, 5 labels, one group of 2 inner layers',
              'token-classification', dict(num_labels=5, num_hidden_layers=2, inner_group_num=2),
              [dict(name='b0', B=2, S=6, pad=[(1, 2)])], seed=6)
    make_case(out, 'qa', 'AlbertForQuestionAnswering, an out-of-range end position (clamped and ignored)',
              'question-answering', dict(num_hidden_layers=2), [dict(name='b0', B=2, S=7, pad=[(0, 2)])], seed=7)
    make_case(out, 'multiple_choice', 'AlbertForMultipleChoice, 3 choices, padding', 'multiple-choice',
              dict(num_hidden_layers=2), [dict(name='b0', B=2, S=5, C=3, pad=[((0, 1), 2), ((1, 2), 1)])], seed=8)
    make_case(out, 'base_model', 'AlbertModel (no "albert." prefix), forward only', 'base',
              dict(num_hidden_layers=2, hidden_act='gelu'),
              [dict(name='x', B=2, S=6, pad=[(1, 3)]), dict(name='y', B=1, S=1)], grads=False, seed=9)
    make_case(out, 'attention_shared', "AlbertForSequenceClassification with the paper's shared-attention "
              'ablation (stored HF-loadable: one group per layer, shared tensors duplicated)',
              'sequence-classification', dict(num_hidden_groups=3),
              [dict(name='b0', B=2, S=6, pad=[(1, 2)])], sharing='attention', seed=10)
    make_case(out, 'ffn_shared', "AlbertForMaskedLM with the paper's shared-FFN ablation", 'masked-lm',
              dict(num_hidden_groups=3, hidden_act='gelu'), [dict(name='b0', B=2, S=6, pad=[(0, 1)])],
              sharing='ffn', seed=11)
    make_case(out, 'groups_uneven', 'AlbertForTokenClassification, 3 layers in 2 groups: HF picks group '
              'int(i / (L / G)) = 0, 0, 1 (float division)', 'token-classification',
              dict(num_hidden_layers=3, num_hidden_groups=2, num_labels=3),
              [dict(name='b0', B=2, S=5, pad=[(1, 2)])], seed=13)
    make_case(out, 'pretraining_nsp', "albert-ts's NSP pretraining head (BERT's objective for the paper's "
              'comparison): MLM + next-sentence classifier nsp_classifier.classifier', 'pretraining-nsp',
              dict(num_hidden_layers=2, embedding_size=8), [dict(name='b0', B=2, S=5, pad=[(1, 1)])], seed=12)
    make_case(out, 'squad_v2', "albert-ts's AlbertForQuestionAnsweringV2 (google-research/albert's SQuAD 2.0 head: "
              'start, end on the start with a 5 x 5 beam, answer class), answerable and unanswerable windows, '
              'padding, a window with fewer than 5 answer positions', 'squad-v2', dict(num_hidden_layers=2),
              [dict(name='b0', B=3, S=14, windows=[(3, 8, (2, 4)), (2, 9, None), (4, 5, (0, 0))]),
               dict(name='b1', B=2, S=10, windows=[(4, 3, (1, 2)), (2, 5, None)])], seed=14)


if __name__ == '__main__':
    main()
