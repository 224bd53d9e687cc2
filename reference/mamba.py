"""Mamba language model in plain PyTorch: a small, readable mirror of
freelunch's C++ Mamba (Gu & Dao 2023; parameter layout of state-spaces/mamba's
MambaLMHeadModel). Written for checking, not for speed.

Shapes:  B batch, L sequence length, V vocab, D d_model, Di = expand*D,
         N d_state, K d_conv, R dt_rank.

Equations (tags used in the comments below):
  (M1)  h <- h + Mixer(Norm(h))                       pre-norm residual block
  (M2)  RMSNorm(x) = x * rsqrt(mean(x^2) + eps) * w;  LayerNorm(x; w, b, eps)
  (M3)  [x ; z] = in_proj(u)                          x first, z second, each Di wide
  (M4)  x <- SiLU(causal depthwise conv_K(x) + b)     left zero padding K-1
  (M5)  [dt_raw ; B ; C] = x_proj(x)                  widths R, N, N
  (M6)  dt = softplus(dt_proj(dt_raw) + b_dt)         softplus threshold 20
  (M7)  A = -exp(A_log)                               (Di, N)
  (M8)  dA_t = exp(dt_t * A),  dBx_t = (dt_t * x_t) B_t      discretisation
  (M9)  h_t = dA_t * h_{t-1} + dBx_t                  selective scan, h_{-1} = 0
  (M10) y_t = h_t C_t + D * x_t
  (M11) out = out_proj(y * SiLU(z))
  (M12) logits = norm_f(h) @ E^T                      E = embedding (tied lm_head)
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


def _require(cfg, keys):
    missing = [k for k in keys if k not in cfg]
    if missing:
        raise ValueError(f"config 'model' lacks {', '.join(missing)}")


class Norm(nn.Module):
    """(M2) RMSNorm (weight only) or LayerNorm (weight + bias)."""

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


class MambaMixer(nn.Module):
    def __init__(self, d_model, d_inner, d_state, d_conv, dt_rank):
        super().__init__()
        self.Di, self.N, self.K, self.R = d_inner, d_state, d_conv, dt_rank
        # Parameter names/shapes match the checkpoint; modules are only containers.
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)    # (2Di, D)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner)  # (Di,1,K), (Di)
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * d_state, bias=False)  # (R+2N, Di)
        self.dt_proj = nn.Linear(dt_rank, d_inner)                    # (Di, R), (Di)
        self.A_log = nn.Parameter(torch.zeros(d_inner, d_state))      # (Di, N)
        self.D = nn.Parameter(torch.ones(d_inner))                    # (Di)
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)       # (D, Di)

    def _ssm_inputs(self, x):
        """(M5)-(M7) for x: (..., Di) -> dt (..., Di), B (..., N), C (..., N), A (Di, N)."""
        dt_raw, B, C = self.x_proj(x).split([self.R, self.N, self.N], dim=-1)  # (M5)
        dt = F.softplus(self.dt_proj(dt_raw))                         # (M6) (..., Di)
        A = -torch.exp(self.A_log)                                    # (M7) (Di, N)
        return dt, B, C, A

    def forward(self, u):                                             # u: (B, L, D)
        L = u.shape[1]
        x, z = self.in_proj(u).chunk(2, dim=-1)                       # (M3) (B, L, Di) each
        w = self.conv1d.weight[:, 0, :]                               # (Di, K); w[:, K-1] hits x_t
        xp = F.pad(x, (0, 0, self.K - 1, 0))                          # (B, L+K-1, Di) zeros on the left in time
        conv = self.conv1d.bias + sum(xp[:, k:k + L, :] * w[:, k] for k in range(self.K))
        x = F.silu(conv)                                              # (M4) (B, L, Di)

        dt, B, C, A = self._ssm_inputs(x)                             # (B,L,Di), (B,L,N), (B,L,N), (Di,N)
        dA = torch.exp(dt[..., None] * A)                             # (M8) (B, L, Di, N)
        dBx = (dt * x)[..., None] * B[:, :, None, :]                  # (M8) (B, L, Di, N)

        h = torch.zeros_like(dA[:, 0])                                # (B, Di, N)  h_{-1} = 0
        ys = []
        for dA_t, dBx_t, C_t in zip(dA.unbind(1), dBx.unbind(1), C.unbind(1)):
            h = dA_t * h + dBx_t                                      # (M9)  (B, Di, N)
            ys.append((h * C_t[:, None, :]).sum(-1))                  # (M10) (B, Di)
        y = torch.stack(ys, dim=1) + self.D * x                       # (M10) (B, L, Di)
        return self.out_proj(y * F.silu(z))                           # (M11) (B, L, D)

    def step(self, u, conv_state, ssm_state):
        """One token. u: (B, D); conv_state: (B, Di, K) = last K conv inputs, oldest
        first; ssm_state: (B, Di, N) = h_{t-1}. Returns (out (B, D), conv_state, ssm_state)."""
        x, z = self.in_proj(u).chunk(2, dim=-1)                       # (M3) (B, Di) each
        conv_state = torch.cat([conv_state[:, :, 1:], x[:, :, None]], dim=-1)  # (B, Di, K) shift in x_t
        x = F.silu((conv_state * self.conv1d.weight[:, 0, :]).sum(-1) + self.conv1d.bias)  # (M4)

        dt, B, C, A = self._ssm_inputs(x)                             # (B,Di), (B,N), (B,N), (Di,N)
        dA = torch.exp(dt[:, :, None] * A)                            # (M8) (B, Di, N)
        dBx = (dt * x)[:, :, None] * B[:, None, :]                    # (M8) (B, Di, N)
        ssm_state = dA * ssm_state + dBx                              # (M9) (B, Di, N)
        y = (ssm_state * C[:, None, :]).sum(-1) + self.D * x          # (M10) (B, Di)
        return self.out_proj(y * F.silu(z)), conv_state, ssm_state    # (M11) (B, D)


class MambaLayer(nn.Module):
    def __init__(self, d_model, norm, eps, **mixer_args):
        super().__init__()
        self.norm = Norm(d_model, norm, eps)
        self.mixer = MambaMixer(d_model, **mixer_args)

    def forward(self, h):                                             # (B, L, D)
        return h + self.mixer(self.norm(h))                           # (M1)

    def step(self, h, conv_state, ssm_state):                         # h: (B, D)
        out, conv_state, ssm_state = self.mixer.step(self.norm(h), conv_state, ssm_state)
        return h + out, conv_state, ssm_state                         # (M1)


class Backbone(nn.Module):
    def __init__(self, V, D, n_layer, norm, eps, **mixer_args):
        super().__init__()
        self.embedding = nn.Embedding(V, D)                           # (V, D)
        self.layers = nn.ModuleList(
            MambaLayer(D, norm, eps, **mixer_args) for _ in range(n_layer))
        self.norm_f = Norm(D, norm, eps)


class MambaLM(nn.Module):
    """Parameter names match the checkpoint (backbone.*); lm_head.weight is tied
    to backbone.embedding.weight, so it is not a separate parameter here."""

    def __init__(self, vocab_size, d_model, n_layer, d_state, d_conv, expand, dt_rank,
                 norm="rmsnorm", norm_eps=1e-5):
        super().__init__()
        d_inner = expand * d_model
        if d_inner != int(d_inner) or int(d_inner) <= 0:
            raise ValueError(f"expand * d_model = {d_inner} is not a positive integer")
        self.d_inner, self.d_state, self.d_conv = int(d_inner), d_state, d_conv
        self.backbone = Backbone(vocab_size, d_model, n_layer, norm, norm_eps,
                                 d_inner=self.d_inner, d_state=d_state,
                                 d_conv=d_conv, dt_rank=dt_rank)

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        _require(m, ["vocab_size", "d_model", "n_layer", "norm",
                     "d_state", "d_conv", "expand", "dt_rank"])
        return cls(int(m["vocab_size"]), int(m["d_model"]), int(m["n_layer"]),
                   int(m["d_state"]), int(m["d_conv"]), m["expand"], int(m["dt_rank"]),
                   m["norm"], float(m.get("norm_eps", 1e-5)))

    def _logits(self, h):                                             # (..., D) -> (..., V)
        return self.backbone.norm_f(h) @ self.backbone.embedding.weight.T  # (M12)

    def forward(self, tokens):                                        # tokens: (B, L) int64
        h = self.backbone.embedding(tokens)                           # (B, L, D)
        for layer in self.backbone.layers:
            h = layer(h)                                              # (M1)
        return self._logits(h)                                        # (B, L, V)

    def init_cache(self, batch):
        """Per layer (conv_state (B, Di, K), ssm_state (B, Di, N)), all zeros:
        zero conv inputs = the left zero padding of (M4); zero h = h_{-1} of (M9)."""
        p = self.backbone.embedding.weight
        return [(p.new_zeros(batch, self.d_inner, self.d_conv),
                 p.new_zeros(batch, self.d_inner, self.d_state))
                for _ in self.backbone.layers]

    def step(self, token, cache):
        """token: (B,) int64 at the next position; cache from init_cache or the
        previous step. Returns (logits (B, V), new cache). Inputs are not modified."""
        h = self.backbone.embedding(token)                            # (B, D)
        new_cache = []
        for layer, (conv_state, ssm_state) in zip(self.backbone.layers, cache):
            h, conv_state, ssm_state = layer.step(h, conv_state, ssm_state)
            new_cache.append((conv_state, ssm_state))
        return self._logits(h), new_cache                             # (B, V)
