"""Linear-attention language model in plain PyTorch: a small, readable mirror of
freelunch's linear-attention blocks (layout of fla's GatedLinearAttention), in the frame
of recurrent_lm.py. forward() computes the attention as its double sum (the definition,
O(L^2) memory); the step path carries the equivalent recurrent state. selftest.py checks
the two forms against each other.

Shapes:  B batch, L sequence length, D d_model, H n_head, hd = D / H, F = mlp_ratio * D.

Equations (tags used in the comments below):
  (A1)  h <- h + Mixer(Norm(h));  h <- h + fc2(GELU(fc1(Norm2(h))))     GELU exact (erf), biases
  (A2)  q = q_proj(u) / sqrt(hd),  k = k_proj(u),  v = v_proj(u),  g = g_proj(u)   (D, D), no bias;
        head j owns channels j*hd .. (j+1)*hd-1 of each
  (A3)  decay alpha_t (per head, or per key channel c of a head), by config "decay":
          none   alpha = 1
          fixed  alpha_h = 1 - 2^(-5-h) for every token          (RetNet's gamma_h)
          gla    log alpha_t = logsigmoid(gk_proj.1(gk_proj.0(u_t))) / 16      (D) = (H, hd)
  (A4)  o_i = sum_{j<=i} sum_c q_ic (prod_{r=j+1..i} alpha_rc) k_jc v_j     per head   (double sum)
      = q_i S_i,  S_i = diag(alpha_i) S_{i-1} + k_i v_i^T,  S_{-1} = 0    (hd x hd)  (recurrent)
  (A5)  o <- RMSNorm over each head's hd values (eps = norm_eps) * g_norm.weight (hd, shared
        by the heads) * SiLU(g)
  (A6)  out = o_proj(o)                                                   (D, D), no bias

Parameter names under "mixer.": q_proj, k_proj, v_proj, g_proj, o_proj (.weight each),
g_norm.weight; gla only: gk_proj.0.weight (16, D), gk_proj.1.weight (D, 16), gk_proj.1.bias (D).
Step state per layer: S, (B, H, hd, hd) keys x values.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from gated_norm import GatedRMSNorm
from mamba import Norm
from recurrent_lm import RecurrentLM, require
from transformer import MLP

GLA_GATE_RANK = 16          # (A3) gk_proj's inner width
GLA_GATE_TEMPERATURE = 16.0  # (A3) log alpha = logsigmoid(.) / 16
DECAYS = ("none", "fixed", "gla")


def fixed_log_decay(H):
    """(A3) fixed: log alpha_h = log(1 - 2^(-5-h)), h = 0 .. H-1, as float64 (H)."""
    return torch.log1p(-torch.pow(2.0, -5.0 - torch.arange(H, dtype=torch.float64)))


def attention_double_sum(q, k, v, log_alpha=None):
    """(A4), the double sum. q, k: (B, L, H, dk); v: (B, L, H, dv); log_alpha: None (alpha = 1),
    (B, L, H, 1) per head or (B, L, H, dk) per key channel. -> o (B, L, H, dv).
    prod_{r=j+1..i} alpha_r = exp(c_i - c_j) with c the cumulative sum of log alpha."""
    L = q.shape[1]
    later = torch.ones(L, L, dtype=torch.bool).triu(1)                # (i, j): j > i
    qk = q[:, :, None] * k[:, None, :]                                # (B, Li, Lj, H, dk)
    if log_alpha is not None:
        c = log_alpha.cumsum(1)                                       # (B, L, H, 1 or dk)
        diff = c[:, :, None] - c[:, None, :]                          # (B, Li, Lj, H, 1 or dk)
        diff = diff.masked_fill(later[None, :, :, None, None], float("-inf"))  # no exp overflow
        qk = qk * diff.exp()
    scores = qk.sum(-1).masked_fill(later[None, :, :, None], 0.0)     # (B, Li, Lj, H)
    return torch.einsum("bijh,bjhd->bihd", scores, v)                 # (B, L, H, dv)


def recurrent_step(S, q, k, v, log_alpha=None):
    """(A4), one step of the recurrent form. S: (B, H, dk, dv); q, k: (B, H, dk); v: (B, H, dv);
    log_alpha: None, (B, H, 1) or (B, H, dk). -> (o (B, H, dv), new S)."""
    if log_alpha is not None:
        S = log_alpha.exp()[..., None] * S                            # diag(alpha) S
    S = S + k[..., None] * v[..., None, :]                            # + k v^T
    return (q[..., None] * S).sum(-2), S                              # q S


def attention_recurrent(q, k, v, log_alpha=None):
    """(A4) over a sequence by the recurrent form; same arguments as attention_double_sum."""
    B, L, H, dk = q.shape
    S = q.new_zeros(B, H, dk, v.shape[-1])
    out = []
    for t in range(L):
        o, S = recurrent_step(S, q[:, t], k[:, t], v[:, t],
                              None if log_alpha is None else log_alpha[:, t])
        out.append(o)
    return torch.stack(out, dim=1)                                    # (B, L, H, dv)


class LinearAttention(nn.Module):
    def __init__(self, D, H, decay, eps):
        super().__init__()
        if decay not in DECAYS:
            raise ValueError(f"unknown decay {decay!r} (expected {' | '.join(DECAYS)})")
        self.H, self.hd, self.decay = H, D // H, decay
        self.q_proj = nn.Linear(D, D, bias=False)                     # (D, D) each
        self.k_proj = nn.Linear(D, D, bias=False)
        self.v_proj = nn.Linear(D, D, bias=False)
        self.g_proj = nn.Linear(D, D, bias=False)
        self.o_proj = nn.Linear(D, D, bias=False)
        if decay == "gla":
            self.gk_proj = nn.Sequential(nn.Linear(D, GLA_GATE_RANK, bias=False),  # (16, D)
                                         nn.Linear(GLA_GATE_RANK, D))              # (D, 16), (D)
        self.g_norm = GatedRMSNorm(self.hd, self.hd, eps, norm_before_gate=True)   # (hd)

    def operands(self, u):
        """(A2)-(A3) for u (..., D) -> q, k, v (..., H, hd) and log alpha: None, (..., H, 1)
        or (..., H, hd)."""
        heads = u.shape[:-1] + (self.H, self.hd)
        q = (self.q_proj(u) / math.sqrt(self.hd)).view(heads)         # (A2)
        k, v = self.k_proj(u).view(heads), self.v_proj(u).view(heads)  # (A2)
        log_alpha = None                                              # (A3) none
        if self.decay == "fixed":
            log_alpha = fixed_log_decay(self.H).to(u.dtype).view(self.H, 1).expand(
                u.shape[:-1] + (self.H, 1))                           # (A3) (..., H, 1)
        elif self.decay == "gla":
            log_alpha = (F.logsigmoid(self.gk_proj(u)) / GLA_GATE_TEMPERATURE).view(heads)  # (A3)
        return q, k, v, log_alpha

    def _output(self, o, u):
        """(A5)-(A6): o (..., H, hd), u (..., D) -> (..., D)."""
        o = o.reshape(u.shape)                                        # concat heads (..., D)
        return self.o_proj(self.g_norm(o, self.g_proj(u)))           # (A5), (A6)

    def forward(self, u):                                             # u: (B, L, D)
        return self._output(attention_double_sum(*self.operands(u)), u)  # (A4) double sum

    def step(self, u, S):                                             # u: (B, D); S: (B, H, hd, hd)
        o, S = recurrent_step(S, *self.operands(u))                   # (A4) recurrent
        return self._output(o, u), S


class LinearAttentionBlock(nn.Module):
    def __init__(self, D, H, Fw, decay, norm, eps):
        super().__init__()
        self.H, self.hd = H, D // H
        self.norm = Norm(D, norm, eps)
        self.mixer = LinearAttention(D, H, decay, eps)
        self.norm2 = Norm(D, norm, eps)
        self.mlp = MLP(D, Fw)

    def forward(self, h):                                             # (B, L, D)
        h = h + self.mixer(self.norm(h))                              # (A1)
        return h + self.mlp(self.norm2(h))                            # (A1)

    def init_state(self, batch, like):
        return like.new_zeros(batch, self.H, self.hd, self.hd)       # S_{-1} = 0

    def step(self, h, S):                                             # h: (B, D)
        out, S = self.mixer.step(self.norm(h), S)
        h = h + out                                                   # (A1)
        return h + self.mlp(self.norm2(h)), S                         # (A1)


class LinearAttentionLM(RecurrentLM):
    def __init__(self, vocab_size, d_model, n_layer, n_head, decay="gla", mlp_ratio=4,
                 norm="rmsnorm", norm_eps=1e-5):
        if n_head <= 0 or d_model % n_head:
            raise ValueError(f"d_model {d_model} is not divisible by n_head {n_head}")
        Fw = mlp_ratio * d_model
        if Fw != int(Fw) or int(Fw) <= 0:
            raise ValueError(f"mlp_ratio * d_model = {Fw} is not a positive integer")
        super().__init__(vocab_size, d_model,
                         [LinearAttentionBlock(d_model, n_head, int(Fw), decay, norm, norm_eps)
                          for _ in range(n_layer)], norm, norm_eps)
        self.decay = decay

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        require(m, ["vocab_size", "d_model", "n_layer", "norm", "n_head", "decay"])
        return cls(int(m["vocab_size"]), int(m["d_model"]), int(m["n_layer"]), int(m["n_head"]),
                   m["decay"], m.get("mlp_ratio", 4), m["norm"], float(m.get("norm_eps", 1e-5)))
