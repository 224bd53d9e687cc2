"""Self-test of the PyTorch reference: /usr/bin/python3 reference/selftest.py

Random small models (vocab 11, d_model 16, 2 layers, sequence length 13) of every
family, saved as freelunch-style checkpoints (config.json's "model" object shaped as
freelunch's ModelConfig::to_json writes it) and reloaded. Prints "N passed, M failed"
and exits non-zero on any failure.
"""

import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402
from logits import load_model, save_checkpoint, compute_logits  # noqa: E402
from mamba import MambaLM  # noqa: E402
from transformer import (TransformerLM, alibi_slopes, apply_rope, attention_bias,  # noqa: E402
                         attention_mask, default_hard_alibi_windows, rope_tables)
from hybrid import HybridLM  # noqa: E402
from linear_attention import (LinearAttentionLM, attention_double_sum,  # noqa: E402
                              attention_recurrent, fixed_log_decay)
from lstm import LstmLM  # noqa: E402
from mamba import MambaLayer  # noqa: E402
from mamba2 import Mamba2LM  # noqa: E402
from gated_norm import GatedRMSNorm  # noqa: E402

V, D, NL, L, B = 11, 16, 2, 13, 3
TOL = 1e-5
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'  ' + detail if detail else ''}")


def maxdiff(a, b):
    return (a.double() - b.double()).abs().max().item()


def mamba_cfg(norm):
    return {"type": "mamba", "vocab_size": V, "d_model": D, "n_layer": NL, "norm": norm,
            "norm_eps": 1e-5, "d_state": 4, "d_conv": 4, "expand": 2, "dt_rank": 2,
            "dt_min": 0.001, "dt_max": 0.1}  # dt_min/dt_max: unknown keys are ignored


def transformer_cfg(norm, pos, window=0):
    return {"type": "transformer", "vocab_size": V, "d_model": D, "n_layer": NL, "norm": norm,
            "norm_eps": 1e-5, "n_head": 2, "pos": pos, "rope_base": 10000.0, "max_len": 32,
            "window": window, "mlp_ratio": 4}


