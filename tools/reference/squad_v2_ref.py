#!/usr/bin/python3
"""google-research/albert's SQuAD 2.0 head (squad_utils.create_v2_model and the v2 loss of
v2_model_fn_builder), written independently in float64 PyTorch from the fact sheet's description
(shared/reference/downstream.md section 1.5), over the final hidden states H (B, S, H):

    mask(x) = x (1 - p_mask) - 1e30 p_mask
    start:  log_softmax(mask(dense(H)))
    end:    log_softmax(mask(dense_1(layer_norm(tanh(dense_0([H_t ; H_s]))))))   H_s: gold start (loss) or beam
    answer: dense_1_nobias(dropout(tanh(dense_0([sum_t softmax(mask(start))_t H_t ; H_0]))))
    loss = (CE_start + CE_end) / 2 + BCE(cls, is_impossible) / 2

The beam is tf.nn.top_k's: the k largest, ties to the lower index (done here with a sort on (-value, index)).
Dropout (training only) reproduces albert-ts's counter-based mask (src/backend/backend.ts dropoutKeep,
src/model/params.ts siteSeed at the head's site 2^30), so that train-mode gradients can be compared too.
Tensor names are albert-ts's (HF style) for the head's weights.
"""
import math

import torch

START_N_TOP = 5
END_N_TOP = 5
HEAD_DROPOUT_SITE = 1 << 30
M32 = 0xFFFFFFFF


def head_shapes(H):
    return [('start_logits.dense.weight', (1, H)), ('start_logits.dense.bias', (1,)),
            ('end_logits.dense_0.weight', (H, 2 * H)), ('end_logits.dense_0.bias', (H,)),
            ('end_logits.LayerNorm.weight', (H,)), ('end_logits.LayerNorm.bias', (H,)),
            ('end_logits.dense_1.weight', (1, H)), ('end_logits.dense_1.bias', (1,)),
            ('answer_class.dense_0.weight', (H, 2 * H)), ('answer_class.dense_0.bias', (H,)),
            ('answer_class.dense_1.weight', (1, H))]


def fmix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def dropout_scale(step_seed, n, p):
    """keep(i) / (1 - p) for i < n, albert-ts's mask at the head's dropout site for a step seed."""
    seed = fmix32(((step_seed & M32) ^ (((HEAD_DROPOUT_SITE + 1) * 0x9E3779B9) & M32)) & M32)
    cut = math.floor(p * 16777216)
    s0 = fmix32(seed)
    keep = [1.0 if (fmix32((s0 ^ i) & M32) >> 8) >= cut else 0.0 for i in range(n)]
    return torch.tensor(keep, dtype=torch.float64) / (1.0 - p)


def masked(x, p_mask):
    return x * (1 - p_mask) - 1e30 * p_mask


def tf_layer_norm(x, g, b):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-12) * g + b


def start_logits_masked(h, w, p_mask):
    s = (h @ w['start_logits.dense.weight'].t()).squeeze(-1) + w['start_logits.dense.bias']
    return masked(s, p_mask)


def end_log_probs(h, hs, w, p_mask):
    """h (B, S, H), hs (B, K, H) start states -> (B, K, S) end log-probs."""
    B, S, H = h.shape
    K = hs.shape[1]
    x = torch.cat([h[:, None].expand(B, K, S, H), hs[:, :, None].expand(B, K, S, H)], dim=-1)
    y = torch.tanh(x @ w['end_logits.dense_0.weight'].t() + w['end_logits.dense_0.bias'])
    y = tf_layer_norm(y, w['end_logits.LayerNorm.weight'], w['end_logits.LayerNorm.bias'])
    e = (y @ w['end_logits.dense_1.weight'].t()).squeeze(-1) + w['end_logits.dense_1.bias']
    return torch.log_softmax(masked(e, p_mask[:, None]), dim=-1)


def cls_logits(h, start_masked, w, drop=None):
    p = torch.softmax(start_masked, dim=-1)
    feature = torch.einsum('bs,bsh->bh', p, h)
    x = torch.cat([feature, h[:, 0]], dim=-1)
    a = torch.tanh(x @ w['answer_class.dense_0.weight'].t() + w['answer_class.dense_0.bias'])
    if drop is not None:
        a = a * drop.view(a.shape)
    return (a @ w['answer_class.dense_1.weight'].t()).squeeze(-1)


def top_k(row, k):
    order = sorted(range(len(row)), key=lambda t: (-float(row[t]), t))[:k]
    return order, [row[t] for t in order]


def inference(h, w, p_mask):
    """Google's predictions: start_log_probs (B, S), start_top_* (B, 5), end_top_* (B, 25), cls_logits (B)."""
    B, S, H = h.shape
    sm = start_logits_masked(h, w, p_mask)
    slp = torch.log_softmax(sm, dim=-1)
    st_i, st_v = [], []
    for b in range(B):
        i, v = top_k(slp[b], START_N_TOP)
        st_i.append(i)
        st_v.append(torch.stack(v))
    index = torch.tensor(st_i)
    hs = torch.stack([h[b, index[b]] for b in range(B)])  # (B, K, H)
    elp = end_log_probs(h, hs, w, p_mask)
    et_i, et_v = [], []
    for b in range(B):
        ii, vv = [], []
        for k in range(START_N_TOP):
            i, v = top_k(elp[b, k], END_N_TOP)
            ii += i
            vv += v
        et_i.append(ii)
        et_v.append(torch.stack(vv))
    return {
        'start_log_probs': slp,
        'start_top_log_probs': torch.stack(st_v), 'start_top_index': index.to(torch.float64),
        'end_top_log_probs': torch.stack(et_v), 'end_top_index': torch.tensor(et_i, dtype=torch.float64),
        'cls_logits': cls_logits(h, sm, w),
    }


def loss(h, w, p_mask, start_positions, end_positions, is_impossible, drop=None):
    """The v2 training loss; the end conditioned on the gold start."""
    B = h.shape[0]
    sm = start_logits_masked(h, w, p_mask)
    slp = torch.log_softmax(sm, dim=-1)
    hs = h[torch.arange(B), start_positions][:, None]  # (B, 1, H)
    elp = end_log_probs(h, hs, w, p_mask)[:, 0]
    ce_start = -slp[torch.arange(B), start_positions].mean()
    ce_end = -elp[torch.arange(B), end_positions].mean()
    z, y = cls_logits(h, sm, w, drop), is_impossible.to(torch.float64)
    bce = (torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()
    return (ce_start + ce_end) / 2 + bce / 2
