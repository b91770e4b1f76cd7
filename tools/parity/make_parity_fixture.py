#!/usr/bin/env python3
"""Regenerate the transformers reference data that VisionR1's parity tests read.

Run on a machine with PyTorch, transformers (>= 4.49, which added Qwen2.5-VL), Pillow and numpy:

    pip install torch transformers pillow numpy
    python tools/parity/make_parity_fixture.py --out ../shared/parity
    VISIONR1_PARITY_DATA=$PWD/../shared/parity \
        dotnet test VisionR1.sln -c Release --filter "FullyQualifiedName~Parity"

It writes the layout of ../shared/parity (see its README.md), so the C# tests in
tests/VisionR1.Tests/Parity run unchanged against whichever transformers version is installed:

models/tiny, models/small-untied
    Random Qwen2.5-VL checkpoints written by ``save_pretrained`` (Hub key names, flat config).
    ``tiny`` is VisionR1's tiny preset (tied embeddings, vision window 56 px); ``small-untied`` has
    hidden size 256, an untied ``lm_head`` and full attention in vision blocks 1 and 3, so partial
    windows and the windowed/full alternation are exercised. Each ``batch-*.safetensors`` holds
    input_ids, attention_mask (left padding, pad id 0), pixel_values, image_grid_thw, transformers'
    position_ids (3, B, T) and rope_deltas (B, 1), image_embeds (vision tower + merger), logits (fp32)
    and logits_fp64 (the same weights in fp64, row by row without padding):
      batch-ext       several images per row, adjacent images, an image first in a row, text-only rows,
                      uneven padding;
      batch-t2        (tiny) an image whose grid has t = 2;
      batch-nopad     (tiny) one unpadded row (the causal path without a padding mask);
      batch-textonly  no images.
rope/rope-ref.safetensors
    ids.K, mask.K, grid.K (absent without images), positions.K (3, B, T), deltas.K (B, 1) from
    ``get_rope_index`` for K = 0..6 (image id 5, vision start 3, merge size 2).
images/
    source/ (ten images; generated when absent, reused when present), images.json (file list and
    the two pixel budgets), ref-<budget>.safetensors with grid.i, resized.i (H, W, 3) uint8 (after
    RGB conversion and Pillow's bicubic resize, before rescaling), pixel_values.i for small images,
    grid_after_load_image.i for the EXIF image; an image the processor rejects is recorded as
    ``error.i`` in the metadata (transformers < 4.53 rejects the 20x20 image).

Everything runs in eager attention on the CPU. The script only reads transformers' public API; the
attribute paths that moved between versions (model.visual vs model.model.visual, get_rope_index's
owner, the image processor's size arguments) are looked up, not assumed.
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

VISION_START, VISION_END, IMAGE_PAD = 3, 4, 5
PATCH_DIM = 3 * 2 * 14 * 14

BASE_CONFIG = {
    "architectures": ["Qwen2_5_VLForConditionalGeneration"],
    "model_type": "qwen2_5_vl",
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 0,
    "image_token_id": 5,
    "video_token_id": 6,
    "vision_start_token_id": 3,
    "vision_end_token_id": 4,
    "hidden_act": "silu",
    "initializer_range": 0.02,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "use_cache": True,
    "use_sliding_window": False,
    "torch_dtype": "float32",
    "vocab_size": 1024,
}

MODELS = {
    # VisionR1's tiny preset (src/VisionR1.Core/Model/Config/Qwen25VLPresets.cs).
    "tiny": dict(BASE_CONFIG, **{
        "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "max_position_embeddings": 4096, "max_window_layers": 2, "sliding_window": 4096,
        "tie_word_embeddings": True, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
        "vision_config": {"depth": 2, "hidden_act": "silu", "hidden_size": 32, "intermediate_size": 64, "num_heads": 2,
                          "in_chans": 3, "out_hidden_size": 64, "patch_size": 14, "spatial_merge_size": 2,
                          "spatial_patch_size": 14, "temporal_patch_size": 2, "window_size": 56,
                          "fullatt_block_indexes": [1], "tokens_per_second": 2},
    }),
    # Wider, untied head, vision window 112 px (4 merged units) with full attention in blocks 1 and 3.
    "small-untied": dict(BASE_CONFIG, **{
        "hidden_size": 256, "intermediate_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 4,
        "num_key_value_heads": 4, "max_position_embeddings": 8192, "max_window_layers": 4, "sliding_window": 8192,
        "tie_word_embeddings": False, "rope_scaling": {"type": "mrope", "mrope_section": [8, 12, 12]},
        "vision_config": {"depth": 4, "hidden_act": "silu", "hidden_size": 128, "intermediate_size": 352, "num_heads": 4,
                          "in_chans": 3, "out_hidden_size": 256, "patch_size": 14, "spatial_merge_size": 2,
                          "spatial_patch_size": 14, "temporal_patch_size": 2, "window_size": 112,
                          "fullatt_block_indexes": [1, 3], "tokens_per_second": 2},
    }),
}

# A row is a list of segments: an int n is n random text tokens; a (t, h, w) tuple is an image
# (<|vision_start|>, t*h*w/4 <|image_pad|>, <|vision_end|>) with that patch grid.
BATCHES = {
    "tiny": {
        "batch-ext": [
            [3, (1, 6, 10), 2, (1, 8, 4), 4],          # two images in one row
            [2, (1, 4, 14), 3],
            [6],                                        # text only, heavily padded
            [(1, 12, 6), 5],                            # image first in the row
            [1, (1, 2, 2), 1],                          # smallest image (one merged token)
        ],
        "batch-t2": [[2, (2, 4, 6), 3], [5]],           # a t = 2 grid
        "batch-nopad": [[4, (1, 6, 8), 3]],             # one unpadded row
        "batch-textonly": [[12], [5], [9]],
    },
    "small-untied": {
        "batch-ext": [
            [4, (1, 10, 14), 3, (1, 6, 22), 2],         # windows of 4 merged units leave partial windows
            [2, (1, 16, 8), 6],
            [10],
        ],
        "batch-textonly": [[7], [15]],
    },
}

ROPE_CASES = [
    BATCHES["tiny"]["batch-ext"],
    [[(1, 4, 4), (1, 2, 6), 3], [5, (1, 8, 8)], [2, (1, 2, 2), (1, 2, 2), (1, 2, 2), 1]],  # adjacent images, image last
    [[1, (1, 40, 60), 7, (1, 36, 20), 2], [4]],         # a 600-token image run
    [[2, (2, 4, 6), 3], [(3, 2, 4)], [9]],              # t = 2 and t = 3 grids
    [[(1, 2, 2)]],                                      # nothing but an image
    [[12], [3], [7]],                                   # no images
    [[5, (1, 28, 4), 1], [1], [60]],                    # uneven padding
]

IMAGE_FILES = ["a_37x91.png", "b_640x480.png", "c_1000x333.png", "d_1000x333.jpg", "e_20x20.png", "f_30x45.png",
               "g_2400x1800.png", "h_rgba_301x199.png", "i_gray_123x77.png", "j_exif6_200x120.jpg"]
BUDGETS = {"released": [3136, 12845056], "hfdefault": [3136, 1003520]}
PIXEL_VALUES_UP_TO = 400  # store pixel_values for images with at most this many patches


def build_rows(segments_per_row, gen):
    rows, grids = [], []
    for segments in segments_per_row:
        row = []
        for seg in segments:
            if isinstance(seg, int):
                row += torch.randint(7, 1024, (seg,), generator=gen).tolist()
            else:
                t, h, w = seg
                row += [VISION_START] + [IMAGE_PAD] * (t * h * w // 4) + [VISION_END]
                grids.append(seg)
        rows.append(row)
    return rows, grids


def left_pad(rows):
    t = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), t, dtype=torch.long)
    mask = torch.zeros(len(rows), t, dtype=torch.long)
    for b, r in enumerate(rows):
        ids[b, t - len(r):] = torch.tensor(r)
        mask[b, t - len(r):] = 1
    return ids, mask


def randomise(model, gen):
    """Weights larger than HF's N(0, 0.02) and non-trivial norms, so that mistakes show in the logits."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
            elif name.endswith("bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
            else:  # RMSNorm weights
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * 0.1)