def randomise(model, seed):
    """Random weights of a sensible scale; Mamba's A_log and dt bias as in S4D/Mamba init
    (Mamba-2: A in [1, 16] per head)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log") and p.dim() == 2:
                n = p.shape[1]
                p.copy_(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).expand_as(p)
                        + 0.1 * torch.rand(p.shape, generator=g))
            elif name.endswith("A_log"):
                p.copy_(torch.log(1 + 15 * torch.rand(p.shape, generator=g)))
            elif name.endswith("dt_proj.bias") or name.endswith("dt_bias"):
                dt = torch.exp(torch.rand(p.shape, generator=g)
                               * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
                p.copy_(dt + torch.log(-torch.expm1(-dt)))            # inverse softplus
            elif name.endswith("norm.weight") or name.endswith("norm2.weight") \
                    or name.endswith("norm_f.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[-1]))
    return model.eval()


def rand_tokens(seed, b=B, l=L):
    return torch.randint(0, V, (b, l), generator=torch.Generator().manual_seed(seed))


def test_safetensors(tmp):
    path = os.path.join(tmp, "t.safetensors")
    tensors = {
        "f32": torch.randn(3, 5), "f64": torch.randn(2, 2, 2, dtype=torch.float64),
        "i64": torch.arange(-4, 3, dtype=torch.int64), "i32": torch.tensor([7], dtype=torch.int32),
        "u8": torch.tensor([1, 2, 255], dtype=torch.uint8), "bool": torch.tensor([True, False]),
        "bf16": torch.randn(4).to(torch.bfloat16), "f16": torch.randn(3).to(torch.float16),
        "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
        "noncontig": torch.randn(4, 6).t(),
    }
    safetensors_io.save(path, tensors, metadata={"format": "pt"})
    back, meta = safetensors_io.load_with_metadata(path)
    ok = set(back) == set(tensors) and all(
        back[k].dtype == t.dtype and back[k].shape == t.shape and torch.equal(back[k], t)
        for k, t in tensors.items())
    check("safetensors: save/load round-trip of all dtypes, scalar, empty, non-contiguous", ok)
    check("safetensors: metadata round-trip", meta == {"format": "pt"})
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    check("safetensors: header padded to a multiple of 8, offsets relative to data",
          n % 8 == 0 and raw[8 + n - 1:8 + n] in (b" ", b"}") and
          header["f32"]["dtype"] == "F32" and header["f32"]["shape"] == [3, 5] and
          max(e for k, v in header.items() if k != "__metadata__"
              for e in v["data_offsets"]) == len(raw) - 8 - n)
    # A file written independently by hand (what a C++ writer would produce)
    data = struct.pack("<4f", 1.0, -2.0, 0.5, 3.0) + struct.pack("<2q", 5, -6)
    h = json.dumps({"b": {"dtype": "I64", "shape": [2], "data_offsets": [16, 32]},
                    "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)
    back = safetensors_io.load(path)
    check("safetensors: reads a hand-built file",
          torch.equal(back["a"], torch.tensor([[1.0, -2.0], [0.5, 3.0]])) and
          torch.equal(back["b"], torch.tensor([5, -6])))
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data[:-4])  # truncated data
    try:
        safetensors_io.load(path)
        check("safetensors: truncated file rejected", False)
    except ValueError:
        check("safetensors: truncated file rejected", True)


def test_mamba(tmp):
    for norm in ("rmsnorm", "layernorm"):
        cfg = mamba_cfg(norm)
        model = randomise(MambaLM.from_config(cfg), seed=1)
        tokens = rand_tokens(2)
        with torch.no_grad():
            fwd = model(tokens)
        check(f"mamba[{norm}]: forward shape (B, L, V) float32",
              fwd.shape == (B, L, V) and fwd.dtype == torch.float32 and torch.isfinite(fwd).all())
        step = compute_logits(model, tokens, step=True)
        d = maxdiff(fwd, step)
        check(f"mamba[{norm}]: forward == step path", d <= TOL, f"max |diff| = {d:.2e}")

        ckpt = os.path.join(tmp, f"mamba_{norm}")
        save_checkpoint(ckpt, model, cfg, extra_config={"train": {"lr": 1e-3}})
        loaded, _ = load_model(ckpt)
        same = all(torch.equal(a, b) for a, b in
                   zip(model.state_dict().values(), loaded.state_dict().values()))
        with torch.no_grad():
            d = maxdiff(fwd, loaded(tokens))
        check(f"mamba[{norm}]: checkpoint round-trip (weights and logits)", same and d == 0.0)

    # The explicit tap-sum convolution equals torch's causal depthwise conv1d.
    mixer = model.backbone.layers[0].mixer
    x = torch.randn(B, L, mixer.Di)
    K = mixer.K
    w = mixer.conv1d.weight[:, 0, :]
    xp = F.pad(x, (0, 0, K - 1, 0))
    ours = mixer.conv1d.bias + sum(xp[:, k:k + L, :] * w[:, k] for k in range(K))
    theirs = F.conv1d(x.transpose(1, 2), mixer.conv1d.weight, mixer.conv1d.bias,
                      padding=K - 1, groups=mixer.Di)[:, :, :L].transpose(1, 2)
    check("mamba: tap-sum conv == F.conv1d causal depthwise", maxdiff(ours, theirs) <= 1e-6)

    # Causality: changing the last token leaves earlier logits unchanged.
    t2 = tokens.clone()
    t2[:, -1] = (t2[:, -1] + 1) % V
    with torch.no_grad():
        a, b = model(tokens), model(t2)
    check("mamba: causal", maxdiff(a[:, :-1], b[:, :-1]) == 0.0 and maxdiff(a[:, -1], b[:, -1]) > 0)


def test_transformer(tmp):
    tokens = rand_tokens(3)
    for norm, pos in (("rmsnorm", "rope"), ("layernorm", "none"), ("rmsnorm", "learned")):
        tag = f"transformer[{norm},{pos}]"
        cfg = transformer_cfg(norm, pos)
        model = randomise(TransformerLM.from_config(cfg), seed=4)
        with torch.no_grad():
            fwd = model(tokens)
        check(f"{tag}: forward shape (B, L, V) float32",
              fwd.shape == (B, L, V) and fwd.dtype == torch.float32 and torch.isfinite(fwd).all())

        ckpt = os.path.join(tmp, f"tf_{norm}_{pos}")
        save_checkpoint(ckpt, model, cfg)
        loaded, _ = load_model(ckpt)
        same = all(torch.equal(a, b) for a, b in
                   zip(model.state_dict().values(), loaded.state_dict().values()))
        with torch.no_grad():
            d = maxdiff(fwd, loaded(tokens))
        check(f"{tag}: checkpoint round-trip (weights and logits)", same and d == 0.0)

        # (c) causality: changing token p changes nothing before p
        ok = True
        with torch.no_grad():
            for p in (L - 1, L // 2, 1):
                t2 = tokens.clone()
                t2[:, p] = (t2[:, p] + 1) % V
                out = model(t2)
                ok &= maxdiff(fwd[:, :p], out[:, :p]) == 0.0 and maxdiff(fwd[:, p], out[:, p]) > 0
        check(f"{tag}: causal (later token leaves earlier logits unchanged)", ok)

        # (d) window >= L is the same as full attention
        for W in (L, L + 5):
            wmodel = TransformerLM.from_config(transformer_cfg(norm, pos, window=W))
            wmodel.load_state_dict(model.state_dict())
            with torch.no_grad():
                d = maxdiff(fwd, wmodel.eval()(tokens))
            check(f"{tag}: window {W} >= L equals full attention", d == 0.0)

        # window W < L: with n_layer layers, position i only sees tokens j > i - NL*(W-1) - 1
        W = 2
        wmodel = TransformerLM.from_config(transformer_cfg(norm, pos, window=W))
        wmodel.load_state_dict(model.state_dict())
        t2 = tokens.clone()
        t2[:, 0] = (t2[:, 0] + 1) % V
        reach = NL * (W - 1)
        with torch.no_grad():
            a, b = wmodel.eval()(tokens), wmodel(t2)
        check(f"{tag}: window {W} limits the receptive field to {reach + 1} positions",
              maxdiff(a[:, reach + 1:], b[:, reach + 1:]) == 0.0 and
              maxdiff(a[:, reach], b[:, reach]) > 0 and maxdiff(a, fwd) > 0)

        # step path (KV cache) == forward: full causal and windows (ring wraps for W < L),
        # starting from 1 slot (capacity doubles 1, 2, 4, 8, 16) and from the default
        for W in (0, 1, 2, 5, L, L + 5):
            wmodel = TransformerLM.from_config(transformer_cfg(norm, pos, window=W))
            wmodel.load_state_dict(model.state_dict())
            wmodel.eval()
            with torch.no_grad():
                want = wmodel(tokens)
            worst, caps = 0.0, []
            for capacity in (1, 64):
                cache = wmodel.init_cache(B, capacity=capacity)
                got = []
                with torch.no_grad():
                    for tok in tokens.unbind(1):
                        logits, cache = wmodel.step(tok, cache)
                        got.append(logits)
                worst = max(worst, maxdiff(want, torch.stack(got, dim=1)))
                caps.append(cache.cap)
            want_caps = [min(16, W) if W else 16, min(64, W) if W else 64]
            check(f"{tag}: window {W}: step path (KV cache) == forward", worst <= TOL
                  and cache.pos == L and caps == want_caps,
                  f"max |diff| = {worst:.2e}, capacities {caps} (want {want_caps})")
        if pos == "learned":
            cache = model.init_cache(1)
            cache.pos = model.max_len
            try:
                with torch.no_grad():
                    model.step(tokens[:1, 0], cache)
                check(f"{tag}: step beyond max_len raises", False)
            except ValueError:
                check(f"{tag}: step beyond max_len raises", True)

    # Mask definition: query i sees j with i - W < j <= i
    m = attention_mask(6, 3)
    want = torch.tensor([[j <= i and j > i - 3 for j in range(6)] for i in range(6)])
    check("transformer: window mask is i-W < j <= i", torch.equal(m, want))

    # RoPE: scores depend only on the relative position, and rotation keeps norms.
    hd = 8
    cos, sin = rope_tables(20, hd, 10000.0, torch.float64)
    q = torch.randn(hd, dtype=torch.float64).expand(1, 1, 20, hd)
    k = torch.randn(hd, dtype=torch.float64).expand(1, 1, 20, hd)
    rq, rk = apply_rope(q, cos, sin)[0, 0], apply_rope(k, cos, sin)[0, 0]
    s = rq @ rk.T                                                     # (20, 20)
    rel = max(abs(s[i, j] - s[i + 5, j + 5]).item() for i in range(15) for j in range(15))
    check("transformer: rope scores depend only on i - j, norms preserved",
          rel < 1e-10 and maxdiff(rq.norm(dim=-1), q[0, 0].norm(dim=-1)) < 1e-10 and
          maxdiff(rq[0], q[0, 0, 0]) == 0.0)
    # RoPE pairs dims i and i + hd/2 with angle p * base^(-2i/hd)
    p, i = 7, 1
    e = torch.zeros(1, 1, 8, hd, dtype=torch.float64)
    e[..., i] = 1.0
    r = apply_rope(e, *rope_tables(8, hd, 10000.0, torch.float64))[0, 0, p]
    a = p * 10000.0 ** (-2 * i / hd)
    check("transformer: rope is rotate-half with theta_i = base^(-2i/hd)",
          abs(r[i] - math.cos(a)) < 1e-12 and abs(r[i + hd // 2] - math.sin(a)) < 1e-12)

    # Attention (pos = none, full causal) against torch.nn.MultiheadAttention,
    # whose in_proj_weight uses the same [q; k; v] row layout.
    model = randomise(TransformerLM.from_config(transformer_cfg("layernorm", "none")), seed=5)
    att = model.backbone.layers[0].mixer
    mha = torch.nn.MultiheadAttention(D, 2, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(att.in_proj.weight)
        mha.in_proj_bias.copy_(att.in_proj.bias)
        mha.out_proj.weight.copy_(att.out_proj.weight)
        mha.out_proj.bias.copy_(att.out_proj.bias)
        x = torch.randn(B, L, D)
        theirs, _ = mha.eval()(x, x, x, attn_mask=~attention_mask(L, 0), need_weights=False)
        ours = att(x, attention_bias(L, 0), None)
    check("transformer: attention == nn.MultiheadAttention (causal)", maxdiff(ours, theirs) <= 1e-5,
          f"max |diff| = {maxdiff(ours, theirs):.2e}")


# ---- config.json "model" objects shaped as freelunch's ModelConfig::to_json writes them ----

def base_json(family, norm="rmsnorm"):
    return {"type": family, "vocab_size": V, "d_model": D, "n_layer": NL, "norm": norm,
            "norm_eps": 1e-5}


def attention_json(pos="rope", window=0, n_head=2, hard_alibi_windows=None):
    j = {"n_head": n_head, "pos": pos, "rope_base": 10000.0, "max_len": 32, "window": window,
         "mlp_ratio": 4}
    if pos == "hard_alibi":
        j["hard_alibi_windows"] = (default_hard_alibi_windows(n_head) if hard_alibi_windows is None
                                   else hard_alibi_windows)
    return j


def hybrid_json(attn_layers, n_layer=3, norm="rmsnorm", **attention):
    j = base_json("hybrid", norm)
    j["n_layer"] = n_layer
    j.update({"d_state": 4, "d_conv": 4, "expand": 2, "dt_rank": 1, "dt_min": 0.001,
              "dt_max": 0.1, "dt_init_floor": 1e-4})
    j.update(attention_json(**attention))
    j["attn_layers"] = attn_layers
    return j


def lstm_json(hidden=12, norm="rmsnorm"):
    return {**base_json("lstm", norm), "lstm_hidden": hidden}


def mamba2_json(ngroups=1, headdim=8, norm="rmsnorm", d_conv=4):
    return {**base_json("mamba2", norm), "d_state": 4, "d_conv": d_conv, "expand": 2,
            "dt_min": 0.001, "dt_max": 0.1, "dt_init_floor": 1e-4, "headdim": headdim,
            "ngroups": ngroups}


def linear_json(decay, norm="rmsnorm"):
    return {**base_json("linear", norm), "n_head": 2, "mlp_ratio": 4, "decay": decay}


def step_logits(model, tokens, **init):
    """Logits of every position through the step path -> ((B, L, V), final cache)."""
    cache = model.init_cache(tokens.shape[0], **init)
    out = []
    with torch.no_grad():
        for tok in tokens.unbind(1):
            logits, cache = model.step(tok, cache)
            out.append(logits)
    return torch.stack(out, dim=1), cache


def checkpoint_name(tag):
    """"hybrid[0,2,rope,W2,rmsnorm]" -> "hybrid_0_2_rope_W2_rmsnorm"."""
    return re.sub(r"[^A-Za-z0-9]+", "_", tag).strip("_")


def check_family(tmp, tag, cfg, model, tokens):
    """The checks every family gets: forward shape, checkpoint round-trip through
    logits.load_model (config.json as freelunch writes it), forward == step path,
    causality. Returns the forward logits."""
    with torch.no_grad():
        fwd = model(tokens)
    check(f"{tag}: forward shape (B, L, V) float32, finite",
          fwd.shape == tokens.shape + (V,) and fwd.dtype == torch.float32 and
          bool(torch.isfinite(fwd).all()))
    ckpt = os.path.join(tmp, checkpoint_name(tag))
    save_checkpoint(ckpt, model, cfg, extra_config={"task": {"name": "copy"}, "seed": 1})
    loaded, _ = load_model(ckpt)
    same = set(model.state_dict()) == set(loaded.state_dict()) and all(
        torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    with torch.no_grad():
        d = maxdiff(fwd, loaded(tokens))
    check(f"{tag}: checkpoint round-trip (weights and logits)", same and d == 0.0)
    step, _ = step_logits(model, tokens)
    d = maxdiff(fwd, step)
    check(f"{tag}: forward == step path", d <= TOL, f"max |diff| = {d:.2e}")
    ok = True
    with torch.no_grad():
        for p in (tokens.shape[1] - 1, tokens.shape[1] // 2, 1):
            t2 = tokens.clone()
            t2[:, p] = (t2[:, p] + 1) % V
            out = model(t2)
            ok &= maxdiff(fwd[:, :p], out[:, :p]) == 0.0 and maxdiff(fwd[:, p], out[:, p]) > 0
    check(f"{tag}: causal (later token leaves earlier logits unchanged)", ok)
    return fwd


def check_functional_step(tag, model, tokens):
    """A recurrent family's step returns a new cache and leaves its input alone."""
    cache = model.init_cache(tokens.shape[0])
    with torch.no_grad():
        for tok in tokens[:, :3].unbind(1):
            _, cache = model.step(tok, cache)
        before = [[t.clone() for t in (s if isinstance(s, tuple) else (s,))] for s in cache]
        model.step(tokens[:, 3], cache)
    after = [list(s if isinstance(s, tuple) else (s,)) for s in cache]
    check(f"{tag}: step leaves its input cache unchanged",
          all(torch.equal(a, b) for x, y in zip(before, after) for a, b in zip(x, y)))


