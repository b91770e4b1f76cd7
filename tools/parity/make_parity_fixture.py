#!/usr/bin/env python3
"""Build the transformers parity fixture for VisionR1's Qwen2.5-VL implementation.

Run on any machine with PyTorch and transformers (>= 4.49, which added Qwen2.5-VL):

    pip install torch transformers safetensors
    python tools/parity/make_parity_fixture.py \
        --out tests/VisionR1.Tests/Model/Fixtures/parity

It builds a tiny random Qwen2.5-VL with the architecture of VisionR1's "tiny" preset
(Qwen25VLPresets.Tiny), saves it with ``save_pretrained`` (config.json + model.safetensors,
in whatever key scheme and config layout the installed transformers writes; the C# loader
accepts both), and writes ``parity_inputs.safetensors`` holding:

    input_ids       (B, T) int64, left-padded (pad id 0)
    attention_mask  (B, T) int64
    pixel_values    (N, 1176) float32, patches in the processor's order
    image_grid_thw  (I, 3) int64
    logits          (B, T, V) float32, transformers' output for the inputs above
    position_ids    (3, B, T) int64, transformers' M-RoPE index (when get_rope_index is reachable)

The C# test (tests/VisionR1.Tests/Model/TransformersParityTests.cs) loads the folder with
CheckpointLoader, runs the same inputs and compares logits at real (mask 1) positions within
1e-4. Everything is float32 and the whole folder stays under 5 MB.
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import save_file

# The "tiny" preset of VisionR1 (src/VisionR1.Core/Model/Config/Qwen25VLPresets.cs), in the flat
# Hub config.json layout. Special ids are the compact tokenizer's: <|endoftext|>=0,
# <|im_start|>=1, <|im_end|>=2, <|vision_start|>=3, <|vision_end|>=4, <|image_pad|>=5, <|video_pad|>=6.
TINY_CONFIG = {
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
    "hidden_size": 64,
    "initializer_range": 0.02,
    "intermediate_size": 128,
    "max_position_embeddings": 4096,
    "max_window_layers": 2,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06,
    "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
    "rope_theta": 1000000.0,
    "sliding_window": 4096,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 1024,
    "vision_config": {
        "depth": 2,
        "hidden_act": "silu",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "in_chans": 3,
        "out_hidden_size": 64,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "spatial_patch_size": 14,
        "temporal_patch_size": 2,
        "window_size": 56,
        "fullatt_block_indexes": [1],
        "tokens_per_second": 2,
    },
}

VISION_START, VISION_END, IMAGE_PAD = 3, 4, 5


def prompt_with_image(gen, before, grid_h, grid_w, after):
    """Text ids (>= 7), <|vision_start|>, one <|image_pad|> per merged 2x2 block, <|vision_end|>, text."""
    text = lambda n: torch.randint(7, 1024, (n,), generator=gen).tolist()
    return text(before) + [VISION_START] + [IMAGE_PAD] * (grid_h * grid_w // 4) + [VISION_END] + text(after)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/VisionR1.Tests/Model/Fixtures/parity")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    import transformers
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(TINY_CONFIG, f, indent=2)
    config = AutoConfig.from_pretrained(args.out)
    try:
        config._attn_implementation = "eager"
    except Exception:  # older/newer config classes may not allow setting it; sdpa is also exact enough in fp32
        pass

    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.float32).eval()
    randomise(model, gen)
    model.save_pretrained(args.out, safe_serialization=True)

    # Three rows: text + image (patch grid 8x12: 24 merged tokens over several 2x2 windows) + text;
    # text + image (4x8) + text, shorter, so it is left-padded; text only, shortest.
    grids = [(1, 8, 12), (1, 4, 8)]
    rows = [
        prompt_with_image(gen, 5, 8, 12, 7),
        prompt_with_image(gen, 2, 4, 8, 4),
        torch.randint(7, 1024, (9,), generator=gen).tolist(),
    ]
    input_ids, attention_mask = left_pad(rows)
    n_patches = sum(t * h * w for t, h, w in grids)
    pixel_values = torch.randn(n_patches, 3 * 2 * 14 * 14, generator=gen)
    image_grid_thw = torch.tensor(grids, dtype=torch.long)

    with torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=attention_mask,
                    pixel_values=pixel_values, image_grid_thw=image_grid_thw)
    tensors = {
        "input_ids": input_ids.contiguous(),
        "attention_mask": attention_mask.contiguous(),
        "pixel_values": pixel_values.contiguous(),
        "image_grid_thw": image_grid_thw.contiguous(),
        "logits": out.logits.float().contiguous(),
    }
    rope_owner = getattr(model, "model", model)
    get_rope_index = getattr(rope_owner, "get_rope_index", None) or getattr(model, "get_rope_index", None)
    if get_rope_index is not None:
        try:
            position_ids, _ = get_rope_index(input_ids, image_grid_thw, None, attention_mask=attention_mask)
            tensors["position_ids"] = position_ids.long().contiguous()
        except Exception as e:  # the signature moved between transformers versions; logits are the real check
            print(f"note: get_rope_index could not be called here ({e!r}); position_ids not saved", file=sys.stderr)
    save_file(tensors, os.path.join(args.out, "parity_inputs.safetensors"),
              metadata={"transformers": transformers.__version__, "torch": torch.__version__, "seed": str(args.seed)})

    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {args.out}: {sorted(os.listdir(args.out))}, {total / 1e6:.2f} MB, "
          f"transformers {transformers.__version__}, logits {tuple(out.logits.shape)}")
    if total > 5_000_000:
        sys.exit(f"fixture is {total} bytes, over the 5 MB budget")


if __name__ == "__main__":
    main()
