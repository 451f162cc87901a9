#!/usr/bin/env python3
"""A minimal PyTorch ALBERT of the same shapes as albert-ts, the baseline of `npm run bench`.

Written for the benchmark only: the same computation as HF's AlbertModel / AlbertForPreTraining /
AlbertForSequenceClassification (factorized embedding, E -> H mapping, post-LN layers shared in
groups, pooler, MLM + SOP heads or dropout + classifier), in HF's eager PyTorch style (separate
query/key/value projections, matmul-softmax-matmul attention), with random weights, in float32.
Modes (all with torch.set_num_threads(T)):

  --mode infer     eval forward with pooler (no_grad), like AlbertModel
  --mode train     forward + backward + AdamW, MLM on 15% of positions + SOP, like AlbertForPreTraining
                   (the MLM decoder runs at every position, as HF's class does)
  --mode finetune  a fine-tuning step as HF's Trainer makes it on AlbertForSequenceClassification
                   (num_labels of the config, random labels): cross-entropy, backward,
                   clip_grad_norm_(1.0), torch.optim.AdamW (lr 5e-5, eps 1e-8, weight decay 0.01 in the
                   group of every weight but biases and LayerNorm weights, 0 in the other) and
                   get_linear_schedule_with_warmup's LambdaLR (no warmup)
  --mode classify  its evaluation: eval forward (no_grad) + softmax over the labels
  --check DIR    load an HF directory albert-ts saved (config.json, model.safetensors; an
                 AlbertForPreTraining or AlbertForSequenceClassification) and DIR/io.json (inputs and
                 albert-ts's outputs), and check that this model computes the same
  --export-onnx FILE   write the eval model with torch.onnx.export (inputs input_ids, attention_mask,
                 token_type_ids; batch and seq dynamic): outputs last_hidden_state, pooler_output; with
                 --head classification AlbertForSequenceClassification's logits and their softmax, probs

The config is HF config.json keys as JSON (--config-json). The last stdout line is one JSON object:
mode, batch, seq, threads, tokens_per_s, step_s_median, peak_rss_bytes.
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def activation(name, for_export=False):
    if name == 'gelu':
        return lambda x: F.gelu(x)
    if name == 'gelu_new' and for_export:
        # the tanh approximation spelled out as HF's gelu_new computes it: the pattern onnxruntime fuses
        # into FastGelu (opset 17 has no Gelu op)
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == 'gelu_new':  # the same function in one fused PyTorch kernel (saves less for backward)
        return lambda x: F.gelu(x, approximate='tanh')
    if name == 'relu':
        return F.relu
    if name == 'silu':
        return F.silu
    if name == 'tanh':
        return torch.tanh
    if name == 'linear':
        return lambda x: x
    raise SystemExit(f'torch_albert.py: unknown hidden_act "{name}"')


class Layer(nn.Module):
    """One post-LN transformer layer: self-attention + FFN, each with residual and LayerNorm."""

    def __init__(self, c, for_export):
        super().__init__()
        H = c['hidden_size']
        self.heads = c['num_attention_heads']
        self.head_dim = H // self.heads
        # separate query/key/value projections and HF's eager attention, so that the ONNX export has the
        # graph shape onnxruntime's fusions expect from a HF model
        self.query, self.key, self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)
        self.out = nn.Linear(H, H)
        self.ln_attn = nn.LayerNorm(H, eps=c['layer_norm_eps'])
        self.ffn = nn.Linear(H, c['intermediate_size'])
        self.ffn_out = nn.Linear(c['intermediate_size'], H)
        self.ln_ffn = nn.LayerNorm(H, eps=c['layer_norm_eps'])
        self.act = activation(c['hidden_act'], for_export)
        self.p_attn = c['attention_probs_dropout_prob']
        self.p_hidden = c['hidden_dropout_prob']

    def forward(self, x, mask):
        B, S, H = x.shape
        nh, hd = self.heads, self.head_dim
        q, k, v = (f(x).view(B, S, nh, hd).permute(0, 2, 1, 3) for f in (self.query, self.key, self.value))  # (B, nh, S, hd)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + mask  # (B, nh, S, S)
        probs = F.dropout(torch.softmax(scores, dim=-1), self.p_attn, self.training)
        ctx = torch.matmul(probs, v).transpose(2, 1).flatten(2)  # (B, S, H)
        x = self.ln_attn(x + F.dropout(self.out(ctx), self.p_hidden, self.training))
        h = self.ffn_out(self.act(self.ffn(x)))
        return self.ln_ffn(x + F.dropout(h, self.p_hidden, self.training))


def num_labels(c):
    """HF's PretrainedConfig: the size of id2label, else num_labels, else 2."""
    return len(c['id2label']) if c.get('id2label') else c.get('num_labels', 2)


