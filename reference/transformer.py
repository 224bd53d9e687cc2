"""Transformer language model (pre-norm GPT decoder) in plain PyTorch: a small,
readable mirror of freelunch's C++ Transformer. forward() is written for checking;
the step path (init_cache / step, one token at a time with a KV cache) is written
to be reasonably fast in eager PyTorch, because bench.py times it.

Shapes:  B batch, L sequence length, V vocab, D d_model, H heads,
         hd = D / H head width, F = mlp_ratio * D.

Equations (tags used in the comments below):
  (T1)  h_0 = E[tokens] (+ P[0..L-1] when pos = learned)
  (T2)  h <- h + Attn(Norm(h));  h <- h + fc2(GELU(fc1(Norm2(h))))    GELU exact (erf)
  (T3)  Norm: RMSNorm(x) = x * rsqrt(mean(x^2) + eps) * w,  or LayerNorm(x; w, b, eps)
  (T4)  [q ; k ; v] = in_proj(x);  head j owns columns j*hd .. (j+1)*hd-1 of each
  (T5)  RoPE (GPT-NeoX rotate-half, whole head): for i < hd/2,
        theta_i = base^(-2i/hd), a = p * theta_i (p = 0-based position)
        q'[i] = q[i] cos a - q[i+hd/2] sin a;  q'[i+hd/2] = q[i+hd/2] cos a + q[i] sin a
  (T6)  S = q k^T / sqrt(hd) + bias_h(d),  d = i - j the distance from query i back to key j;
        head h of query i sees key j iff 0 <= d and (W = 0 or d < W) and (w_h = 0 or d < w_h);
        bias_h(d) = -m_h * d for pos = alibi, 0 otherwise; -inf on the keys the head does not see
  (T6a) ALiBi slopes (Press et al. 2022): H a power of two: m_h = 2^(-8(h+1)/H), h = 0 .. H-1;
        otherwise n = the largest power of two below H, its n slopes, then every other slope
        (the 1st, 3rd, ...) of the 2n-head sequence until there are H
  (T6b) Hard-ALiBi windows w_h (Jelassi et al. 2024), 0 = unlimited; no bias on the keys seen.
        Default: head h < floor(H/2) sees its last h + 1 keys (w_h = h + 1), the rest w_h = 0
  (T7)  O = softmax(S) v;  concat heads;  out_proj(O)
  (T8)  logits = norm_f(h) @ E^T                        E = embedding (tied lm_head)

Step path: the token at absolute position p attends, per (T6), to the keys/values
of positions max(0, p-W+1) .. p (W = 0: all of 0 .. p), which a KVCache keeps (keys after RoPE at their
own absolute position, so they never need re-rotating). Attention is a weighted
sum, so the order of the cached keys does not matter: a window model can keep
its last W positions in a ring, position p in slot p mod W. ALiBi and Hard-ALiBi need each
cached key's distance d: slot s holds position p - d with d = p - s (W = 0) or (p - s) mod W.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def _require(cfg, keys):
    missing = [k for k in keys if k not in cfg]
    if missing:
        raise ValueError(f"config 'model' lacks {', '.join(missing)}")


class Norm(nn.Module):
    """(T3) RMSNorm (weight only) or LayerNorm (weight + bias)."""

    def __init__(self, d, kind, eps):
        super().__init__()
        if kind not in ("rmsnorm", "layernorm"):
            raise ValueError(f"unknown norm {kind!r} (expected rmsnorm | layernorm)")
        self.kind, self.eps = kind, float(eps)
        self.weight = nn.Parameter(torch.ones(d))
        if kind == "layernorm":
            self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):                                             # x: (..., D)
        if self.kind == "layernorm":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(L, hd, base, dtype):
    """(T5) cos, sin of the angles p * base^(-2i/hd): each (L, hd/2). Angles are
    computed in float64 and rounded once, so this is the accurate reference."""
    i = torch.arange(hd // 2, dtype=torch.float64)
    inv_freq = float(base) ** (-2.0 * i / hd)                         # (hd/2)
    angle = torch.arange(L, dtype=torch.float64)[:, None] * inv_freq  # (L, hd/2)
    return angle.cos().to(dtype), angle.sin().to(dtype)


def apply_rope(x, cos, sin):
    """(T5) rotate-half. x: (B, H, L, hd); cos, sin: (L, hd/2)."""
    x1, x2 = x.chunk(2, dim=-1)                                       # (B, H, L, hd/2) each
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def attention_mask(L, window):
    """(T6) allowed[i, j] = j <= i and (window == 0 or j > i - window): (L, L) bool."""
    i = torch.arange(L)[:, None]
    j = torch.arange(L)[None, :]
    allowed = j <= i
    if window > 0:
        allowed = allowed & (j > i - window)
    return allowed


def alibi_slopes(H):
    """(T6a) ALiBi's H slopes, as floats."""
    def geometric(n):                                                 # n a power of two
        return [2.0 ** (-8.0 * (h + 1) / n) for h in range(n)]
    n = 1 << (H.bit_length() - 1)                                     # largest power of two <= H
    return geometric(n) + geometric(2 * n)[0::2][:H - n]


