"""LSTM language model in plain PyTorch: a small, readable mirror of freelunch's LSTM
blocks (the recurrent baseline), in the frame of recurrent_lm.py. The LSTM is written
out from its equations (selftest.py checks it against torch.nn.LSTM).

Shapes:  B batch, L sequence length, D d_model, H lstm_hidden (0 in a config = D).

Equations (tags used in the comments below):
  (L1)  h <- h + out_proj(LSTM(Norm(h)))               pre-norm residual block
  (L2)  [i ; f ; g ; o] = W_ih x_t + b_ih + W_hh s_{t-1} + b_hh      (4H), chunks of H
  (L3)  i, f, o = sigmoid(.);  g = tanh(.)
  (L4)  c_t = f * c_{t-1} + i * g;  s_t = o * tanh(c_t)        s_{-1} = c_{-1} = 0
  (L5)  out_proj: (D, H), no bias, applied to s_t
(s is the LSTM's hidden output, to keep h for the residual stream.)

Parameter names (nn.LSTM(D, H)'s, under "mixer."): weight_ih_l0 (4H, D), weight_hh_l0
(4H, H), bias_ih_l0 (4H), bias_hh_l0 (4H), out_proj.weight (D, H).
Step state per layer: (s, c), each (B, H).
"""

import torch
import torch.nn as nn

from mamba import Norm
from recurrent_lm import RecurrentLM, require


class LstmMixer(nn.Module):
    def __init__(self, D, H):
        super().__init__()
        self.H = H
        self.weight_ih_l0 = nn.Parameter(torch.zeros(4 * H, D))      # (4H, D)
        self.weight_hh_l0 = nn.Parameter(torch.zeros(4 * H, H))      # (4H, H)
        self.bias_ih_l0 = nn.Parameter(torch.zeros(4 * H))           # (4H)
        self.bias_hh_l0 = nn.Parameter(torch.zeros(4 * H))           # (4H)
        self.out_proj = nn.Linear(H, D, bias=False)                   # (D, H)

    def _cell(self, x_gates, s, c):
        """(L2)-(L4) given x_gates = W_ih x_t + b_ih (B, 4H) and s, c (B, H) -> s_t, c_t."""
        gates = x_gates + s @ self.weight_hh_l0.T + self.bias_hh_l0   # (L2) (B, 4H)
        i, f, g, o = gates.chunk(4, dim=-1)                           # (B, H) each
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)  # (L3)
        c = f * c + i * g                                             # (L4)
        return o * torch.tanh(c), c                                   # (L4)

    def forward(self, u):                                             # u: (B, L, D)
        x_gates = u @ self.weight_ih_l0.T + self.bias_ih_l0           # (L2) (B, L, 4H), all t at once
        s = c = u.new_zeros(u.shape[0], self.H)                       # s_{-1} = c_{-1} = 0
        outs = []
        for xg in x_gates.unbind(1):                                  # (B, 4H) per t
            s, c = self._cell(xg, s, c)
            outs.append(s)
        return self.out_proj(torch.stack(outs, dim=1))                # (L5) (B, L, D)

    def step(self, u, s, c):                                          # u: (B, D); s, c: (B, H)
        s, c = self._cell(u @ self.weight_ih_l0.T + self.bias_ih_l0, s, c)
        return self.out_proj(s), s, c                                 # (L5)


class LstmBlock(nn.Module):
    def __init__(self, D, H, norm, eps):
        super().__init__()
        self.H = H
        self.norm = Norm(D, norm, eps)
        self.mixer = LstmMixer(D, H)

    def forward(self, h):                                             # (B, L, D)
        return h + self.mixer(self.norm(h))                           # (L1)

    def init_state(self, batch, like):
        return like.new_zeros(batch, self.H), like.new_zeros(batch, self.H)  # (s, c)

    def step(self, h, state):                                         # h: (B, D)
        out, s, c = self.mixer.step(self.norm(h), *state)
        return h + out, (s, c)                                        # (L1)


class LstmLM(RecurrentLM):
    def __init__(self, vocab_size, d_model, n_layer, lstm_hidden=0, norm="rmsnorm", norm_eps=1e-5):
        H = int(lstm_hidden) or d_model
        if H <= 0:
            raise ValueError(f"lstm_hidden must be >= 0, got {lstm_hidden}")
        super().__init__(vocab_size, d_model,
                         [LstmBlock(d_model, H, norm, norm_eps) for _ in range(n_layer)],
                         norm, norm_eps)
        self.hidden = H

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        require(m, ["vocab_size", "d_model", "n_layer", "norm"])
        return cls(int(m["vocab_size"]), int(m["d_model"]), int(m["n_layer"]),
                   int(m.get("lstm_hidden", 0)), m["norm"], float(m.get("norm_eps", 1e-5)))
