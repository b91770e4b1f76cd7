#!/usr/bin/env python3
"""Reference outputs of transformers' Qwen2.5-VL at the released models' real widths.

The 3B and 7B text widths (2,048 and 3,584, head_dim 128, mrope_section [16, 24, 24], SwiGLU 11,008
and 18,944, tied and untied heads) and the released vision tower (1,280 wide, 16 heads, SwiGLU 3,420,
window 112 px, merger to the text width), at reduced depth (2 text layers; 4 vision blocks, the last
with full attention as every eighth block of the released 32 is) and a reduced vocabulary (1,024 ids).

Weights of that width are too large to ship, so both sides compute them from a formula: each element
is a hash of the Hub key name and the element's index (``formula`` below; the C# twin is
tests/VisionR1.Tests/Parity/FormulaWeights.cs). The fixture holds only the config, the inputs and
transformers' outputs, in tests/VisionR1.Tests/Fixtures/parity-real/<case>/:

  config.json              the model (flat Hub layout)
  batch.safetensors        a batch of two rows (an image between text; a left-padded text-only row):
                           input_ids, attention_mask, image_grid_thw, position_ids, rope_deltas,
                           logits (fp32), image_embeds; pixel_values come from the formula
                           ("pixel_values.batch"); metadata: the fp32-vs-fp64 logit gap of transformers
  vision-<W>x<H>.safetensors  (3b) the vision tower alone on the grid transformers' processor gives an
                           image of that size: image_grid_thw, image_embeds rows at a stride, and the
                           L2 norm of every row

Run with transformers (>= 4.49) and PyTorch; eager attention, CPU:

    python tools/parity/make_real_width_fixture.py
    dotnet test VisionR1.sln -c Release --filter "FullyQualifiedName~RealWidthParity"
"""
import argparse
import copy
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

from make_parity_fixture import BASE_CONFIG, left_pad, rope_index, vision_embeddings, row_patches, VISION_START, VISION_END, IMAGE_PAD, PATCH_DIM

VOCAB = 1024
VISION = {"depth": 4, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
          "in_chans": 3, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
          "temporal_patch_size": 2, "window_size": 112, "fullatt_block_indexes": [3], "tokens_per_second": 2}
CASES = {
    # Qwen2.5-VL-3B-Instruct's text shape at 2 layers.
    "3b": dict(BASE_CONFIG, **{
        "vocab_size": VOCAB, "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 2,
        "num_attention_heads": 16, "num_key_value_heads": 2, "max_position_embeddings": 128000,
        "max_window_layers": 2, "sliding_window": 32768, "tie_word_embeddings": True,
        "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
        "vision_config": dict(VISION, out_hidden_size=2048)}),
    # Qwen2.5-VL-7B-Instruct's text shape at 2 layers.
    "7b": dict(BASE_CONFIG, **{
        "vocab_size": VOCAB, "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 2,
        "num_attention_heads": 28, "num_key_value_heads": 4, "max_position_embeddings": 128000,
        "max_window_layers": 2, "sliding_window": 32768, "tie_word_embeddings": False,
        "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
        "vision_config": dict(VISION, out_hidden_size=3584)}),
}
# Rows: an int n is n token ids; a (t, h, w) tuple an image with that patch grid.
BATCH = [[5, (1, 12, 16), 7], [20]]
# Images of real sizes for the vision tower alone: (width, height) -> transformers' grid.
VISION_IMAGES = {"3b": [(1024, 768), (448, 1344)]}
EMBED_ROW_STRIDE = 7
VISION_ROW_STRIDE = 35
GOLDEN, MIX1, MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
MASK64 = (1 << 64) - 1


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def unit(name, n):
    """n values in [-0.5, 0.5), multiples of 2^-24: splitmix64 of (FNV-1a(name) + (i + 1) * golden)."""
    out = np.empty(n, dtype=np.float64)
    seed = np.uint64(fnv1a64(name))
    chunk = 1 << 22
    with np.errstate(over="ignore"):
        for start in range(0, n, chunk):
            i = np.arange(start + 1, min(n, start + chunk) + 1, dtype=np.uint64)
            z = seed + i * np.uint64(GOLDEN)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
            z = z ^ (z >> np.uint64(31))
            out[start:start + len(i)] = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24) - 0.5
    return out


def formula(name, shape):
    """The tensor `name`: pixel values 4u, matrices u * sqrt(12 / fan_in) (std 1/sqrt(fan_in)), biases 0.2u, norms 1 + 0.4u."""
    n = int(np.prod(shape))
    u = unit(name, n)
    if name.startswith("pixel_values"):
        values = u * 4.0  # [-2, 2): the range of the processor's normalised pixels
    elif len(shape) >= 2:
        values = u * np.sqrt(12.0 / int(np.prod(shape[1:])))
    elif name.endswith(".bias"):
        values = u * 0.2
    else:
        values = 1.0 + u * 0.4
    return torch.from_numpy(values.astype(np.float32).reshape(shape))


