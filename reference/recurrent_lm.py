"""The language-model frame of the families whose step path carries a constant-size
state per layer (LSTM, Mamba-2, linear attention), in plain PyTorch:

  (F1)  h_0 = E[tokens]                                E = embedding (V, D)
  (F2)  h <- Block_l(h),  l = 0 .. n_layer-1           the family's block, residual inside
  (F3)  logits = norm_f(h) @ E^T                       tied lm_head

Checkpoint names: backbone.embedding.weight, backbone.layers.{l}.*, backbone.norm_f.*
(lm_head.weight, a copy of the embedding, is checked and dropped by logits.py).

A block is an nn.Module with
  forward(h (B, L, D)) -> (B, L, D)
  init_state(batch, like) -> its state at position 0 (tensors shaped like `like`'s dtype)
  step(h (B, D), state) -> (h (B, D), new state)      the input state is left alone
so RecurrentLM.step, like MambaLM.step, returns a fresh cache.
"""

import torch.nn as nn

from mamba import Norm


def require(cfg, keys):
    missing = [k for k in keys if k not in cfg]
    if missing:
        raise ValueError(f"config 'model' lacks {', '.join(missing)}")


class Backbone(nn.Module):
    def __init__(self, V, D, layers, norm, eps):
        super().__init__()
        self.embedding = nn.Embedding(V, D)                           # (V, D)
        self.layers = nn.ModuleList(layers)
        self.norm_f = Norm(D, norm, eps)


class RecurrentLM(nn.Module):
    def __init__(self, vocab_size, d_model, layers, norm="rmsnorm", norm_eps=1e-5):
        super().__init__()
        self.backbone = Backbone(vocab_size, d_model, layers, norm, norm_eps)

    def _logits(self, h):                                             # (..., D) -> (..., V)
        return self.backbone.norm_f(h) @ self.backbone.embedding.weight.T  # (F3)

    def forward(self, tokens):                                        # tokens: (B, L) int64
        h = self.backbone.embedding(tokens)                           # (F1) (B, L, D)
        for layer in self.backbone.layers:
            h = layer(h)                                              # (F2)
        return self._logits(h)                                        # (B, L, V)

    def init_cache(self, batch):
        """One state per layer, each the block's state before the first token."""
        like = self.backbone.embedding.weight
        return [layer.init_state(batch, like) for layer in self.backbone.layers]

    def step(self, token, cache):
        """token: (B,) int64 at the next position; cache from init_cache or the previous
        step. Returns (logits (B, V), new cache). Inputs are not modified."""
        h = self.backbone.embedding(token)                            # (F1) (B, D)
        new_cache = []
        for layer, state in zip(self.backbone.layers, cache):
            h, state = layer.step(h, state)                           # (F2)
            new_cache.append(state)
        return self._logits(h), new_cache                             # (F3) (B, V)
