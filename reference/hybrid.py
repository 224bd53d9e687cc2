"""Hybrid language model in plain PyTorch: Mamba blocks with Transformer blocks at the
layers config "attn_layers" names (0-based), the rest of the frame shared with both
(embedding, learned positions if pos = learned, final norm, tied head).

A per-layer dispatch and nothing else: layer i is transformer.Block (T2) when i is in
attn_layers, else mamba.MambaLayer (M1). The attention layers read the Transformer's
keys (n_head, pos, rope_base, max_len, window, mlp_ratio, hard_alibi_windows) and share
its per-sequence inputs (RoPE tables, the (T6) bias); the Mamba layers read d_state,
d_conv, expand, dt_rank.

Step path: a HybridCache is the Transformer's KVCache over the attention layers (one
slot per position, claimed once per token for all of them) plus (conv_state,
ssm_state) per Mamba layer. Like TransformerLM.step, step updates the cache in place.
"""

import torch.nn as nn

from mamba import MambaLayer
from transformer import Block, KVCache, TransformerLM, _require


class HybridCache(KVCache):
    """KVCache (pos, ring/slots, RoPE tables) whose `layers` are the attention layers'
    buffers only, in layer order; `mamba` maps each Mamba layer's index to its
    (conv_state (B, Di, K), ssm_state (B, Di, N))."""

    def __init__(self, n_attn, mamba_states, batch, H, hd, window, capacity, like):
        super().__init__(n_attn, batch, H, hd, window, capacity, like)
        self.mamba = mamba_states


class HybridLM(TransformerLM):
    def __init__(self, vocab_size, d_model, n_layer, n_head, attn_layers, d_state, d_conv,
                 expand, dt_rank, **attention_args):
        # The frame (embedding, positions, norm_f, validation of the attention keys) with no
        # layers, then the layers themselves.
        super().__init__(vocab_size, d_model, 0, n_head, **attention_args)
        attn_layers = [int(i) for i in attn_layers]
        if not attn_layers or attn_layers != sorted(set(attn_layers)) or \
                attn_layers[0] < 0 or attn_layers[-1] >= n_layer:
            raise ValueError(f"attn_layers {attn_layers} must list layers of 0 .. {n_layer - 1}"
                             f" once each, ascending, at least one")
        d_inner = expand * d_model
        if d_inner != int(d_inner) or int(d_inner) <= 0:
            raise ValueError(f"expand * d_model = {d_inner} is not a positive integer")
        self.attn_layers = attn_layers
        self.d_inner, self.d_state, self.d_conv = int(d_inner), d_state, d_conv
        norm, eps = attention_args.get("norm", "rmsnorm"), attention_args.get("norm_eps", 1e-5)
        self.backbone.layers = nn.ModuleList(
            Block(d_model, n_head, self.mlp_width, norm, eps) if i in attn_layers else
            MambaLayer(d_model, norm, eps, d_inner=self.d_inner, d_state=d_state,
                       d_conv=d_conv, dt_rank=dt_rank)
            for i in range(n_layer))

    @classmethod
    def from_config(cls, m):
        """m: the "model" object of config.json (unknown keys ignored)."""
        _require(m, ["d_state", "d_conv", "expand", "dt_rank", "attn_layers"])
        return cls(int(m.get("vocab_size", 0)), int(m.get("d_model", 0)),
                   int(m.get("n_layer", 0)), int(m.get("n_head", 0)), m["attn_layers"],
                   int(m["d_state"]), int(m["d_conv"]), m["expand"], int(m["dt_rank"]),
                   **cls.config_args(m))

    def forward(self, tokens):                                        # tokens: (B, L) int64
        h, bias, rope = self._inputs(tokens)
        for i, layer in enumerate(self.backbone.layers):
            h = layer(h, bias, rope) if i in self.attn_layers else layer(h)  # (T2) or (M1)
        return self._logits(h)                                        # (B, L, V)

    def init_cache(self, batch, capacity=64):
        like = self.backbone.embedding.weight
        mamba = {i: (like.new_zeros(batch, self.d_inner, self.d_conv),
                     like.new_zeros(batch, self.d_inner, self.d_state))
                 for i in range(len(self.backbone.layers)) if i not in self.attn_layers}
        return HybridCache(len(self.attn_layers), mamba, batch, self.n_head, self.hd,
                           self.window, capacity, like)

    def step(self, token, cache):
        """token: (B,) int64 at position cache.pos -> (logits (B, V), cache), the cache
        updated in place. Call under torch.no_grad()."""
        h, shared = self._step_inputs(token, cache)
        kv = iter(cache.layers)
        for i, layer in enumerate(self.backbone.layers):
            if i in self.attn_layers:
                keys, values = next(kv)
                h = layer.step(h, keys, values, *shared)              # (T2)
            else:
                h, conv_state, ssm_state = layer.step(h, *cache.mamba[i])  # (M1)
                cache.mamba[i] = (conv_state, ssm_state)
        return self._logits(h), cache                                 # (B, V)