def default_hard_alibi_windows(H):
    """(T6b) the default windows: w_h = h + 1 for h < floor(H/2), 0 (unlimited) for the rest."""
    return [h + 1 if h < H // 2 else 0 for h in range(H)]


def narrower(a, b):
    """The narrower of two windows, 0 = unlimited."""
    return max(a, b) if a == 0 or b == 0 else min(a, b)


def distance_bias(d, window, slopes=None, head_windows=None, dtype=torch.float32):
    """(T6) the additive score bias at key distances d (int64 tensor of any shape; d < 0 is a
    future key) -> (H, *d.shape), or (1, *d.shape) when every head agrees: -m_h * d (ALiBi)
    or 0 where head h sees the key, -inf where it does not."""
    reach = [narrower(window, w) for w in head_windows] if head_windows else [window]
    reach = torch.tensor(reach).view(-1, *[1] * d.dim())              # (H or 1, 1, ...)
    seen = (d >= 0) & ((reach == 0) | (d < reach))                    # (H or 1, *d.shape)
    if slopes:
        m = torch.tensor(slopes, dtype=torch.float64).view(-1, *[1] * d.dim())
        bias = (-m * d).to(dtype)                                     # (H, *d.shape)
    else:
        bias = torch.zeros(seen.shape, dtype=dtype)
    return bias.masked_fill(~seen, float("-inf"))


def attention_bias(L, window, slopes=None, head_windows=None, dtype=torch.float32):
    """(T6) the bias of a whole sequence: (H or 1, L, L), d = i - j."""
    d = torch.arange(L)[:, None] - torch.arange(L)[None, :]           # (L, L)
    return distance_bias(d, window, slopes, head_windows, dtype)


class Attention(nn.Module):
    def __init__(self, D, H):
        super().__init__()
        self.H, self.hd = H, D // H
        self.in_proj = nn.Linear(D, 3 * D)                            # (3D, D), (3D): rows [q; k; v]
        self.out_proj = nn.Linear(D, D)                               # (D, D), (D)

    def forward(self, x, bias, rope):                                 # x: (B, L, D)
        B, L, D = x.shape
        q, k, v = self.in_proj(x).split(D, dim=-1)                    # (T4) (B, L, D) each
        q, k, v = (t.view(B, L, self.H, self.hd).transpose(1, 2)      # (T4) (B, H, L, hd)
                   for t in (q, k, v))
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)         # (T5)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd)         # (T6) (B, H, L, L)
        scores = scores + bias                                        # (T6) bias (H or 1, L, L)
        o = scores.softmax(dim=-1) @ v                                # (T7) (B, H, L, hd)
        o = o.transpose(1, 2).reshape(B, L, D)                        # (T7) concat heads
        return self.out_proj(o)                                       # (T7) (B, L, D)

    def step(self, x, keys, values, slot, n, rope, bias):
        """One token. x: (B, D); this layer's cache buffers, written in place at `slot`:
        keys (B, H, hd, cap) (stored transposed, so q @ keys is a plain matmul) and
        values (B, H, cap, hd); the first n slots are attended to. rope: (cos, sin)
        at this position, each (hd/2), or None. bias: (H or 1, n), the (T6) bias at
        each slot's distance, or None when every head sees every slot without bias
        (no ALiBi, no Hard-ALiBi). Returns (B, D)."""
        B, D = x.shape
        qkv = self.in_proj(x).view(B, 3, self.H, self.hd)             # (T4) rows [q; k; v]
        if rope is not None:
            qk = apply_rope(qkv[:, :2], *rope)                        # (T5) q and k at once
            q, k = qk[:, 0], qk[:, 1]                                 # (B, H, hd) each
        else:
            q, k = qkv[:, 0], qkv[:, 1]
        keys.select(3, slot).copy_(k)                                 # cache k_p, v_p
        values.select(2, slot).copy_(qkv[:, 2])
        q = q.unsqueeze(2) / math.sqrt(self.hd)                       # (B, H, 1, hd)
        scores = q @ keys[..., :n]                                    # (T6) (B, H, 1, n)
        if bias is not None:
            scores = scores + bias[:, None, :]                        # (T6) (H or 1, 1, n)
        o = scores.softmax(dim=-1) @ values[:, :, :n]                 # (T7) (B, H, 1, hd)
        return self.out_proj(o.view(B, D))                            # (T7) concat heads