def first_attr(objects, name):
    for o in objects:
        value = getattr(o, name, None)
        if value is not None:
            return value
    raise AttributeError(f"none of {[type(o).__name__ for o in objects]} has '{name}'")


def rope_index(model, ids, mask, grids):
    """transformers' get_rope_index (on the model before 4.52, on model.model since)."""
    fn = first_attr([getattr(model, "model", None), model], "get_rope_index")
    grid = torch.tensor(grids, dtype=torch.long) if grids else None
    positions, deltas = fn(input_ids=ids, image_grid_thw=grid, video_grid_thw=None, attention_mask=mask)
    return positions.long().contiguous(), deltas.long().reshape(ids.shape[0], 1).contiguous()


def vision_embeddings(model, pixels, grids):
    visual = first_attr([model, getattr(model, "model", None)], "visual")
    out = visual(pixels, grid_thw=torch.tensor(grids, dtype=torch.long))
    if not torch.is_tensor(out):  # newer versions return a model output; the merger's output is the pooled one
        out = out.pooler_output if getattr(out, "pooler_output", None) is not None else out.last_hidden_state
    return out.float().contiguous()


def row_patches(grids_per_row, pixels):
    """Splits the batch's pixel_values into each row's slice."""
    out, start = [], 0
    for grids in grids_per_row:
        n = sum(t * h * w for t, h, w in grids)
        out.append(pixels[start:start + n])
        start += n
    return out


