#!/usr/bin/python3
"""Cross-check albert_ref.RefAlbert's transformer layer against torch.nn.TransformerEncoderLayer
(post-LN, same math, PyTorch's own implementation), so that the fixtures do not rest on one reading.

    /usr/bin/python3 tools/reference/check_ref.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from albert_ref import RefAlbert, activation, cross_entropy  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
H, nh, I, B, S = 32, 4, 37, 3, 6
for act in ('gelu', 'relu'):
    layer = torch.nn.TransformerEncoderLayer(H, nh, I, dropout=0.0, activation=act, layer_norm_eps=1e-12, batch_first=True)
    for p in layer.parameters():
        torch.nn.init.normal_(p, std=0.3)
    layer.eval()
    q, k, v = layer.self_attn.in_proj_weight.detach().chunk(3)
    qb, kb, vb = layer.self_attn.in_proj_bias.detach().chunk(3)
    pre = 'encoder.albert_layer_groups.0.albert_layers.0.'
    w = {pre + 'attention.query.weight': q, pre + 'attention.query.bias': qb,
         pre + 'attention.key.weight': k, pre + 'attention.key.bias': kb,
         pre + 'attention.value.weight': v, pre + 'attention.value.bias': vb,
         pre + 'attention.dense.weight': layer.self_attn.out_proj.weight.detach(),
         pre + 'attention.dense.bias': layer.self_attn.out_proj.bias.detach(),
         pre + 'attention.LayerNorm.weight': layer.norm1.weight.detach(), pre + 'attention.LayerNorm.bias': layer.norm1.bias.detach(),
         pre + 'ffn.weight': layer.linear1.weight.detach(), pre + 'ffn.bias': layer.linear1.bias.detach(),
         pre + 'ffn_output.weight': layer.linear2.weight.detach(), pre + 'ffn_output.bias': layer.linear2.bias.detach(),
         pre + 'full_layer_layer_norm.weight': layer.norm2.weight.detach(), pre + 'full_layer_layer_norm.bias': layer.norm2.bias.detach()}
    ref = RefAlbert(dict(num_attention_heads=nh, layer_norm_eps=1e-12, hidden_act=act), 'base', w)
    x = torch.randn(B, S, H)
    mask = torch.ones(B, S, dtype=torch.long)
    mask[1, 4:] = 0
    mask[2, 1:] = 0
    ext = (1.0 - mask.double())[:, None, None, :] * float(torch.finfo(torch.float32).min)
    ours = ref.layer(x, ext, pre)
    with torch.no_grad():
        theirs = layer(x, src_key_padding_mask=mask == 0)
    err = (ours - theirs).abs().max().item()
    print(f'{act}: max |ref - nn.TransformerEncoderLayer| = {err:.3g}')
    assert err < 1e-10, err
x = torch.randn(1000) * 3
assert (activation('gelu_new', x) - F.gelu(x, approximate='tanh')).abs().max() < 1e-12
assert (activation('gelu', x) - F.gelu(x)).abs().max() < 1e-12
logits = torch.randn(7, 5)
labels = torch.tensor([0, 4, -100, 2, 2, -100, 1])
assert abs(cross_entropy(logits, labels) - F.cross_entropy(logits, labels)) < 1e-12
assert abs(cross_entropy(logits, labels.clamp(0, 4), 4) - F.cross_entropy(logits, labels.clamp(0, 4), ignore_index=4)) < 1e-12
print('activations and losses: ok')
print('ok')
