# Local parity harness only: torch 1.13 lacks torch.distributed.tensor, which transformers 4.50 imports
# for tensor parallelism (never used here). Register an empty stand-in.
import sys, types
try:
    import torch.distributed.tensor  # noqa
except Exception:
    import torch.distributed
    m = types.ModuleType("torch.distributed.tensor")
    class _Placeholder:
        pass
    for n in ["DTensor", "Placement", "Replicate", "Shard"]:
        setattr(m, n, type(n, (_Placeholder,), {}))
    p = types.ModuleType("torch.distributed.tensor.parallel")
    for n in ["ColwiseParallel", "RowwiseParallel", "ParallelStyle", "SequenceParallel", "PrepareModuleInput", "PrepareModuleOutput"]:
        setattr(p, n, type(n, (_Placeholder,), {}))
    m.parallel = p
    sys.modules["torch.distributed.tensor"] = m
    sys.modules["torch.distributed.tensor.parallel"] = p
    torch.distributed.tensor = m
import torch as _torch
if not hasattr(_torch, "compiler"):
    _c = types.ModuleType("torch.compiler")
    def _disable(fn=None, recursive=True):
        if fn is None:
            return lambda f: f
        return fn
    _c.disable = _disable
    _c.is_compiling = lambda: False
    _torch.compiler = _c
    sys.modules["torch.compiler"] = _c
