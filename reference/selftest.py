"""Self-test of the PyTorch reference: /usr/bin/python3 reference/selftest.py

Random small models (vocab 11, d_model 16, 2 layers, sequence length 13),
saved as freelunch-style checkpoints and reloaded. Prints "N passed, M failed"
and exits non-zero on any failure.
"""

import json
import math
import os
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
from transformer import TransformerLM, attention_mask, apply_rope, rope_tables  # noqa: E402

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
    """Random weights of a sensible scale; Mamba's A_log and dt bias as in S4D/Mamba init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log"):
                n = p.shape[1]
                p.copy_(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).expand_as(p)
                        + 0.1 * torch.rand(p.shape, generator=g))
            elif name.endswith("dt_proj.bias"):
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
        ours = att(x, attention_mask(L, 0), None)
    check("transformer: attention == nn.MultiheadAttention (causal)", maxdiff(ours, theirs) <= 1e-5,
          f"max |diff| = {maxdiff(ours, theirs):.2e}")


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
        for test in (test_safetensors, test_mamba, test_transformer, test_cli, test_bench):
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
