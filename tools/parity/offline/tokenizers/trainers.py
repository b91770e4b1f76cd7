# Placeholder so that transformers imports; the parity harness never tokenizes text.
__version__ = "0.21.0"
class _Unavailable:
    def __init__(self, *a, **k): raise RuntimeError("tokenizers is not installed in this harness")
def __getattr__(name):
    if name.startswith("__"): raise AttributeError(name)
    return type(name, (_Unavailable,), {})
