#!/usr/bin/env python3
"""Reference outputs of transformers' Qwen2-VL image processor at Qwen3-VL's settings (a few dozen KB).

    python3 tools/parity/make_qwen3vl_image_fixture.py [--out tests/VisionR1.Tests/Fixtures/image-qwen3vl]

Qwen3-VL's released preprocessor_config.json asks for Qwen2VLImageProcessorFast with patch_size 16,
temporal_patch_size 2, merge_size 2, image_mean = image_std = [0.5, 0.5, 0.5] and size {shortest_edge
65536, longest_edge 16777216}. The fast processor resizes with torchvision; the slow
Qwen2VLImageProcessor (same arguments) with Pillow. This script runs the slow one (the reference the test
compares with) and measures how far the fast path is from it: the call torchvision's resize makes on a CPU
tensor (torch.nn.functional.interpolate, bicubic, antialias, on the uint8 image; and on a float copy rounded
back, torchvision's path on GPU), and, when torchvision is importable, the fast processor itself.

Sources are the synthetic pattern of make_pillow_fixture.py (mirrored in PillowBicubicTests.Pattern) at
sizes that are and are not multiples of 32, under the released pixel budget and a small one that the
larger images exceed. Writes <out>/cases.json (per case: source size, budget, grid, SHA-256 of the
resized RGB bytes, fast-path differences) and <out>/patches.safetensors (per case: row_sums.K,
the float64 sum of every pixel_values row in order, and row.K, the full middle row).
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

from make_pillow_fixture import pattern

GEOMETRY = dict(patch_size=16, temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
BUDGETS = {"released": (65536, 16777216), "small": (4096, 49152)}
# (width, height, budget): inside the released budget (multiples of 32 and not), under its minimum
# (scaled up), a thin strip, and over the small budget's maximum (scaled down).
CASES = [
    (640, 480, "released"),
    (517, 389, "released"),
    (300, 200, "released"),
    (37, 23, "released"),
    (1000, 20, "released"),
    (517, 389, "small"),
    (333, 251, "small"),
]
# smart_resize alone (no pixels) at sizes that reach the released maximum.
RESIZE_ONLY = [(6000, 4000), (4096, 4097), (8192, 1024), (12000, 100)]


def processor(budget):
    from transformers import Qwen2VLImageProcessor
    lo, hi = BUDGETS[budget]
    # min_pixels/max_pixels, not size: the slow processor's __init__ (4.57) replaces a given size with its default
    # {3136, 1003520}; the fast one, which the released checkpoints load, honours size.
    proc = Qwen2VLImageProcessor(min_pixels=lo, max_pixels=hi, **GEOMETRY)
    assert (proc.min_pixels, proc.max_pixels) == (lo, hi)
    return proc


def fast_processor(budget):
    """The fast processor the released checkpoints load (size honoured), or None without torchvision."""
    try:
        import torchvision  # noqa: F401
        from transformers import Qwen2VLImageProcessorFast
    except ImportError:
        return None
    lo, hi = BUDGETS[budget]
    return Qwen2VLImageProcessorFast(size={"shortest_edge": lo, "longest_edge": hi}, **GEOMETRY)


def rebuild(resized, rh, rw):
    """pixel_values from resized RGB bytes: rescale, normalise (mean = std = 0.5), Qwen2-VL patch order."""
    planes = (torch.from_numpy(np.array(resized)).permute(2, 0, 1).double() / 255 - 0.5) / 0.5
    t = planes.unsqueeze(0).repeat(2, 1, 1, 1).view(1, 2, 3, rh // 32, 2, 16, rw // 32, 2, 16)
    return t.permute(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(-1, 1536)


def torch_resize(image, w, h):
    """torchvision's CPU resize of a uint8 image: interpolate on uint8 (native path) and on float rounded back."""
    x = torch.from_numpy(np.array(image)).permute(2, 0, 1).unsqueeze(0).contiguous()
    native = torch.nn.functional.interpolate(x, size=[h, w], mode="bicubic", align_corners=False, antialias=True)
    f = torch.nn.functional.interpolate(x.float(), size=[h, w], mode="bicubic", align_corners=False, antialias=True)
    cast = f.clamp_(0, 255).round_().to(torch.uint8)
    return [t[0].permute(1, 2, 0).contiguous().numpy() for t in (native, cast)]


def compare(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    return {"differing": int((d > 0).sum()), "max_levels": int(d.max()), "of": int(d.size)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("tests", "VisionR1.Tests", "Fixtures", "image-qwen3vl"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    from PIL import Image
    import transformers
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    cases, tensors = [], {}
    for k, (w, h, budget) in enumerate(CASES):
        source = pattern(w, h)
        result = processor(budget)(images=source, return_tensors="pt")
        grid = [int(v) for v in result["image_grid_thw"][0]]
        pixels = result["pixel_values"].double()
        rh, rw = grid[1] * 16, grid[2] * 16
        resized = np.asarray(source.resize((rw, rh), Image.BICUBIC))
        native, cast = torch_resize(source, rw, rh)
        cases.append({"width": w, "height": h, "budget": budget, "grid": grid,
                      "resized_sha256": hashlib.sha256(resized.tobytes()).hexdigest(),
                      "fast_native_vs_pillow": compare(native, resized), "fast_float_vs_pillow": compare(cast, resized)})
        tensors[f"row_sums.{k}"] = pixels.sum(dim=1).contiguous()
        tensors[f"row.{k}"] = result["pixel_values"][pixels.shape[0] // 2].float().contiguous()
        # The rows must be the normalised Pillow pixels in Qwen2-VL order; check here so the fixture cannot drift.
        assert (rebuild(resized, rh, rw) - pixels).abs().max() < 1e-6, "pixel_values are not the normalised Pillow resize"
        fast = fast_processor(budget)
        if fast is not None:
            out = fast(images=source, return_tensors="pt")
            assert [int(v) for v in out["image_grid_thw"][0]] == grid, "fast and slow grids differ"
            fast_pixels = out["pixel_values"].double()
            # The fast path is the uint8 interpolate measured above, normalised in float32.
            assert (rebuild(native, rh, rw) - fast_pixels).abs().max() < 1e-6, "the fast processor is not the native uint8 resize"
            d = (fast_pixels - pixels).abs()
            cases[-1]["fast_pixel_values_vs_slow"] = {"max_abs": float(d.max()), "differing": int((d > 1e-6).sum()), "of": int(d.numel())}
        print(f"  {w}x{h} {budget}: grid {grid}, fast native/float vs Pillow: "
              f"{cases[-1]['fast_native_vs_pillow']} / {cases[-1]['fast_float_vs_pillow']}")

    lo, hi = BUDGETS["released"]
    resize_only = [{"width": w, "height": h, "resized": list(smart_resize(h, w, factor=32, min_pixels=lo, max_pixels=hi))[::-1]}
                   for (w, h) in RESIZE_ONLY]
    import PIL
    try:
        import torchvision
        tv = torchvision.__version__
    except ImportError:
        tv = None
    manifest = {"transformers": transformers.__version__, "torch": torch.__version__, "torchvision": tv, "pillow": PIL.__version__,
                "geometry": GEOMETRY, "budgets": BUDGETS, "cases": cases, "smart_resize_released": resize_only}
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    save_file(tensors, os.path.join(args.out, "patches.safetensors"))
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