class Albert(nn.Module):
    """head: 'base' (AlbertModel), 'pretraining' (MLM + SOP) or 'classification' (dropout + classifier on the pooled output)."""

    def __init__(self, c, head, for_export=False):
        super().__init__()
        E, H = c['embedding_size'], c['hidden_size']
        self.c = c
        self.word = nn.Embedding(c['vocab_size'], E)
        self.pos = nn.Embedding(c['max_position_embeddings'], E)
        self.token_type = nn.Embedding(c['type_vocab_size'], E)
        self.ln_emb = nn.LayerNorm(E, eps=c['layer_norm_eps'])
        self.mapping = nn.Linear(E, H)
        groups = c['num_hidden_groups']
        self.groups = nn.ModuleList(
            nn.ModuleList(Layer(c, for_export) for _ in range(c['inner_group_num'])) for _ in range(groups))
        self.pooler = nn.Linear(H, H)
        self.head = head
        if head == 'classification':
            self.classifier = nn.Linear(H, num_labels(c))
            p = c.get('classifier_dropout_prob')
            self.p_classifier = c['hidden_dropout_prob'] if p is None else p
        if head == 'pretraining':
            self.mlm_dense = nn.Linear(H, E)
            self.mlm_ln = nn.LayerNorm(E, eps=c['layer_norm_eps'])
            self.mlm_bias = nn.Parameter(torch.zeros(c['vocab_size']))
            self.sop = nn.Linear(H, 2)
            self.act = activation(c['hidden_act'])
        for m in self.modules():  # HF's init: normal(0, initializer_range), zero bias
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, c['initializer_range'])
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)

    def encode(self, ids, mask, types):
        S = ids.shape[1]
        pos = torch.arange(S, device=ids.device).unsqueeze(0)
        x = self.ln_emb(self.word(ids) + self.pos(pos) + self.token_type(types))
        x = self.mapping(F.dropout(x, self.c['hidden_dropout_prob'], self.training))
        add_mask = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min  # (B, 1, 1, S)
        L, G = self.c['num_hidden_layers'], self.c['num_hidden_groups']
        for i in range(L):  # HF's grouping: layer i runs every inner layer of group floor(i * G / L)
            for layer in self.groups[i * G // L]:
                x = layer(x, add_mask)
        return x, torch.tanh(self.pooler(x[:, 0]))

    def forward(self, ids, mask, types):
        x, pooled = self.encode(ids, mask, types)
        if self.head == 'classification':
            return self.classifier(F.dropout(pooled, self.p_classifier, self.training))
        if self.head == 'base':
            return x, pooled
        h = self.mlm_ln(self.act(self.mlm_dense(x)))
        logits = F.linear(h, self.word.weight, self.mlm_bias)  # decoder tied to word embeddings
        return logits, self.sop(pooled)


def read_safetensors(path):
    """name -> float32 tensor (the F32 files albert-ts writes)."""
    import numpy as np
    raw = open(path, 'rb').read()
    n = int.from_bytes(raw[:8], 'little')
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        if t['dtype'] != 'F32':
            raise SystemExit(f'{path}: {name} is {t["dtype"]}, expected F32')
        a, b = t['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(t['shape']).copy())
    return out


# HF state_dict names (AlbertForPreTraining) -> this module's names
HF_NAMES = [
    (r'^albert\.embeddings\.word_embeddings\.', 'word.'), (r'^albert\.embeddings\.position_embeddings\.', 'pos.'),
    (r'^albert\.embeddings\.token_type_embeddings\.', 'token_type.'), (r'^albert\.embeddings\.LayerNorm\.', 'ln_emb.'),
    (r'^albert\.encoder\.embedding_hidden_mapping_in\.', 'mapping.'), (r'^albert\.pooler\.', 'pooler.'),
    (r'^albert\.encoder\.albert_layer_groups\.(\d+)\.albert_layers\.(\d+)\.', r'groups.\1.\2.'),
    (r'^predictions\.dense\.', 'mlm_dense.'), (r'^predictions\.LayerNorm\.', 'mlm_ln.'), (r'^predictions\.bias$', 'mlm_bias'),
    (r'^sop_classifier\.classifier\.', 'sop.'),
    (r'\.attention\.(query|key|value)\.', r'.\1.'), (r'\.attention\.dense\.', '.out.'), (r'\.attention\.LayerNorm\.', '.ln_attn.'),
    (r'\.ffn_output\.', '.ffn_out.'), (r'\.full_layer_layer_norm\.', '.ln_ffn.'),
]


class Classify(nn.Module):
    """A classification model's evaluation as one graph: logits and their softmax (the export)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids, mask, types):
        logits = self.model(ids, mask, types)
        return logits, torch.softmax(logits, dim=-1)


def check(dir):
    """Same weights, same inputs: this model against albert-ts's outputs in DIR/io.json."""
    import re
    c = json.load(open(f'{dir}/config.json'))
    head = 'classification' if 'AlbertForSequenceClassification' in c.get('architectures', []) else 'pretraining'
    io = json.load(open(f'{dir}/io.json'))
    state = {}
    for name, t in read_safetensors(f'{dir}/model.safetensors').items():
        if name.startswith('predictions.decoder.'):
            continue  # tied to the word embeddings
        for pat, rep in HF_NAMES:
            name = re.sub(pat, rep, name)
        state[name] = t
    B, S = io['batch'], io['seq']
    t = lambda a: torch.tensor(a).view(B, S)
    ids, mask, types = t(io['input_ids']), t(io['attention_mask']), t(io['token_type_ids'])
    report = {}
    for export in (False, True):
        model = Albert(c, head, for_export=export)
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            hidden, pooled = model.encode(ids, mask, types)
            if head == 'pretraining':
                logits, sop = model(ids, mask, types)
                loss = (F.cross_entropy(logits.view(-1, c['vocab_size']), t(io['labels']).view(-1), ignore_index=-100)
                        + F.cross_entropy(sop, torch.tensor(io['sentence_order_label'])))
                outputs = (('prediction_logits', logits), ('sop_logits', sop))
        if head == 'classification':  # and the gradient a fine-tuning step clips: its global norm
            logits = model(ids, mask, types)
            loss = F.cross_entropy(logits, torch.tensor(io['labels']))
            loss.backward()
            norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())).item()
            report['grad_norm'] = max(report.get('grad_norm', 0.0), abs(norm - io['grad_norm']) / max(1.0, norm))
            outputs = (('logits', logits.detach()),)
        for key, theirs in (('last_hidden_state', hidden), ('pooler_output', pooled), *outputs):
            ours = io[key]
            theirs = theirs.flatten()
            rel = ((theirs - torch.tensor(ours)).abs().max() / max(1.0, theirs.abs().max().item())).item()
            report[key] = max(report.get(key, 0.0), rel)
        report['loss'] = max(report.get('loss', 0.0), abs(loss.item() - io['loss']))
    ok = all(v <= 1e-4 for v in report.values())
    print(json.dumps({'same': ok, 'max_rel_diff': report}))
    return 0 if ok else 1


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def random_batch(c, batch, seq, gen):
    ids = torch.randint(0, c['vocab_size'], (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    types = torch.zeros(batch, seq, dtype=torch.long)
    types[:, seq // 2:] = 1
    return ids, mask, types


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config-json', help='HF config.json keys as a JSON string')
    ap.add_argument('--mode', choices=['infer', 'train', 'finetune', 'classify'], default='infer')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--seq', type=int, default=128)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--export-onnx', metavar='FILE')
    ap.add_argument('--head', choices=['base', 'classification'], default='base', help='the model --export-onnx writes')
    ap.add_argument('--check', metavar='DIR')
    a = ap.parse_args()
    if a.check:
        return check(a.check)
    if not a.config_json:
        ap.error('--config-json is required')
    c = json.loads(a.config_json)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)

    if a.export_onnx:
        model = Albert(c, a.head, for_export=True).eval()
        ids, mask, types = random_batch(c, 2, 16, gen)
        dyn = {0: 'batch', 1: 'seq'}
        if a.head == 'classification':
            model, outputs = Classify(model), {'logits': {0: 'batch'}, 'probs': {0: 'batch'}}
        else:
            outputs = {'last_hidden_state': dyn, 'pooler_output': {0: 'batch'}}
        torch.onnx.export(model, (ids, mask, types), a.export_onnx, opset_version=17,
                          input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=list(outputs),
                          dynamic_axes={'input_ids': dyn, 'attention_mask': dyn, 'token_type_ids': dyn, **outputs})
        print(json.dumps({'onnx': a.export_onnx}))
        return

    train = a.mode == 'train'
    model = Albert(c, {'infer': 'base', 'train': 'pretraining'}.get(a.mode, 'classification'))
    ids, mask, types = random_batch(c, a.batch, a.seq, gen)
    times = []
    if a.mode == 'finetune':
        model.train()
        # HF Trainer's groups: decay on every weight but biases and LayerNorm weights
        decay, no_decay = [], []
        for m in model.modules():
            for name, p in m.named_parameters(recurse=False):
                (no_decay if isinstance(m, nn.LayerNorm) or name == 'bias' else decay).append(p)
        opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=5e-5, eps=1e-8)
        total = a.warmup + a.steps  # get_linear_schedule_with_warmup(opt, 0, total)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / max(1, total)))
        labels = torch.randint(0, num_labels(c), (a.batch,), generator=gen)
        for step in range(total):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=False)
            loss = F.cross_entropy(model(ids, mask, types), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if step >= a.warmup:
                times.append(time.perf_counter() - t0)
    elif a.mode == 'classify':
        model.eval()
        with torch.no_grad():
            for step in range(a.warmup + a.steps):
                t0 = time.perf_counter()
                torch.softmax(model(ids, mask, types), dim=-1)
                if step >= a.warmup:
                    times.append(time.perf_counter() - t0)
    elif train:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        labels = torch.full((a.batch, a.seq), -100, dtype=torch.long)
        k = max(1, math.floor(0.15 * a.seq + 0.5))  # masked positions per sequence, as albert bench
        for b in range(a.batch):
            pos = torch.randperm(a.seq, generator=gen)[:k]
            labels[b, pos] = ids[b, pos]
        sop_label = torch.randint(0, 2, (a.batch,), generator=gen)
        V = c['vocab_size']
        for step in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=False)
            logits, sop = model(ids, mask, types)
            loss = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100) + F.cross_entropy(sop, sop_label)
            loss.backward()
            opt.step()
            if step >= a.warmup:
                times.append(time.perf_counter() - t0)
    else:
        model.eval()
        with torch.no_grad():
            for step in range(a.warmup + a.steps):
                t0 = time.perf_counter()
                model(ids, mask, types)
                if step >= a.warmup:
                    times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'mode': a.mode, 'batch': a.batch,
                      'seq': a.seq, 'threads': a.threads, 'steps': a.steps,
                      'tokens_per_s': a.batch * a.seq / med, 'step_s_median': med,
                      'peak_rss_bytes': peak_rss_bytes()}))


if __name__ == '__main__':
    sys.exit(main())
