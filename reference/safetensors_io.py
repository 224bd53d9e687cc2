"""A tiny reader/writer for the safetensors file format (no dependency on the
`safetensors` package, which is not installed here).

File layout:
    [8 bytes]  N, little-endian unsigned 64-bit: length of the JSON header
    [N bytes]  JSON object  {name: {"dtype": "F32", "shape": [..],
                                    "data_offsets": [begin, end]},
                             "__metadata__": {str: str}}   (metadata optional)
               padded with spaces so that 8 + N is a multiple of 8
    [rest]     data buffer; begin/end are byte offsets relative to its start,
               tensors stored row-major (C order), little-endian.

    load(path)                      -> dict[str, torch.Tensor]
    load_with_metadata(path)        -> (dict[str, torch.Tensor], dict[str, str])
    save(path, tensors, metadata=None)
"""

import json
import struct
import sys

import torch

# safetensors dtype tag -> (torch dtype, bytes per element)
DTYPES = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}
TAG_OF = {dt: tag for tag, (dt, _) in DTYPES.items()}

_MAX_HEADER = 100 * 1024 * 1024  # refuse absurd header lengths (corrupt file)

if sys.byteorder != "little":  # the format is little-endian; we copy bytes verbatim
    raise ImportError("safetensors_io assumes a little-endian host")


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def load_with_metadata(path):
    """Read a .safetensors file. Raises ValueError on a malformed file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file ({len(raw)} bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} exceeds file size {len(raw)}")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    data = memoryview(raw)[8 + n:]

    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError(f"{path}: __metadata__ must map strings to strings")

    tensors, spans = {}, []
    for name, info in header.items():
        try:
            tag, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise ValueError(f"{path}: tensor {name!r} has a malformed header entry") from None
        if tag not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {tag!r}")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ValueError(f"{path}: tensor {name!r} has bad shape {shape!r}")
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(data)):
            raise ValueError(f"{path}: tensor {name!r} has offsets [{begin}, {end}] "
                             f"outside the {len(data)}-byte data buffer")
        dtype, itemsize = DTYPES[tag]
        if end - begin != _numel(shape) * itemsize:
            raise ValueError(f"{path}: tensor {name!r}: {end - begin} bytes for "
                             f"{tag} shape {shape}")
        if end > begin:
            spans.append((begin, end, name))
        if _numel(shape) == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            # bytearray copy: owned, writable and suitably aligned for frombuffer
            buf = bytearray(data[begin:end])
            tensors[name] = torch.frombuffer(buf, dtype=dtype).reshape(shape)
    spans.sort()
    for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise ValueError(f"{path}: tensors {n0!r} and {n1!r} overlap")
    return tensors, metadata


def load(path):
    return load_with_metadata(path)[0]


def _to_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    elif t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def save(path, tensors, metadata=None):
    """Write dict[str, torch.Tensor] (+ optional {str: str} metadata)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        t = tensors[name]
        if t.dtype not in TAG_OF:
            raise ValueError(f"tensor {name!r}: dtype {t.dtype} not supported")
        b = _to_bytes(t)
        header[name] = {"dtype": TAG_OF[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)  # pad with spaces: 8 + N is a multiple of 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)
