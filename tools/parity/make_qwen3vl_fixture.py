#!/usr/bin/env python3
"""Reference outputs of transformers' Qwen3-VL for VisionR1's parity tests.

Two small random Qwen3-VL models at the released head sizes (text head_dim 128 with the released
interleaved mrope_section [24, 20, 20] and rope_theta 5e6; vision heads of 64 as in 2B/4B and 72 as
in 8B; 16-pixel patches; the learned 48x48 position table interpolated to each grid; DeepStack), one
with tied and one with untied embeddings. Their weights are not stored: both sides compute them from
each tensor's key name and element index (``formula`` in make_real_width_fixture.py; the C# twin is
tests/VisionR1.Tests/Parity/FormulaWeights.cs). Writes, per model, <out>/<model>/:

  config.json                 the model (the Hub's nested layout: text_config, vision_config)
  batch-<name>.safetensors    input_ids, attention_mask (left padding, pad id 0), image_grid_thw,
                              position_ids (3, B, T), rope_deltas (B, 1), logits (fp32),
                              image_embeds (the merger's output for all images of the batch),
                              deepstack.K (the K-th DeepStack merger's output); pixel values are
                              formula("pixel_values.<name>", (N, 1536)); metadata: fp64_gap (the largest
                              difference between these fp32 logits and transformers' fp64 run of the
                              same weights, row by row without padding)

Run with transformers >= 4.57 (which added Qwen3-VL) and PyTorch >= 2.2, eager attention, CPU:

    python tools/parity/make_qwen3vl_fixture.py --out tests/VisionR1.Tests/Fixtures/parity-qwen3vl
"""
import argparse
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

from make_parity_fixture import left_pad, row_patches, VISION_START, VISION_END, IMAGE_PAD
from make_real_width_fixture import formula, rows_of

