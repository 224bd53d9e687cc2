"""Compute logits of a freelunch checkpoint with the PyTorch reference models.

  /usr/bin/python3 reference/logits.py --checkpoint DIR --tokens 1,5,7,2 \
      [--tokens 3,3,0,9 ...] --out FILE [--step] [--double]

DIR/config.json ("model" object) + DIR/model.safetensors  ->  FILE, a safetensors
file with one F32 tensor "logits" of shape (rows, L, V).
  --step    run token by token through the step path (recurrent state; Transformer
            and hybrid: KV cache) instead of one forward pass
  --double  compute in float64 (output still F32), as a high-precision reference
Exit status: 0 ok, 2 bad checkpoint or bad arguments (one-line message on stderr).
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from hybrid import HybridLM  # noqa: E402
from linear_attention import LinearAttentionLM  # noqa: E402
from lstm import LstmLM  # noqa: E402
from mamba import MambaLM  # noqa: E402
from mamba2 import Mamba2LM  # noqa: E402
from transformer import TransformerLM  # noqa: E402

# config.json's model.type -> the model class (each has from_config(model object))
MODELS = {"mamba": MambaLM, "transformer": TransformerLM, "hybrid": HybridLM,
          "lstm": LstmLM, "mamba2": Mamba2LM, "linear": LinearAttentionLM}


def build_model(model_cfg):
    """Model with uninitialised weights from the "model" object of config.json."""
    if not isinstance(model_cfg, dict):
        raise ValueError("config.json has no \"model\" object")
    kind = model_cfg.get("type")
    if kind not in MODELS:
        raise ValueError(f"model type {kind!r} is not one of {sorted(MODELS)}")
    return MODELS[kind].from_config(model_cfg)


def _check_tensors(model, tensors):
    """Names, shapes and dtype of the checkpoint must match the model exactly."""
    tensors = dict(tensors)
    head = tensors.pop("lm_head.weight", None)
    emb = tensors.get("backbone.embedding.weight")
    if head is not None and emb is not None and not torch.equal(head, emb):
        raise ValueError("lm_head.weight differs from backbone.embedding.weight "
                         "(they must be tied)")
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
        if unexpected:
            parts.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
        raise ValueError("weights do not match config: " + "; ".join(parts))
    for name, want in expected.items():
        got = tensors[name]
        if got.dtype != torch.float32:
            raise ValueError(f"{name}: dtype {got.dtype}, expected F32")
        if got.shape != want.shape:
            raise ValueError(f"{name}: shape {list(got.shape)}, expected {list(want.shape)}")
    return tensors


def load_model(ckpt_dir):
    """-> (model in eval mode, config dict). Raises ValueError/OSError when bad."""
    with open(os.path.join(ckpt_dir, "config.json")) as f:
        config = json.load(f)
    if not isinstance(config, dict):
        raise ValueError("config.json is not a JSON object")
    model = build_model(config.get("model"))
    tensors = safetensors_io.load(os.path.join(ckpt_dir, "model.safetensors"))
    model.load_state_dict(_check_tensors(model, tensors), strict=True)
    return model.eval(), config


def save_checkpoint(ckpt_dir, model, model_cfg, extra_config=None):
    """Write DIR/config.json + DIR/model.safetensors the way freelunch does
    (lm_head.weight stored as a copy of the embedding)."""
    os.makedirs(ckpt_dir, exist_ok=True)
    tensors = {k: v.detach().to(torch.float32) for k, v in model.state_dict().items()}
    tensors["lm_head.weight"] = tensors["backbone.embedding.weight"].clone()
    safetensors_io.save(os.path.join(ckpt_dir, "model.safetensors"), tensors)
    config = dict(extra_config or {})
    config["model"] = model_cfg
    with open(os.path.join(ckpt_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


@torch.no_grad()
def compute_logits(model, tokens, step=False):
    """tokens: (B, L) int64 -> logits (B, L, V) in the model's dtype."""
    if not step:
        return model(tokens)
    cache = model.init_cache(tokens.shape[0])
    out = []
    for tok in tokens.unbind(1):                                      # (B,) per position
        logits, cache = model.step(tok, cache)                        # (B, V)
        out.append(logits)
    return torch.stack(out, dim=1)                                    # (B, L, V)


def parse_tokens(rows):
    try:
        parsed = [[int(t) for t in r.split(",")] for r in rows]
    except ValueError:
        raise ValueError("--tokens takes comma-separated integers, e.g. 1,5,7,2") from None
    if len({len(r) for r in parsed}) != 1:
        raise ValueError(f"all --tokens rows must have the same length, got "
                         f"{[len(r) for r in parsed]}")
    return torch.tensor(parsed, dtype=torch.int64)                    # (rows, L)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, metavar="DIR")
    ap.add_argument("--tokens", required=True, action="append", metavar="T0,T1,...",
                    help="one token row; repeat for more rows (all the same length)")
    ap.add_argument("--out", required=True, metavar="FILE")
    ap.add_argument("--step", action="store_true",
                    help="token by token through the step path (recurrent state / KV cache)")
    ap.add_argument("--double", action="store_true", help="compute in float64")
    args = ap.parse_args(argv)

    def die(msg):
        print(f"logits.py: {' '.join(str(msg).split())}", file=sys.stderr)
        return 2

    try:
        tokens = parse_tokens(args.tokens)
    except ValueError as e:
        return die(e)
    try:
        model, _ = load_model(args.checkpoint)
    except (OSError, ValueError, RuntimeError) as e:
        return die(f"bad checkpoint {args.checkpoint}: {e}")
    V = model.backbone.embedding.weight.shape[0]
    if tokens.min() < 0 or tokens.max() >= V:
        return die(f"token ids must be in [0, {V}), got min {int(tokens.min())} "
                   f"max {int(tokens.max())}")
    if args.double:
        model = model.double()
    try:
        logits = compute_logits(model, tokens, step=args.step)
    except ValueError as e:
        return die(e)
    safetensors_io.save(args.out, {"logits": logits.to(torch.float32).contiguous()},
                        metadata={"checkpoint": os.path.abspath(args.checkpoint),
                                  "path": "step" if args.step else "forward",
                                  "dtype": "float64" if args.double else "float32"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