class MLP(nn.Module):
    def __init__(self, D, Fw):
        super().__init__()
        self.fc1 = nn.Linear(D, Fw)                                   # (F, D), (F)
        self.fc2 = nn.Linear(Fw, D)                                   # (D, F), (D)

    def forward(self, x):                                             # (B, L, D)
        return self.fc2(F.gelu(self.fc1(x)))                          # (T2) exact GELU


class Block(nn.Module):
    def __init__(self, D, H, Fw, norm, eps):
        super().__init__()
        self.norm = Norm(D, norm, eps)
        self.mixer = Attention(D, H)
        self.norm2 = Norm(D, norm, eps)
        self.mlp = MLP(D, Fw)

    def forward(self, h, bias, rope):                                 # (B, L, D)
        h = h + self.mixer(self.norm(h), bias, rope)                  # (T2)
        return h + self.mlp(self.norm2(h))                            # (T2)

    def step(self, h, keys, values, slot, n, rope, bias):             # h: (B, D)
        h = h + self.mixer.step(self.norm(h), keys, values, slot, n, rope, bias)  # (T2)
        return h + self.mlp(self.norm2(h))                            # (T2)


class Backbone(nn.Module):
    def __init__(self, V, D, n_layer, H, Fw, norm, eps, pos, max_len):
        super().__init__()
        self.embedding = nn.Embedding(V, D)                           # (V, D)
        if pos == "learned":
            self.pos_embedding = nn.Embedding(max_len, D)             # (M, D)
        self.layers = nn.ModuleList(Block(D, H, Fw, norm, eps) for _ in range(n_layer))
        self.norm_f = Norm(D, norm, eps)


