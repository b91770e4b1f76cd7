# Stand-in for the safetensors package (see setup-offline.sh): a pure-Python reader of the format.
import json, struct
import numpy as np
import torch as _torch
_DT = {"F32": _torch.float32, "F64": _torch.float64, "F16": _torch.float16, "BF16": _torch.bfloat16,
       "I64": _torch.int64, "I32": _torch.int32, "I16": _torch.int16, "I8": _torch.int8, "U8": _torch.uint8, "BOOL": _torch.bool}
_RDT = {v: k for k, v in _DT.items()}
__version__ = "0.5.3"
def _read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return header, data
class _Slice:
    def __init__(self, t): self.t = t
    def __getitem__(self, k): return self.t[k]
    def get_shape(self): return list(self.t.shape)
    def get_dtype(self): return _RDT[self.t.dtype]
class safe_open:
    def __init__(self, path, framework="pt", device="cpu"):
        self.header, self.data = _read(path)
        self.meta = self.header.pop("__metadata__", None)
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def keys(self): return list(self.header.keys())
    def metadata(self): return self.meta
    def get_tensor(self, k):
        h = self.header[k]; a, b = h["data_offsets"]
        buf = bytearray(self.data[a:b])
        t = _torch.frombuffer(buf, dtype=_DT[h["dtype"]]) if b > a else _torch.empty(0, dtype=_DT[h["dtype"]])
        return t.reshape(h["shape"]).clone()
    def get_slice(self, k): return _Slice(self.get_tensor(k))