def test_positions(tmp):
    """ALiBi and Hard-ALiBi: slopes, windows, the bias, forward == step (ring included)."""
    want = {1: [2 ** -8], 2: [2 ** -4, 2 ** -8], 8: [2.0 ** -(h + 1) for h in range(8)],
            6: [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3],
            12: [2.0 ** -(h + 1) for h in range(8)] + [2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5]}
    check("alibi: slopes (H = 1, 2, 8, 6, 12) per Press et al.",
          all(max(abs(a - b) for a, b in zip(alibi_slopes(H), w)) < 1e-15 and
              len(alibi_slopes(H)) == H for H, w in want.items()))
    check("hard_alibi: default windows (H = 1, 2, 4, 16)",
          default_hard_alibi_windows(1) == [0] and default_hard_alibi_windows(2) == [1, 0] and
          default_hard_alibi_windows(4) == [1, 2, 0, 0] and
          default_hard_alibi_windows(16) == list(range(1, 9)) + [0] * 8)

    # The bias, entry by entry: head h of query i sees key j iff 0 <= d < reach_h (d = i - j).
    n = 9
    ok = True
    for W in (0, 4):
        for slopes, windows in ((alibi_slopes(3), None), (None, [1, 3, 0]), (None, None)):
            bias = attention_bias(n, W, slopes, windows, torch.float64)
            for h in range(3):
                for i in range(n):
                    for j in range(n):
                        d = i - j
                        w = windows[h] if windows else 0
                        seen = d >= 0 and (W == 0 or d < W) and (w == 0 or d < w)
                        want_b = (-slopes[h] * d if slopes else 0.0) if seen else float("-inf")
                        ok &= bias[h if bias.shape[0] > 1 else 0, i, j].item() == want_b
    check("alibi/hard_alibi: bias entry by entry (window 0 and 4)", ok)

    # Attention with ALiBi against nn.MultiheadAttention given the bias as a float mask.
    model = randomise(TransformerLM.from_config({**base_json("transformer"),
                                                 **attention_json("alibi", n_head=4)}), seed=6)
    att = model.backbone.layers[0].mixer
    mha = torch.nn.MultiheadAttention(D, 4, batch_first=True)
    mask = torch.full((4, L, L), float("-inf"))
    for h, m in enumerate(alibi_slopes(4)):
        for i in range(L):
            for j in range(i + 1):
                mask[h, i, j] = -m * (i - j)
    with torch.no_grad():
        mha.in_proj_weight.copy_(att.in_proj.weight)
        mha.in_proj_bias.copy_(att.in_proj.bias)
        mha.out_proj.weight.copy_(att.out_proj.weight)
        mha.out_proj.bias.copy_(att.out_proj.bias)
        x = torch.randn(B, L, D)
        theirs, _ = mha.eval()(x, x, x, attn_mask=mask.repeat(B, 1, 1), need_weights=False)
        ours = att(x, attention_bias(L, 0, alibi_slopes(4)), None)
    check("alibi: attention == nn.MultiheadAttention with the slope bias as float mask",
          maxdiff(ours, theirs) <= 1e-5, f"max |diff| = {maxdiff(ours, theirs):.2e}")

    tokens = rand_tokens(7)
    for pos, windows, norm in (("alibi", None, "rmsnorm"), ("hard_alibi", [1, 3], "rmsnorm"),
                               ("hard_alibi", None, "layernorm"), ("alibi", None, "layernorm")):
        tag = f"transformer[{pos}{windows or ''},{norm}]"
        cfg = {**base_json("transformer", norm), **attention_json(pos, hard_alibi_windows=windows)}
        model = randomise(TransformerLM.from_config(cfg), seed=8)
        fwd = check_family(tmp, tag, cfg, model, tokens)
        # the KV cache with every window, from 1 slot (growth) and 64; the ring wraps for W < L
        for W in (1, 2, 5, L):
            wmodel = TransformerLM.from_config({**cfg, "window": W})
            wmodel.load_state_dict(model.state_dict())
            wmodel.eval()
            with torch.no_grad():
                want_w = wmodel(tokens)
            worst = max(maxdiff(want_w, step_logits(wmodel, tokens, capacity=c)[0]) for c in (1, 64))
            check(f"{tag}: window {W}: step path (KV cache) == forward", worst <= TOL,
                  f"max |diff| = {worst:.2e}")
            if W == L:
                check(f"{tag}: window {W} >= L equals no window", maxdiff(want_w, fwd) == 0.0)

    # Hard-ALiBi with every window 0 is pos = none; every window 1: each token sees only itself.
    none = randomise(TransformerLM.from_config({**base_json("transformer"),
                                                **attention_json("none")}), seed=9)
    for windows in ([0, 0], [1, 1]):
        hard = TransformerLM.from_config({**base_json("transformer"),
                                          **attention_json("hard_alibi", hard_alibi_windows=windows)})
        hard.load_state_dict(none.state_dict())
        hard.eval()
        t2 = tokens.clone()
        t2[:, 0] = (t2[:, 0] + 1) % V
        with torch.no_grad():
            a, b, c = hard(tokens), hard(t2), none(tokens)
        if windows == [0, 0]:
            check("hard_alibi: windows [0, 0] == pos none", maxdiff(a, c) == 0.0)
        else:
            check("hard_alibi: windows [1, 1] = no mixing across positions",
                  maxdiff(a[:, 1:], b[:, 1:]) == 0.0 and maxdiff(a[:, 0], b[:, 0]) > 0)
    for bad in ({**attention_json("hard_alibi"), "hard_alibi_windows": [1, 2, 3]},
                {**attention_json("rope"), "hard_alibi_windows": [1, 0]}):
        try:
            TransformerLM.from_config({**base_json("transformer"), **bad})
            check(f"hard_alibi: bad windows {bad['hard_alibi_windows']} with pos {bad['pos']} raise",
                  False)
        except ValueError:
            check(f"hard_alibi: bad windows {bad['hard_alibi_windows']} with pos {bad['pos']} raise",
                  True)


