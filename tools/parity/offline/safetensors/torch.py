# Stand-in for the safetensors package (see setup-offline.sh): reads and writes the format in Python.
import json, struct
import torch
from . import safe_open, _RDT
def load_file(path, device="cpu"):
    with safe_open(path) as f:
        return {k: f.get_tensor(k) for k in f.keys()}
def save_file(tensors, path, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata: header["__metadata__"] = metadata
    for k, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": _RDT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for b in blobs: f.write(b)
def load(data): raise NotImplementedError
def save(tensors, metadata=None): raise NotImplementedError
def storage_ptr(tensor):
    try:
        return tensor.untyped_storage().data_ptr()
    except Exception:
        try: return tensor.storage().data_ptr()
        except NotImplementedError: return 0
def _end_ptr(t):
    return t.view(-1)[-1].data_ptr() + t.element_size() if t.nelement() else t.data_ptr()
def storage_size(tensor):
    try: return tensor.untyped_storage().nbytes()
    except AttributeError:
        try: return tensor.storage().size() * tensor.element_size()
        except NotImplementedError: return tensor.nelement() * tensor.element_size()