def make_models(out_dir, seed, transformers):
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration
    for name, config_dict in MODELS.items():
        folder = os.path.join(out_dir, "models", name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config_dict, f, indent=2)
        config = AutoConfig.from_pretrained(folder)
        for c in (config, getattr(config, "vision_config", None)):
            try:  # a plain attribute before 4.48, a property with a setter since
                if c is not None:
                    c._attn_implementation = "eager"
            except (AttributeError, ValueError):
                pass
        gen = torch.Generator().manual_seed(seed)
        model = Qwen2_5_VLForConditionalGeneration(config).to(torch.float32).eval()
        randomise(model, gen)
        model.save_pretrained(folder, safe_serialization=True)
        model64 = copy.deepcopy(model).to(torch.float64).eval()

        for batch_name, layout in BATCHES[name].items():
            rows, grids = build_rows(layout, gen)
            grids_per_row = [[seg for seg in segments if not isinstance(seg, int)] for segments in layout]
            ids, mask = left_pad(rows)
            tensors = {"input_ids": ids, "attention_mask": mask}
            kwargs = {}
            if grids:
                n = sum(t * h * w for t, h, w in grids)
                pixels = torch.randn(n, PATCH_DIM, generator=gen)
                grid = torch.tensor(grids, dtype=torch.long)
                kwargs = {"pixel_values": pixels, "image_grid_thw": grid}
                tensors.update(pixel_values=pixels, image_grid_thw=grid)
            with torch.no_grad():
                out = model(input_ids=ids, attention_mask=mask, **kwargs)
                positions, deltas = rope_index(model, ids, mask, grids)
                tensors.update(position_ids=positions, rope_deltas=deltas, logits=out.logits.float().contiguous())
                if grids:
                    tensors["image_embeds"] = vision_embeddings(model, kwargs["pixel_values"], grids)
                # fp64, row by row without padding: the reference for what fp32 rounding costs.
                fp64 = torch.zeros(out.logits.shape, dtype=torch.float64)
                patches = row_patches(grids_per_row, kwargs["pixel_values"]) if grids else [None] * len(rows)
                for b, row in enumerate(rows):
                    row_ids = torch.tensor([row])
                    row_kwargs = {}
                    if grids_per_row[b]:
                        row_kwargs = {"pixel_values": patches[b].to(torch.float64),
                                      "image_grid_thw": torch.tensor(grids_per_row[b], dtype=torch.long)}
                    row_out = model64(input_ids=row_ids, attention_mask=torch.ones_like(row_ids), **row_kwargs)
                    fp64[b, ids.shape[1] - len(row):] = row_out.logits[0]
                tensors["logits_fp64"] = fp64
            save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, batch_name + ".safetensors"),
                      metadata={"transformers": transformers.__version__, "torch": torch.__version__})
            print(f"  {name}/{batch_name}: logits {tuple(out.logits.shape)}, {len(grids)} image(s)")