def test_hybrid(tmp):
    tokens = rand_tokens(10)
    for attn_layers, attention, norm in (([1], {}, "rmsnorm"), ([0, 2], {"window": 2}, "rmsnorm"),
                                         ([2], {"pos": "alibi", "window": 5}, "layernorm"),
                                         ([1], {"pos": "learned"}, "rmsnorm"),
                                         ([0], {"pos": "hard_alibi"}, "rmsnorm")):
        tag = f"hybrid[{','.join(map(str, attn_layers))},{attention.get('pos', 'rope')}" \
              f"{',W' + str(attention['window']) if 'window' in attention else ''},{norm}]"
        cfg = hybrid_json(attn_layers, norm=norm, **attention)
        model = randomise(HybridLM.from_config(cfg), seed=11)
        kinds = ["attention" if hasattr(layer, "mlp") else
                 "mamba" if isinstance(layer, MambaLayer) else "?" for layer in model.backbone.layers]
        check(f"{tag}: layers {kinds}", kinds == ["attention" if i in attn_layers else "mamba"
                                                  for i in range(3)])
        check_family(tmp, tag, cfg, model, tokens)
        got, cache = step_logits(model, tokens, capacity=1)
        with torch.no_grad():
            d = maxdiff(model(tokens), got)
        check(f"{tag}: step path from 1 KV slot (growth) == forward", d <= TOL and
              len(cache.layers) == len(attn_layers), f"max |diff| = {d:.2e}")

    # every layer attention: the Transformer itself
    cfg = hybrid_json([0, 1], n_layer=2)
    hybrid = randomise(HybridLM.from_config(cfg), seed=12)
    tf = TransformerLM.from_config({**base_json("transformer"), **attention_json()})
    tf.load_state_dict(hybrid.state_dict())
    with torch.no_grad():
        d = maxdiff(hybrid(tokens), tf.eval()(tokens))
    check("hybrid: attn_layers = every layer equals the Transformer", d == 0.0)
    names = set(HybridLM.from_config(hybrid_json([1])).state_dict())
    check("hybrid: checkpoint names per layer kind",
          {"backbone.layers.0.mixer.A_log", "backbone.layers.1.mixer.in_proj.bias",
           "backbone.layers.1.mlp.fc1.weight", "backbone.layers.2.mixer.x_proj.weight"} <= names
          and "backbone.layers.0.mlp.fc1.weight" not in names)
    for bad in ([], [3], [1, 1], [2, 0]):
        try:
            HybridLM.from_config(hybrid_json(bad))
            check(f"hybrid: attn_layers {bad} raises", False)
        except ValueError:
            check(f"hybrid: attn_layers {bad} raises", True)