VOCAB = 512
PATCH_DIM = 3 * 2 * 16 * 16
ROPE = {"rope_type": "default", "mrope_section": [24, 20, 20], "mrope_interleaved": True}
TEXT = {"vocab_size": VOCAB, "head_dim": 128, "hidden_act": "silu", "max_position_embeddings": 128000,
        "rms_norm_eps": 1e-6, "rope_theta": 5000000.0, "rope_scaling": ROPE, "attention_bias": False,
        "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 0}
VISION = {"hidden_act": "gelu_pytorch_tanh", "in_channels": 3, "patch_size": 16, "spatial_merge_size": 2,
          "temporal_patch_size": 2, "num_position_embeddings": 2304}
TOKENS = {"image_token_id": IMAGE_PAD, "video_token_id": 6, "vision_start_token_id": VISION_START,
          "vision_end_token_id": VISION_END}
MODELS = {
    # 2B/4B-like: tied head, vision heads of 64, DeepStack from the first and third vision blocks.
    "tied": dict(TOKENS, architectures=["Qwen3VLForConditionalGeneration"], model_type="qwen3_vl", tie_word_embeddings=True,
                 text_config=dict(TEXT, hidden_size=512, intermediate_size=1024, num_hidden_layers=3, num_attention_heads=4,
                                  num_key_value_heads=2, tie_word_embeddings=True),
                 vision_config=dict(VISION, depth=4, hidden_size=256, intermediate_size=512, num_heads=4, out_hidden_size=512,
                                    deepstack_visual_indexes=[0, 2])),
    # 8B-like: untied head, vision heads of 72, one DeepStack level.
    "untied": dict(TOKENS, architectures=["Qwen3VLForConditionalGeneration"], model_type="qwen3_vl", tie_word_embeddings=False,
                   text_config=dict(TEXT, hidden_size=256, intermediate_size=768, num_hidden_layers=4, num_attention_heads=2,
                                    num_key_value_heads=1, tie_word_embeddings=False),
                   vision_config=dict(VISION, depth=3, hidden_size=144, intermediate_size=288, num_heads=2, out_hidden_size=256,
                                      deepstack_visual_indexes=[1])),
}
# A row is a list of segments: an int n is n token ids; a (t, h, w) tuple an image with that patch grid.
BATCHES = {
    "tied": {
        "batch-ext": [[3, (1, 6, 10), 2, (1, 8, 4), 4], [2, (1, 4, 14), 3], [6], [(1, 12, 6), 5], [1, (1, 2, 2), 1]],
        "batch-textonly": [[12], [5], [9]],
    },
    "untied": {
        # 52x8 patches: taller than the 48x48 position table (interpolated up) and narrower (down).
        "batch-ext": [[4, (1, 10, 14), 3, (1, 6, 22), 2], [2, (1, 52, 8), 6], [10]],
        "batch-textonly": [[7], [15]],
    },
}


def eager(config):
    for c in (config, getattr(config, "text_config", None), getattr(config, "vision_config", None)):
        if c is not None:
            try:
                c._attn_implementation = "eager"
            except (AttributeError, ValueError):
                pass


def make_model(name, out_dir, transformers):
    from transformers import AutoConfig, Qwen3VLForConditionalGeneration
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(MODELS[name], f, indent=2)
    config = AutoConfig.from_pretrained(folder)
    eager(config)
    model = Qwen3VLForConditionalGeneration(config).to(torch.float32).eval()
    with torch.no_grad():
        for key, p in model.named_parameters():
            p.copy_(formula(key, tuple(p.shape)))
    model64 = Qwen3VLForConditionalGeneration(config).to(torch.float64).eval()
    model64.load_state_dict({k: v.to(torch.float64) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(1234)
    for batch, layout in BATCHES[name].items():
        rows, grids = rows_of(layout, rng, VOCAB)
        grids_per_row = [[s for s in segments if not isinstance(s, int)] for segments in layout]
        ids, mask = left_pad(rows)
        tensors = {"input_ids": ids, "attention_mask": mask}
        kwargs = {}
        if grids:
            n = sum(t * h * w for t, h, w in grids)
            pixels = formula(f"pixel_values.{batch}", (n, PATCH_DIM))
            grid = torch.tensor(grids, dtype=torch.long)
            kwargs = {"pixel_values": pixels, "image_grid_thw": grid}
            tensors["image_grid_thw"] = grid
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, **kwargs)
            logits = out.logits.float().contiguous()
            positions, deltas = model.model.get_rope_index(ids, kwargs.get("image_grid_thw"), None, mask)
            tensors.update(position_ids=positions.long().contiguous(), rope_deltas=deltas.long().reshape(len(rows), 1).contiguous(), logits=logits)
            if grids:
                embeds, deepstack = model.model.visual(kwargs["pixel_values"], grid_thw=kwargs["image_grid_thw"])
                tensors["image_embeds"] = embeds.float().contiguous()
                for k, d in enumerate(deepstack):
                    tensors[f"deepstack.{k}"] = d.float().contiguous()
            gap = 0.0
            patches = row_patches(grids_per_row, kwargs["pixel_values"]) if grids else [None] * len(rows)
            for b, row in enumerate(rows):
                row_ids = torch.tensor([row])
                row_kwargs = {}
                if grids_per_row[b]:
                    row_kwargs = {"pixel_values": patches[b].to(torch.float64),
                                  "image_grid_thw": torch.tensor(grids_per_row[b], dtype=torch.long)}
                row_logits = model64(input_ids=row_ids, attention_mask=torch.ones_like(row_ids), **row_kwargs).logits[0]
                gap = max(gap, float((row_logits - logits[b, ids.shape[1] - len(row):].double()).abs().max()))
        save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, batch + ".safetensors"),
                  metadata={"transformers": transformers.__version__, "torch": torch.__version__, "fp64_gap": repr(gap)})
        print(f"  {name}/{batch}: logits {tuple(logits.shape)} (largest {float(logits.abs().max()):.2f}), {len(grids)} image(s), "
              f"deepstack {len([k for k in tensors if k.startswith('deepstack.')])}, fp32-vs-fp64 gap {gap:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "tests", "VisionR1.Tests", "Fixtures", "parity-qwen3vl"))
    args = parser.parse_args()
    import transformers
    print(f"transformers {transformers.__version__}, torch {torch.__version__} -> {args.out}")
    for name in MODELS:
        make_model(name, args.out, transformers)


if __name__ == "__main__":
    main()
