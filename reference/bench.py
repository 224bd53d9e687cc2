"""Speed of the PyTorch reference models: the PyTorch side of freelunch's
side-by-side benchmark. Prints ONE JSON object as the last line of stdout;
everything else goes to stderr.

  /usr/bin/python3 reference/bench.py train --checkpoint DIR --batch B --length L \\
      --steps S --warmup W --threads T --seed S0
  /usr/bin/python3 reference/bench.py decode --checkpoint DIR --positions 64,1024,8192 \\
      --tokens N --threads T --seed S0

train   W untimed then S timed training steps, each: zero_grad; logits = model(tokens);
        cross entropy over all B*L positions; backward; clip_grad_norm_(1.0); AdamW
        (lr 1e-3, betas (0.9, 0.98), eps 1e-8, weight decay 0.1 on parameters with
        dim >= 2 except A_log, 0 on the rest). tokens and targets: torch.randint(0, V,
        (B, L)) after torch.manual_seed(S0), fresh for every step (drawn untimed).
        -> {"kind": "train", "step_ms": [...], "median_ms", "min_ms", "peak_rss_kib",
            "threads", "torch"}
decode  batch 1, random tokens through the step path, one continuous sequence: for
        each position p (ascending) step up to position p (untimed), then time N
        single-token steps at positions p .. p+N-1; report the median ms per token.
        -> {"kind": "decode", "ms_per_token": {"64": ..., ...}, "threads",
            "torch", "peak_rss_kib"}
Exit status: 0 ok; 2 bad arguments or bad checkpoint (one line "bench.py: ..." on stderr).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logits import load_model  # noqa: E402
from transformer import TransformerLM  # noqa: E402


class BadArgs(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):                                         # one line, exit 2
        raise BadArgs(message)


def positive(s):
    v = int(s)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {s}")
    return v


def non_negative(s):
    v = int(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {s}")
    return v


def parse_args(argv):
    ap = Parser(prog="bench.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="kind", metavar="{train,decode}")
    sub.required = True
    tr = sub.add_parser("train", help="time training steps")
    de = sub.add_parser("decode", help="time batch-1 step-path decoding at given positions")
    for p in (tr, de):
        p.add_argument("--checkpoint", required=True, metavar="DIR")
        p.add_argument("--threads", type=positive, default=1, metavar="T")
        p.add_argument("--seed", type=int, default=0, metavar="S0")
    tr.add_argument("--batch", type=positive, default=16, metavar="B")
    tr.add_argument("--length", type=positive, default=128, metavar="L")
    tr.add_argument("--steps", type=positive, default=10, metavar="S")
    tr.add_argument("--warmup", type=non_negative, default=2, metavar="W")
    de.add_argument("--positions", default="64,1024,8192", metavar="P0,P1,...")
    de.add_argument("--tokens", type=positive, default=32, metavar="N",
                    help="timed steps per position")
    args = ap.parse_args(argv)
    if args.kind == "decode":
        try:
            args.positions = [int(p) for p in args.positions.split(",")]
        except ValueError:
            raise BadArgs(f"--positions takes comma-separated integers, got {args.positions!r}")
        for a, b in zip(args.positions, args.positions[1:]):
            if b < a + args.tokens:
                raise BadArgs(f"--positions must ascend by at least --tokens ({args.tokens}): "
                              f"{a} then {b}")
        if args.positions[0] < 0:
            raise BadArgs("--positions must be >= 0")
    return args


def param_groups(model):
    """AdamW groups as freelunch builds them: decay matrices (dim >= 2) except A_log."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and not name.endswith("A_log") else no_decay).append(p)
    return [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]


def check_fits(model, args):
    """Positions a learned-position Transformer cannot reach are bad arguments."""
    if not (isinstance(model, TransformerLM) and model.pos == "learned"):
        return
    last = args.length - 1 if args.kind == "train" else args.positions[-1] + args.tokens - 1
    if last >= model.max_len:
        raise BadArgs(f"position {last} is beyond the model's max_len {model.max_len} "
                      f"(pos = learned)")


def bench_train(model, args):
    V = model.backbone.embedding.weight.shape[0]
    model.train()
    params = list(model.parameters())
    opt = torch.optim.AdamW(param_groups(model), lr=1e-3, betas=(0.9, 0.98), eps=1e-8)
    torch.manual_seed(args.seed)
    step_ms = []
    for i in range(args.warmup + args.steps):
        tokens = torch.randint(0, V, (args.batch, args.length))
        targets = torch.randint(0, V, (args.batch, args.length))
        t0 = time.perf_counter()
        opt.zero_grad()
        logits = model(tokens)                                        # (B, L, V)
        loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        t1 = time.perf_counter()
        if i >= args.warmup:
            step_ms.append((t1 - t0) * 1e3)
    print(f"bench.py: train B={args.batch} L={args.length}: median {statistics.median(step_ms):.2f}"
          f" ms/step, last loss {loss.item():.4f}", file=sys.stderr)
    return {"kind": "train", "step_ms": [round(t, 4) for t in step_ms],
            "median_ms": round(statistics.median(step_ms), 4),
            "min_ms": round(min(step_ms), 4)}


@torch.inference_mode()
def bench_decode(model, args):
    V = model.backbone.embedding.weight.shape[0]
    total = args.positions[-1] + args.tokens                          # positions 0 .. total-1
    model.eval()
    torch.manual_seed(args.seed)
    tokens = torch.randint(0, V, (total, 1)).unbind(0)                # (1,) each, drawn up front
    if isinstance(model, TransformerLM):
        cache = model.init_cache(1, capacity=total)                   # no regrowth while timing
    else:
        cache = model.init_cache(1)
    step = model.step
    t, ms_per_token = 0, {}
    for p in args.positions:
        t0 = time.perf_counter()
        while t < p:                                                  # untimed: advance to p
            _, cache = step(tokens[t], cache)
            t += 1
        prefill_s = time.perf_counter() - t0
        times = [0.0] * args.tokens
        for i in range(args.tokens):
            t0 = time.perf_counter()
            _, cache = step(tokens[t + i], cache)
            times[i] = time.perf_counter() - t0
        t += args.tokens
        ms_per_token[str(p)] = round(statistics.median(times) * 1e3, 6)
        print(f"bench.py: decode position {p}: {ms_per_token[str(p)]:.4f} ms/token "
              f"(advanced in {prefill_s:.1f} s)", file=sys.stderr)
    return {"kind": "decode", "ms_per_token": ms_per_token}


def main(argv=None):
    stdout, sys.stdout = sys.stdout, sys.stderr                       # only the JSON goes to stdout
    try:
        try:
            args = parse_args(argv)
        except BadArgs as e:
            return die(e)
        torch.set_num_threads(args.threads)
        try:
            model, _ = load_model(args.checkpoint)
        except (OSError, ValueError, RuntimeError) as e:
            return die(f"bad checkpoint {args.checkpoint}: {e}")
        try:
            check_fits(model, args)
        except BadArgs as e:
            return die(e)
        print(f"bench.py: {type(model).__name__} from {args.checkpoint}, "
              f"{sum(p.numel() for p in model.parameters())} parameters, "
              f"{args.threads} thread(s), torch {torch.__version__}", file=sys.stderr)
        result = (bench_train if args.kind == "train" else bench_decode)(model, args)
        result["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result["threads"] = args.threads
        result["torch"] = torch.__version__
    finally:
        sys.stdout = stdout
    print(json.dumps(result), flush=True)
    return 0


def die(msg):
    print(f"bench.py: {' '.join(str(msg).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