def test_lstm(tmp):
    tokens = rand_tokens(13)
    for hidden, norm in ((12, "rmsnorm"), (16, "layernorm")):
        tag = f"lstm[H{hidden},{norm}]"
        cfg = lstm_json(hidden, norm)
        model = randomise(LstmLM.from_config(cfg), seed=14)
        check_family(tmp, tag, cfg, model, tokens)
        check_functional_step(tag, model, tokens)
    # The written-out recurrence against torch.nn.LSTM (its state dict loads the mixer's).
    mixer = model.backbone.layers[0].mixer
    lstm = torch.nn.LSTM(D, 16, batch_first=True)
    lstm.load_state_dict({k: v for k, v in mixer.state_dict().items() if not k.startswith("out_proj")})
    x = torch.randn(B, L, D)
    with torch.no_grad():
        d = maxdiff(mixer(x), mixer.out_proj(lstm(x)[0]))
    check("lstm: recurrence == out_proj(torch.nn.LSTM)", d <= 1e-6, f"max |diff| = {d:.2e}")
    check("lstm: lstm_hidden 0 means d_model",
          LstmLM.from_config(lstm_json(0)).backbone.layers[0].mixer.weight_hh_l0.shape == (4 * D, D))


def test_mamba2(tmp):
    tokens = rand_tokens(15)
    for ngroups, headdim, norm, K in ((1, 8, "rmsnorm", 4), (2, 8, "rmsnorm", 4),
                                      (4, 4, "layernorm", 3), (2, 16, "rmsnorm", 1)):
        tag = f"mamba2[G{ngroups},P{headdim},K{K},{norm}]"
        cfg = mamba2_json(ngroups, headdim, norm, K)
        model = randomise(Mamba2LM.from_config(cfg), seed=16)
        check_family(tmp, tag, cfg, model, tokens)
        check_functional_step(tag, model, tokens)
        mixer = model.backbone.layers[0].mixer
        Di, GN, Hm = 2 * D, ngroups * 4, 2 * D // headdim
        shapes = {k: tuple(v.shape) for k, v in mixer.state_dict().items()}
        check(f"{tag}: parameter shapes", shapes == {
            "in_proj.weight": (2 * Di + 2 * GN + Hm, D), "conv1d.weight": (Di + 2 * GN, 1, K),
            "conv1d.bias": (Di + 2 * GN,), "dt_bias": (Hm,), "A_log": (Hm,), "D": (Hm,),
            "norm.weight": (Di,), "out_proj.weight": (D, Di)}, str(shapes))

        # The scan (S7)-(S8) equals its dual, the quadratic form: linear attention with
        # q = C, k = B, v = dt x and one scalar log-decay dt A per head.
        u = torch.randn(B, L, D)
        with torch.no_grad():
            z, (x, Bm, Cm, dt, A) = mixer.conv_and_operands(u)
            y_dual = attention_double_sum(Cm, Bm, dt[..., None] * x, (dt * A)[..., None])
            want = mixer._output(y_dual, x, z)
            d = maxdiff(mixer(u), want)
        check(f"{tag}: scan == quadratic (SSD dual) form", d <= 1e-5, f"max |diff| = {d:.2e}")

    # Head h reads group h // (Hm / G): with G = 2, Hm = 4, heads 0, 1 read group 0.
    mixer = Mamba2LM.from_config(mamba2_json(2, 8)).backbone.layers[0].mixer
    xBC = torch.cat([torch.zeros(2 * D), torch.arange(8.0), 10 + torch.arange(8.0)])  # B, C groups
    _, Bm, Cm, _, _ = mixer.ssm_operands(xBC, torch.zeros(4))
    check("mamba2: head h reads group h // (Hm/G)",
          torch.equal(Bm, torch.tensor([[0., 1, 2, 3]] * 2 + [[4., 5, 6, 7]] * 2)) and
          torch.equal(Cm, Bm + 10))
    # The gated norm (gate before the norm) per group of Di/G channels
    norm = GatedRMSNorm(8, 4, 1e-5, norm_before_gate=False)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(8))
    y, z = torch.randn(3, 8), torch.randn(3, 8)
    g = y * F.silu(z)
    want = torch.cat([g[:, :4] / torch.sqrt(g[:, :4].pow(2).mean(-1, keepdim=True) + 1e-5),
                      g[:, 4:] / torch.sqrt(g[:, 4:].pow(2).mean(-1, keepdim=True) + 1e-5)], -1)
    check("mamba2: gated RMSNorm RMS(y SiLU(z)) w per group", maxdiff(norm(y, z), want * norm.weight) <= 1e-6)
    for bad in (mamba2_json(1, 12), mamba2_json(3, 8)):
        try:
            Mamba2LM.from_config(bad)
            check(f"mamba2: headdim {bad['headdim']} ngroups {bad['ngroups']} raises", False)
        except ValueError:
            check(f"mamba2: headdim {bad['headdim']} ngroups {bad['ngroups']} raises", True)


