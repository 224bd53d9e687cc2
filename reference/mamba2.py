"""Mamba-2 language model in plain PyTorch: a small, readable mirror of freelunch's
Mamba-2 blocks (Dao & Gu 2024; semantics and parameter layout of state-spaces/mamba's
Mamba2 with d_ssm = Di, RMSNorm gate after the product), in the frame of recurrent_lm.py.
Written for checking, not for speed: the scan is a plain Python loop over time.

Shapes:  B batch, L sequence length, D d_model, Di = expand*D, N d_state, K d_conv,
         P headdim, G ngroups, Hm = Di/P heads, Cc = Di + 2GN conv channels.

Equations (tags used in the comments below):
  (S1)  h <- h + Mixer(Norm(h))                          pre-norm residual block
  (S2)  [z ; xBC ; dt_raw] = in_proj(u)                  widths Di, Cc, Hm (no bias)
  (S3)  xBC <- SiLU(causal depthwise conv_K(xBC) + b)    left zero padding K-1
  (S4)  [x ; B ; C] = xBC                                widths Di, GN, GN; head h owns
        x[hP .. (h+1)P-1] and reads group g = h // (Hm/G): B[gN .. (g+1)N-1], same for C
  (S5)  dt = softplus(dt_raw + dt_bias)                  (Hm), F.softplus (threshold 20)
  (S6)  A = -exp(A_log)                                  (Hm), one scalar per head
  (S7)  s_t = exp(dt_t A) s_{t-1} + (dt_t x_t) B_t^T     per head (P, N), s_{-1} = 0
  (S8)  y_t = s_t C_t + D x_t                            per head (P), D (Hm)
  (S9)  y = concat heads (Di);  y' = RMS_G(y * SiLU(z)) * norm.weight   gated RMSNorm over
        G groups of Di/G channels, eps = norm_eps (gated_norm.py, norm_before_gate = False)
  (S10) out = out_proj(y')                               (D, Di), no bias

Parameter names under "mixer.": in_proj.weight (2Di + 2GN + Hm, D), conv1d.weight (Cc, 1, K),
conv1d.bias (Cc), dt_bias (Hm), A_log (Hm), D (Hm), norm.weight (Di), out_proj.weight (D, Di).
Step state per layer: (conv_state (B, Cc, K) = the last K conv inputs, oldest first;
ssm_state (B, Hm, P, N) = s_{t-1}).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from gated_norm import GatedRMSNorm
from mamba import Norm
from recurrent_lm import RecurrentLM, require


class Mamba2Mixer(nn.Module):
    def __init__(self, D, Di, N, K, P, G, eps):
        super().__init__()
        if Di % P:
            raise ValueError(f"headdim {P} does not divide expand * d_model = {Di}")
        Hm = Di // P
        if Hm % G:
            raise ValueError(f"ngroups {G} does not divide the {Hm} heads")
        self.Di, self.N, self.K, self.P, self.G, self.Hm = Di, N, K, P, G, Hm
        self.Cc = Di + 2 * G * N
        self.in_proj = nn.Linear(D, 2 * Di + 2 * G * N + Hm, bias=False)  # (2Di+2GN+Hm, D)
        self.conv1d = nn.Conv1d(self.Cc, self.Cc, K, groups=self.Cc)  # (Cc, 1, K), (Cc)
        self.dt_bias = nn.Parameter(torch.zeros(Hm))                  # (Hm)
        self.A_log = nn.Parameter(torch.zeros(Hm))                    # (Hm)
        self.D = nn.Parameter(torch.ones(Hm))                         # (Hm)
        self.norm = GatedRMSNorm(Di, Di // G, eps, norm_before_gate=False)  # (Di)
        self.out_proj = nn.Linear(Di, D, bias=False)                  # (D, Di)

    def _split(self, zxbcdt):
        """(S2): (..., 2Di+2GN+Hm) -> z (..., Di), xBC (..., Cc), dt_raw (..., Hm)."""
        return zxbcdt.split([self.Di, self.Cc, self.Hm], dim=-1)

    def ssm_operands(self, xBC, dt_raw):
        """(S4)-(S6) for the conv output xBC (..., Cc) and dt_raw (..., Hm) ->
        x (..., Hm, P), B and C (..., Hm, N) (each head its group's), dt (..., Hm), A (Hm)."""
        x, B, C = xBC.split([self.Di, self.G * self.N, self.G * self.N], dim=-1)  # (S4)
        lead = x.shape[:-1]
        x = x.reshape(*lead, self.Hm, self.P)                         # (..., Hm, P)
        per_group = self.Hm // self.G                                 # heads per group
        B = B.reshape(*lead, self.G, self.N).repeat_interleave(per_group, dim=-2)  # (..., Hm, N)
        C = C.reshape(*lead, self.G, self.N).repeat_interleave(per_group, dim=-2)  # (..., Hm, N)
        dt = F.softplus(dt_raw + self.dt_bias)                        # (S5) (..., Hm)
        A = -torch.exp(self.A_log)                                    # (S6) (Hm)
        return x, B, C, dt, A

    def conv_and_operands(self, u):
        """(S2)-(S6) over a sequence u (B, L, D) -> z (B, L, Di) and the ssm_operands."""
        L = u.shape[1]
        z, xBC, dt_raw = self._split(self.in_proj(u))                 # (S2)
        w = self.conv1d.weight[:, 0, :]                               # (Cc, K); w[:, K-1] hits t
        xp = F.pad(xBC, (0, 0, self.K - 1, 0))                        # (B, L+K-1, Cc) zeros on the left
        conv = self.conv1d.bias + sum(xp[:, k:k + L, :] * w[:, k] for k in range(self.K))
        return z, self.ssm_operands(F.silu(conv), dt_raw)             # (S3)

    def _output(self, y, x, z):
        """(S8) skip, (S9), (S10): y (..., Hm, P) without the skip, x (..., Hm, P), z (..., Di)."""
        y = y + self.D[:, None] * x                                   # (S8)
        y = y.reshape(z.shape)                                        # (S9) concat heads (..., Di)
        return self.out_proj(self.norm(y, z))                         # (S9), (S10)

    def forward(self, u):                                             # u: (B, L, D)
        z, (x, B, C, dt, A) = self.conv_and_operands(u)
        dA = torch.exp(dt * A)                                        # (S7) (B, L, Hm)
        dBx = (dt[..., None] * x)[..., None] * B[..., None, :]        # (S7) (B, L, Hm, P, N)
        s = x.new_zeros(x.shape[0], self.Hm, self.P, self.N)          # s_{-1} = 0
        ys = []
        for dA_t, dBx_t, C_t in zip(dA.unbind(1), dBx.unbind(1), C.unbind(1)):
            s = dA_t[:, :, None, None] * s + dBx_t                    # (S7) (B, Hm, P, N)
            ys.append((s * C_t[:, :, None, :]).sum(-1))               # (S8) (B, Hm, P)
        return self._output(torch.stack(ys, dim=1), x, z)             # (B, L, D)

    def step(self, u, conv_state, ssm_state):
        """One token. u: (B, D); conv_state (B, Cc, K); ssm_state (B, Hm, P, N).
        Returns (out (B, D), conv_state, ssm_state); the inputs are left alone."""
        z, xBC, dt_raw = self._split(self.in_proj(u))                 # (S2)
        conv_state = torch.cat([conv_state[:, :, 1:], xBC[:, :, None]], dim=-1)  # shift in xBC_t
        xBC = F.silu((conv_state * self.conv1d.weight[:, 0, :]).sum(-1) + self.conv1d.bias)  # (S3)
        x, B, C, dt, A = self.ssm_operands(xBC, dt_raw)               # (B,Hm,P), (B,Hm,N) x2, (B,Hm)
        dA = torch.exp(dt * A)                                        # (S7) (B, Hm)
        dBx = (dt[..., None] * x)[..., None] * B[:, :, None, :]       # (S7) (B, Hm, P, N)
        ssm_state = dA[:, :, None, None] * ssm_state + dBx            # (S7)
        y = (ssm_state * C[:, :, None, :]).sum(-1)                    # (S8) (B, Hm, P)
        return self._output(y, x, z), conv_state, ssm_state


class Mamba2Block(nn.Module):
    def __init__(self, D, norm, eps, **mixer_args):
        super().__init__()
        self.norm = Norm(D, norm, eps)
        self.mixer = Mamba2Mixer(D, eps=eps, **mixer_args)

    def forward(self, h):                                             # (B, L, D)
        return h + self.mixer(self.norm(h))                           # (S1)

    def init_state(self, batch, like):
        """Zeros: the conv's left padding (S3) and s_{-1} (S7)."""
        m = self.mixer
        return (like.new_zeros(batch, m.Cc, m.K), like.new_zeros(batch, m.Hm, m.P, m.N))

    def step(self, h, state):                                         # h: (B, D)
        out, conv_state, ssm_state = self.mixer.step(self.norm(h), *state)
        return h + out, (conv_state, ssm_state)                       # (S1)


class Mamba2LM(RecurrentLM):
    def __init__(self, vocab_size, d_model, n_layer, d_state=16, d_conv=4, expand=2,
                 headdim=16, ngroups=1, norm="rmsnorm", norm_eps=1e-5):
        Di = expand * d_model
        if Di != int(Di) or int(Di) <= 0:
            raise ValueError(f"expand * d_model = {Di} is not a positive integer")
        super().__init__(vocab_size, d_model,
                         [Mamba2Block(d_model, norm, norm_eps, Di=int(Di), N=d_state, K=d_conv,
                                      P=headdim, G=ngroups) for _ in range(n_layer)],
                         norm, norm_eps)

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        require(m, ["vocab_size", "d_model", "n_layer", "norm", "d_state", "d_conv", "expand",
                    "headdim", "ngroups"])
        return cls(int(m["vocab_size"]), int(m["d_model"]), int(m["n_layer"]), int(m["d_state"]),
                   int(m["d_conv"]), m["expand"], int(m["headdim"]), int(m["ngroups"]),
                   m["norm"], float(m.get("norm_eps", 1e-5)))