def make_rope(out_dir, seed):
    """get_rope_index needs only the config: any Qwen2.5-VL model object with the special ids serves."""
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration
    config = AutoConfig.from_pretrained(os.path.join(out_dir, "models", "tiny"))
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    gen = torch.Generator().manual_seed(seed + 1)
    tensors = {}
    for k, layout in enumerate(ROPE_CASES):
        rows, grids = build_rows(layout, gen)
        ids, mask = left_pad(rows)
        positions, deltas = rope_index(model, ids, mask, grids)
        tensors.update({f"ids.{k}": ids, f"mask.{k}": mask, f"positions.{k}": positions, f"deltas.{k}": deltas})
        if grids:
            tensors[f"grid.{k}"] = torch.tensor(grids, dtype=torch.long)
    os.makedirs(os.path.join(out_dir, "rope"), exist_ok=True)
    save_file(tensors, os.path.join(out_dir, "rope", "rope-ref.safetensors"))
    print(f"  rope: {len(ROPE_CASES)} cases")


def smooth_noise(rng, w, h, channels):
    """Smooth gradients plus noise and a few hard edges: exercises both the filter and the rounding."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = [127 + 100 * np.sin(x / (7 + 3 * c) + y / (11 + c)) for c in range(channels)]
    img = np.stack(base, axis=-1) + rng.normal(0, 25, (h, w, channels))
    img[(x // max(1, w // 5) + y // max(1, h // 4)) % 2 == 0] += 60
    return np.clip(img, 0, 255).astype(np.uint8)


def make_sources(folder, seed):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    rgb = lambda w, h: Image.fromarray(smooth_noise(rng, w, h, 3), "RGB")
    rgb(37, 91).save(os.path.join(folder, "a_37x91.png"))
    rgb(640, 480).save(os.path.join(folder, "b_640x480.png"))
    wide = rgb(1000, 333)
    wide.save(os.path.join(folder, "c_1000x333.png"))
    wide.save(os.path.join(folder, "d_1000x333.jpg"), quality=90)
    rgb(20, 20).save(os.path.join(folder, "e_20x20.png"))
    rgb(30, 45).save(os.path.join(folder, "f_30x45.png"))
    rgb(2400, 1800).save(os.path.join(folder, "g_2400x1800.png"))
    rgba = smooth_noise(rng, 301, 199, 4)
    rgba[:, :100, 3] = 0      # transparent, with colour stored underneath
    rgba[:, 100:200, 3] = 128  # half transparent
    rgba[:, 200:, 3] = 255
    Image.fromarray(rgba, "RGBA").save(os.path.join(folder, "h_rgba_301x199.png"))
    Image.fromarray(smooth_noise(rng, 123, 77, 1)[:, :, 0], "L").save(os.path.join(folder, "i_gray_123x77.png"))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    rgb(200, 120).save(os.path.join(folder, "j_exif6_200x120.jpg"), quality=90, exif=exif.tobytes())


def image_processor(min_pixels, max_pixels):
    """transformers' slow Qwen2VLImageProcessor with the budget, whichever way this version takes it."""
    from transformers import Qwen2VLImageProcessor
    try:
        proc = Qwen2VLImageProcessor(size={"shortest_edge": min_pixels, "longest_edge": max_pixels})
    except (TypeError, ValueError):
        proc = Qwen2VLImageProcessor(min_pixels=min_pixels, max_pixels=max_pixels)
    for attr, value in (("min_pixels", min_pixels), ("max_pixels", max_pixels)):
        if hasattr(proc, attr):
            setattr(proc, attr, value)
    return proc