def test_linear(tmp):
    # (A4): the double sum equals the recurrent form, with no decay, one per head, one per channel
    g = torch.Generator().manual_seed(17)
    q, k, v = (torch.randn(2, L, 3, 4, generator=g, dtype=torch.float64) for _ in range(3))
    for name, la in (("none", None), ("per head", -torch.rand(2, L, 3, 1, generator=g, dtype=torch.float64)),
                     ("per channel", -torch.rand(2, L, 3, 4, generator=g, dtype=torch.float64))):
        d = maxdiff(attention_double_sum(q, k, v, la), attention_recurrent(q, k, v, la))
        check(f"linear: double sum == recurrent form ({name} decay)", d <= 1e-12, f"max |diff| = {d:.2e}")
    # and both equal a direct loop over (i, j) of prod alpha, in float64
    la = -torch.rand(2, L, 3, 4, generator=g, dtype=torch.float64)
    o = torch.zeros(2, L, 3, 4, dtype=torch.float64)
    for i in range(L):
        for j in range(i + 1):
            a = la[:, j + 1:i + 1].sum(1).exp()                           # prod_{r=j+1..i} alpha_r
            o[:, i] += ((a * q[:, i]) * k[:, j]).sum(-1, keepdim=True) * v[:, j]
    d = maxdiff(attention_double_sum(q, k, v, la), o)
    check("linear: double sum == explicit loop over prod_{r=j+1..i} alpha_r", d <= 1e-12,
          f"max |diff| = {d:.2e}")
    fixed = fixed_log_decay(3).exp()
    check("linear: fixed decay alpha_h = 1 - 2^(-5-h)",
          maxdiff(fixed, torch.tensor([1 - 1 / 32, 1 - 1 / 64, 1 - 1 / 128], dtype=torch.float64)) < 1e-15)

    tokens = rand_tokens(18)
    for decay, norm in (("none", "rmsnorm"), ("fixed", "rmsnorm"), ("gla", "rmsnorm"),
                        ("gla", "layernorm")):
        tag = f"linear[{decay},{norm}]"
        cfg = linear_json(decay, norm)
        model = randomise(LinearAttentionLM.from_config(cfg), seed=19)
        check_family(tmp, tag, cfg, model, tokens)
        check_functional_step(tag, model, tokens)
        names = set(model.backbone.layers[0].state_dict())
        gla_names = {"mixer.gk_proj.0.weight", "mixer.gk_proj.1.weight", "mixer.gk_proj.1.bias"}
        check(f"{tag}: parameter names", names == {
            "norm.weight", "mixer.q_proj.weight", "mixer.k_proj.weight", "mixer.v_proj.weight",
            "mixer.g_proj.weight", "mixer.o_proj.weight", "mixer.g_norm.weight", "norm2.weight",
            "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias"} |
            (gla_names if decay == "gla" else set()) | ({"norm.bias", "norm2.bias"}
                                                         if norm == "layernorm" else set()))
    # The GLA gate: log alpha = logsigmoid(gk_proj(u)) / 16, per key channel; and the output
    # path RMS(o) per head * w * SiLU(g)
    mixer = model.backbone.layers[0].mixer
    u = torch.randn(B, L, D)
    with torch.no_grad():
        _, _, _, la = mixer.operands(u)
        want = F.logsigmoid(u @ mixer.gk_proj[0].weight.T @ mixer.gk_proj[1].weight.T
                            + mixer.gk_proj[1].bias) / 16
        check("linear[gla]: log alpha = logsigmoid(W1 W0 u + b) / 16, per channel",
              la.shape == (B, L, 2, 8) and maxdiff(la.reshape(B, L, D), want) <= 1e-6)
        o = torch.randn(B, L, 2, 8)
        gate = mixer.g_proj(u)
        rms = o / torch.sqrt(o.pow(2).mean(-1, keepdim=True) + 1e-5) * mixer.g_norm.weight
        want = mixer.o_proj(rms.reshape(B, L, D) * F.silu(gate))
        check("linear: output o_proj(RMS_head(o) w SiLU(g))", maxdiff(mixer._output(o, u), want) <= 1e-6)