def fill(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(formula(name, tuple(p.shape)))


def build(config_dict, folder):
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=2)
    config = AutoConfig.from_pretrained(folder)
    for c in (config, getattr(config, "vision_config", None)):
        try:
            if c is not None:
                c._attn_implementation = "eager"
        except (AttributeError, ValueError):
            pass
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.float32).eval()
    fill(model)
    return model


def smart_grid(width, height, factor=28, min_pixels=3136, max_pixels=12845056):
    """The (t, h, w) patch grid transformers' processor gives a width x height image (released pixel bounds)."""
    import math
    h = max(factor, round(height / factor) * factor)
    w = max(factor, round(width / factor) * factor)
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h, w = math.floor(height / beta / factor) * factor, math.floor(width / beta / factor) * factor
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h, w = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return (1, h // 14, w // 14)


def rows_of(layout, rng, vocab=VOCAB):
    """Token rows of a layout: an int n is n random ids in [7, vocab); a (t, h, w) tuple an image with that patch grid."""
    rows, grids = [], []
    for segments in layout:
        row = []
        for seg in segments:
            if isinstance(seg, int):
                row += rng.integers(7, vocab, seg).tolist()
            else:
                t, h, w = seg
                row += [VISION_START] + [IMAGE_PAD] * (t * h * w // 4) + [VISION_END]
                grids.append(seg)
        rows.append(row)
    return rows, grids


def make_case(name, out_dir, transformers):
    folder = os.path.join(out_dir, name)
    model = build(CASES[name], folder)
    rng = np.random.default_rng(1234)
    rows, grids = rows_of(BATCH, rng)
    grids_per_row = [[s for s in segments if not isinstance(s, int)] for segments in BATCH]
    ids, mask = left_pad(rows)
    n = sum(t * h * w for t, h, w in grids)
    pixels = formula("pixel_values.batch", (n, PATCH_DIM))
    grid = torch.tensor(grids, dtype=torch.long)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, pixel_values=pixels, image_grid_thw=grid)
        logits = out.logits.float().contiguous()
        positions, deltas = rope_index(model, ids, mask, grids)
        embeds = vision_embeddings(model, pixels, grids)
        vision = {}
        for width, height in VISION_IMAGES.get(name, []):
            g = smart_grid(width, height)
            p = formula(f"pixel_values.{width}x{height}", (g[0] * g[1] * g[2], PATCH_DIM))
            e = vision_embeddings(model, p, [g])
            vision[(width, height)] = (g, e)
    del out
    # transformers' own fp32 rounding: the same weights in fp64, row by row without padding.
    model = model.to(torch.float64)
    gap = 0.0
    with torch.no_grad():
        patches = row_patches(grids_per_row, pixels)
        for b, row in enumerate(rows):
            row_ids = torch.tensor([row])
            kwargs = {}
            if grids_per_row[b]:
                kwargs = {"pixel_values": patches[b].to(torch.float64),
                          "image_grid_thw": torch.tensor(grids_per_row[b], dtype=torch.long)}
            row_logits = model(input_ids=row_ids, attention_mask=torch.ones_like(row_ids), **kwargs).logits[0]
            gap = max(gap, float((row_logits - logits[b, ids.shape[1] - len(row):].double()).abs().max()))
    meta = {"transformers": transformers.__version__, "torch": torch.__version__, "fp64_gap": repr(gap)}
    save_file({"input_ids": ids, "attention_mask": mask, "image_grid_thw": grid, "position_ids": positions,
               "rope_deltas": deltas, "logits": logits, "image_embeds": embeds[::EMBED_ROW_STRIDE].contiguous()},
              os.path.join(folder, "batch.safetensors"), metadata=dict(meta, embed_row_stride=str(EMBED_ROW_STRIDE)))
    print(f"  {name}/batch: logits {tuple(logits.shape)} (largest {float(logits.abs().max()):.2f}), "
          f"image embeds {tuple(embeds.shape)}, fp32-vs-fp64 gap {gap:.2e}")
    for (width, height), (g, e) in vision.items():
        save_file({"image_grid_thw": torch.tensor([g], dtype=torch.long), "image_embeds": e[::VISION_ROW_STRIDE].contiguous(),
                   "row_norms": e.norm(dim=-1).contiguous()},
                  os.path.join(folder, f"vision-{width}x{height}.safetensors"),
                  metadata=dict(meta, embed_row_stride=str(VISION_ROW_STRIDE), width=str(width), height=str(height)))
        print(f"  {name}/vision-{width}x{height}: grid {g}, image embeds {tuple(e.shape)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "tests", "VisionR1.Tests", "Fixtures", "parity-real"))
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    import transformers
    print(f"transformers {transformers.__version__}, torch {torch.__version__} -> {args.out}")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in args.only or sorted(CASES):
        make_case(name, args.out, transformers)


if __name__ == "__main__":
    main()