class KVCache:
    """Decoding state of a TransformerLM for a batch of B sequences that advance together.

    pos        number of tokens consumed so far = absolute position of the next token
    layers     per layer (keys (B, H, hd, cap), values (B, H, cap, hd)); keys after
               RoPE, stored transposed so that the score product needs no copy
    rope       (cos, sin) tables (rows > pos, hd/2) when pos = rope, else None

    Buffers are preallocated and written in place (no torch.cat per token).
    Full causal (window 0): position p lives in slot p; when full, cap doubles
    (one copy of the filled part). Window W > 0: cap never exceeds W and position
    p lives in slot p mod W, overwriting position p - W, the one that just left
    the window. Before the ring wraps, p mod W = p, so growth works the same way.
    """

    def __init__(self, n_layer, batch, H, hd, window, capacity, like):
        cap = max(1, int(capacity))
        if window > 0:
            cap = min(cap, window)
        self.pos, self.window, self.cap, self.rope = 0, window, cap, None
        self.layers = [(like.new_zeros(batch, H, hd, cap), like.new_zeros(batch, H, cap, hd))
                       for _ in range(n_layer)]

    def advance(self):
        """Claim the slot of the token at position pos and move pos on. Returns
        (slot, n): where to write its key/value, and how many slots it attends to."""
        p, W = self.pos, self.window
        slot = p % W if W > 0 else p
        if slot >= self.cap:                                          # only before wrapping: slot == p
            cap = max(2 * self.cap, slot + 1)
            self.cap = min(cap, W) if W > 0 else cap
            self.layers = [(_grown(keys, 3, self.cap), _grown(values, 2, self.cap))
                           for keys, values in self.layers]
        self.pos = p + 1
        return slot, (min(p + 1, W) if W > 0 else p + 1)


def _grown(buf, dim, cap):
    """A copy of buf with size cap along dim (the old contents first, zeros after)."""
    shape = list(buf.shape)
    shape[dim] = cap
    new = buf.new_zeros(shape)
    new.narrow(dim, 0, buf.shape[dim]).copy_(buf)
    return new