def run_cli(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "logits.py"), *args],
                          capture_output=True, text=True)


def test_cli(tmp):
    rows = ["1,5,7,2,0,10,3", "4,4,4,9,8,1,2"]
    tokens = torch.tensor([[int(t) for t in r.split(",")] for r in rows])
    targs = [a for r in rows for a in ("--tokens", r)]
    for ckpt in ("mamba_rmsnorm", "tf_rmsnorm_rope"):
        d = os.path.join(tmp, ckpt)
        model, _ = load_model(d)
        with torch.no_grad():
            want = model(tokens)
        out = os.path.join(tmp, f"{ckpt}.logits.safetensors")
        r = run_cli("--checkpoint", d, *targs, "--out", out)
        got = safetensors_io.load(out)["logits"] if r.returncode == 0 else None
        check(f"cli[{ckpt}]: forward logits (rows, L, V) match",
              got is not None and got.shape == (2, 7, V) and maxdiff(got, want) <= 1e-6,
              r.stderr.strip())
        r = run_cli("--checkpoint", d, *targs, "--out", out, "--double")
        got = safetensors_io.load(out)["logits"] if r.returncode == 0 else None
        check(f"cli[{ckpt}]: --double within 1e-4 of float32",
              got is not None and got.dtype == torch.float32 and maxdiff(got, want) <= 1e-4,
              r.stderr.strip())
    d = os.path.join(tmp, "mamba_rmsnorm")
    out = os.path.join(tmp, "step.safetensors")
    r = run_cli("--checkpoint", d, *targs, "--out", out, "--step")
    got = safetensors_io.load(out)["logits"] if r.returncode == 0 else None
    with torch.no_grad():
        want = load_model(d)[0](tokens)
    check("cli[mamba]: --step matches forward", got is not None and maxdiff(got, want) <= TOL,
          r.stderr.strip())
    for ckpt in ("tf_rmsnorm_rope", "tf_rmsnorm_learned"):
        r = run_cli("--checkpoint", os.path.join(tmp, ckpt), *targs, "--out", out, "--step")
        got = safetensors_io.load(out)["logits"] if r.returncode == 0 else None
        with torch.no_grad():
            want = load_model(os.path.join(tmp, ckpt))[0](tokens)
        check(f"cli[{ckpt}]: --step matches forward",
              got is not None and maxdiff(got, want) <= TOL, r.stderr.strip())
    r = run_cli("--checkpoint", os.path.join(tmp, "tf_rmsnorm_learned"),
                "--tokens", ",".join(["1"] * 33), "--out", out, "--step")
    check("cli[transformer]: --step beyond max_len -> exit 2, one line",
          r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr.strip())

    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    r = run_cli("--checkpoint", bad, "--tokens", "1,2", "--out", out)
    check("cli: missing checkpoint -> exit 2, one line",
          r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr.strip())
    # config says d_state 5 but weights were written for d_state 4
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    cfg["model"]["d_state"] = 5
    with open(os.path.join(bad, "config.json"), "w") as f:
        json.dump(cfg, f)
    os.link(os.path.join(d, "model.safetensors"), os.path.join(bad, "model.safetensors"))
    r = run_cli("--checkpoint", bad, "--tokens", "1,2", "--out", out)
    check("cli: weights/config mismatch -> exit 2, one line",
          r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr.strip())
    r = run_cli("--checkpoint", d, "--tokens", "1,2", "--tokens", "1", "--out", out)
    check("cli: ragged rows -> exit 2", r.returncode == 2)
    r = run_cli("--checkpoint", d, "--tokens", f"1,{V}", "--out", out)
    check("cli: out-of-range token -> exit 2", r.returncode == 2)