def make_images(out_dir, seed, transformers):
    from transformers.image_transforms import convert_to_rgb, resize
    from transformers.image_utils import PILImageResampling, load_image
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    folder = os.path.join(out_dir, "images")
    sources = os.path.join(folder, "source")
    if not all(os.path.exists(os.path.join(sources, f)) for f in IMAGE_FILES):
        make_sources(sources, seed)
    with open(os.path.join(folder, "images.json"), "w") as f:
        json.dump({"files": IMAGE_FILES, "settings": BUDGETS}, f, indent=1)
    for budget, (min_pixels, max_pixels) in BUDGETS.items():
        proc = image_processor(min_pixels, max_pixels)
        tensors, metadata = {}, {"transformers": transformers.__version__}
        for i, name in enumerate(IMAGE_FILES):
            path = os.path.join(sources, name)
            image = Image.open(path)  # as the processor sees a PIL image: no EXIF transpose
            try:
                result = proc(images=image, return_tensors="pt")
            except ValueError as e:
                metadata[f"error.{i}"] = f"ValueError: {e}"
                continue
            grid = result["image_grid_thw"][0].long()
            tensors[f"grid.{i}"] = grid
            # The processor's intermediate: RGB conversion, then the same smart_resize and Pillow bicubic.
            array = np.array(convert_to_rgb(image))
            h, w = smart_resize(array.shape[0], array.shape[1], factor=28, min_pixels=min_pixels, max_pixels=max_pixels)
            resized = resize(array, (h, w), resample=PILImageResampling.BICUBIC)
            assert (h // 14, w // 14) == (int(grid[1]), int(grid[2])), (name, h, w, grid)
            tensors[f"resized.{i}"] = torch.from_numpy(np.ascontiguousarray(resized)).to(torch.uint8)
            if result["pixel_values"].shape[0] <= PIXEL_VALUES_UP_TO:
                tensors[f"pixel_values.{i}"] = result["pixel_values"].float().contiguous()
            if name.startswith("j_exif"):
                upright = proc(images=load_image(path), return_tensors="pt")
                tensors[f"grid_after_load_image.{i}"] = upright["image_grid_thw"][0].long()
        save_file(tensors, os.path.join(folder, f"ref-{budget}.safetensors"), metadata=metadata)
        print(f"  images/{budget}: {sum(k.startswith('grid.') for k in tensors)} grids, errors: "
              f"{[k for k in metadata if k.startswith('error.')]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("..", "shared", "parity"))
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--only", choices=["models", "rope", "images"], action="append",
                        help="regenerate only these parts (repeatable); default: all")
    args = parser.parse_args()
    parts = args.only or ["models", "rope", "images"]

    import transformers
    torch.manual_seed(args.seed)
    print(f"transformers {transformers.__version__}, torch {torch.__version__} -> {args.out}")
    if "models" in parts:
        make_models(args.out, args.seed, transformers)
    if "rope" in parts:
        if not os.path.exists(os.path.join(args.out, "models", "tiny", "config.json")):
            sys.exit("rope needs models/tiny/config.json: run with --only models first")
        make_rope(args.out, args.seed)
    if "images" in parts:
        make_images(args.out, args.seed, transformers)


if __name__ == "__main__":
    main()