class TransformerLM(nn.Module):
    """Parameter names match the checkpoint (backbone.*); lm_head.weight is tied
    to backbone.embedding.weight, so it is not a separate parameter here.

    pos: rope | none | learned | alibi | hard_alibi. hard_alibi_windows: one window per
    head for pos = hard_alibi (0 = unlimited); None or [] = the (T6b) default."""

    POSITIONS = ("rope", "none", "learned", "alibi", "hard_alibi")

    def __init__(self, vocab_size, d_model, n_layer, n_head, pos="rope", rope_base=10000.0,
                 max_len=0, window=0, mlp_ratio=4, norm="rmsnorm", norm_eps=1e-5,
                 hard_alibi_windows=None):
        super().__init__()
        if pos not in self.POSITIONS:
            raise ValueError(f"unknown pos {pos!r} (expected {' | '.join(self.POSITIONS)})")
        if n_head <= 0 or d_model % n_head:
            raise ValueError(f"d_model {d_model} is not divisible by n_head {n_head}")
        if pos == "rope" and (d_model // n_head) % 2:
            raise ValueError(f"rope needs an even head dim, got {d_model // n_head}")
        if pos == "learned" and max_len <= 0:
            raise ValueError("pos = learned needs max_len > 0")
        if window < 0:
            raise ValueError(f"window must be >= 0, got {window}")
        Fw = mlp_ratio * d_model
        if Fw != int(Fw) or int(Fw) <= 0:
            raise ValueError(f"mlp_ratio * d_model = {Fw} is not a positive integer")
        self.slopes = alibi_slopes(n_head) if pos == "alibi" else None            # (T6a)
        self.head_windows = None
        if pos == "hard_alibi":                                                    # (T6b)
            windows = [int(w) for w in hard_alibi_windows or []]
            if not windows:
                windows = default_hard_alibi_windows(n_head)
            if len(windows) != n_head or min(windows) < 0:
                raise ValueError(f"hard_alibi_windows {windows} must hold one window >= 0 "
                                 f"per head (n_head {n_head})")
            self.head_windows = windows
        elif hard_alibi_windows:
            raise ValueError(f"hard_alibi_windows is only read with pos = hard_alibi (pos = {pos})")
        self.pos, self.rope_base, self.max_len, self.window = pos, rope_base, max_len, window
        self.n_head, self.hd, self.mlp_width = n_head, d_model // n_head, int(Fw)
        self.backbone = Backbone(vocab_size, d_model, n_layer, n_head, int(Fw),
                                 norm, norm_eps, pos, max_len)

    @staticmethod
    def config_args(m):
        """The keyword arguments after (vocab_size, d_model, n_layer, n_head) that a "model"
        object gives (shared with HybridLM)."""
        _require(m, ["vocab_size", "d_model", "n_layer", "n_head", "norm", "pos"])
        return dict(pos=m["pos"], rope_base=float(m.get("rope_base", 10000.0)),
                    max_len=int(m.get("max_len", 0)), window=int(m.get("window", 0)),
                    mlp_ratio=m.get("mlp_ratio", 4), norm=m["norm"],
                    norm_eps=float(m.get("norm_eps", 1e-5)),
                    hard_alibi_windows=m.get("hard_alibi_windows"))

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        return cls(int(m.get("vocab_size", 0)), int(m.get("d_model", 0)),
                   int(m.get("n_layer", 0)), int(m.get("n_head", 0)), **cls.config_args(m))

    def _inputs(self, tokens):
        """(T1) and what every attention layer shares: -> h (B, L, D), bias, rope."""
        L = tokens.shape[1]
        bb = self.backbone
        h = bb.embedding(tokens)                                      # (T1) (B, L, D)
        if self.pos == "learned":
            if L > self.max_len:
                raise ValueError(f"sequence length {L} exceeds max_len {self.max_len}")
            h = h + bb.pos_embedding.weight[:L]                       # (T1) + (L, D)
        rope = (rope_tables(L, self.hd, self.rope_base, h.dtype)      # (T5) (L, hd/2) x2
                if self.pos == "rope" else None)
        bias = attention_bias(L, self.window, self.slopes,            # (T6) (H or 1, L, L)
                              self.head_windows, h.dtype)
        return h, bias, rope

    def _logits(self, h):                                             # (..., D) -> (..., V)
        bb = self.backbone
        return bb.norm_f(h) @ bb.embedding.weight.T                   # (T8)

    def forward(self, tokens):                                        # tokens: (B, L) int64
        h, bias, rope = self._inputs(tokens)
        for block in self.backbone.layers:
            h = block(h, bias, rope)                                  # (T2)
        return self._logits(h)                                        # (B, L, V)

    def init_cache(self, batch, capacity=64):
        """An empty KVCache for `batch` sequences. `capacity` is the initial number
        of slots per layer (it doubles as needed; a window model never needs more
        than W): pass the final length to avoid regrowth."""
        return KVCache(len(self.backbone.layers), batch, self.n_head, self.hd, self.window,
                       capacity, like=self.backbone.embedding.weight)

    def _step_inputs(self, token, cache):
        """(T1) at position cache.pos, and claim its cache slot: -> h (B, D) and the
        arguments every attention layer's step shares, (slot, n, rope, bias)."""
        p = cache.pos
        bb = self.backbone
        h = bb.embedding(token)                                       # (T1) (B, D)
        if self.pos == "learned":
            if p >= self.max_len:
                raise ValueError(f"position {p} is beyond max_len {self.max_len} (pos = learned)")
            h = h + bb.pos_embedding.weight[p]                        # (T1) + (D)
        rope = None
        if self.pos == "rope":
            if cache.rope is None or p >= cache.rope[0].shape[0]:     # grow the tables by doubling
                cache.rope = rope_tables(max(64, 2 * p), self.hd, self.rope_base, h.dtype)
            rope = cache.rope[0][p], cache.rope[1][p]                 # (T5) (hd/2) each
        slot, n = cache.advance()
        bias = None
        if self.slopes or self.head_windows:                          # (T6) at each slot's distance
            s = torch.arange(n)
            d = (p - s) % self.window if self.window > 0 else p - s  # (n)
            bias = distance_bias(d, self.window, self.slopes, self.head_windows, h.dtype)
        return h, (slot, n, rope, bias)

    def step(self, token, cache):
        """token: (B,) int64 at absolute position cache.pos. Returns (logits (B, V),
        cache). Unlike MambaLM.step, the cache is updated in place (and returned),
        so an old cache cannot be reused. Call under torch.no_grad()."""
        h, shared = self._step_inputs(token, cache)
        for block, (keys, values) in zip(self.backbone.layers, cache.layers):
            h = block.step(h, keys, values, *shared)                 # (T2)
        return self._logits(h), cache                                 # (T8) (B, V)