def test_families_cli(tmp):
    """logits.py on the checkpoints of the newer families (written by the tests above):
    forward and --step logits match the in-process model."""
    rows = ["1,5,7,2,0,10,3,3,8", "4,4,4,9,8,1,2,6,0"]
    tokens = torch.tensor([[int(t) for t in r.split(",")] for r in rows])
    targs = [a for r in rows for a in ("--tokens", r)]
    for tag in ("transformer[alibi,rmsnorm]", "transformer[hard_alibi[1, 3],rmsnorm]",
                "hybrid[0,2,rope,W2,rmsnorm]", "hybrid[2,alibi,W5,layernorm]",
                "lstm[H12,rmsnorm]", "mamba2[G2,P8,K4,rmsnorm]", "linear[none,rmsnorm]",
                "linear[fixed,rmsnorm]", "linear[gla,rmsnorm]"):
        d = os.path.join(tmp, checkpoint_name(tag))
        model, _ = load_model(d)
        with torch.no_grad():
            want = model(tokens)
        out = os.path.join(tmp, "family.logits.safetensors")
        for extra in ([], ["--step"]):
            r = run_cli("--checkpoint", d, *targs, "--out", out, *extra)
            got = safetensors_io.load(out)["logits"] if r.returncode == 0 else None
            check(f"cli[{tag}]: {'--step' if extra else 'forward'} logits match the model",
                  got is not None and got.shape == (2, 9, V) and
                  maxdiff(got, want) <= (TOL if extra else 1e-6), r.stderr.strip())


def run_bench(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "bench.py"), *args],
                          capture_output=True, text=True)


def last_json(stdout):
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None


def test_bench(tmp):
    """bench.py smoke test on the tiny checkpoints: one JSON object on stdout's last line."""
    for ckpt in ("mamba_rmsnorm", "tf_rmsnorm_rope"):
        d = os.path.join(tmp, ckpt)
        r = run_bench("train", "--checkpoint", d, "--batch", "2", "--length", "8", "--steps", "3",
                      "--warmup", "1", "--threads", "1", "--seed", "3")
        j = last_json(r.stdout)
        check(f"bench[{ckpt}]: train JSON", r.returncode == 0 and j is not None and
              j["kind"] == "train" and len(j["step_ms"]) == 3 and j["threads"] == 1 and
              j["min_ms"] <= j["median_ms"] and j["peak_rss_kib"] > 0 and
              len(r.stdout.strip().splitlines()) == 1, "" if r.returncode == 0 else r.stderr[-300:])
        r = run_bench("decode", "--checkpoint", d, "--positions", "0,5,40", "--tokens", "4",
                      "--threads", "1", "--seed", "3")
        j = last_json(r.stdout)
        check(f"bench[{ckpt}]: decode JSON", r.returncode == 0 and j is not None and
              j["kind"] == "decode" and sorted(j["ms_per_token"]) == ["0", "40", "5"] and
              all(v > 0 for v in j["ms_per_token"].values()),
              "" if r.returncode == 0 else r.stderr[-300:])
    d = os.path.join(tmp, "tf_rmsnorm_learned")                       # max_len 32
    for args in (["train", "--checkpoint", os.path.join(tmp, "nope")],
                 ["decode", "--checkpoint", d, "--positions", "4,6", "--tokens", "4"],
                 ["decode", "--checkpoint", d, "--positions", "30", "--tokens", "4"],
                 ["train", "--checkpoint", d, "--length", "33"],
                 ["train", "--checkpoint", d, "--batch", "0"],
                 ["bogus"]):
        r = run_bench(*args)
        check(f"bench: {' '.join(args[:1] + args[3:])} -> exit 2, one line",
              r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and
              r.stderr.startswith("bench.py: "), r.stderr.strip())


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        for test in (test_safetensors, test_mamba, test_transformer, test_positions,
                     test_hybrid, test_lstm, test_mamba2, test_linear, test_cli,
                     test_families_cli, test_bench):
            try:
                test(tmp)
            except Exception as e:  # a crash counts as a failure, keep going
                check(f"{test.__name__} raised {type(e).__name__}: {e}", False)
    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
