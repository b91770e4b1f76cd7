#!/usr/bin/env python3
"""Loads Qwen3-VL folders written by VisionR1's SavePretrained into transformers and compares the logits.

The folders come from the test Qwen3VLHarnessExportTests run with VR1_WRITE_QWEN3VL_CHECKPOINT=DIR (see README.md):
DIR/untied (one model.safetensors) and DIR/tied-sharded (a tied head in shards with model.safetensors.index.json),
each a Hugging Face folder (config.json in the Hub's nested layout, weights under the Hub keys) with, beside the weights,
reference.safetensors: input_ids and attention_mask (an image row and a left-padded text row), pixel_values,
image_grid_thw, rope_deltas and the fp32 logits the library computed.

For each folder: Qwen3VLForConditionalGeneration.from_pretrained (fp32, eager attention) must report no missing,
unexpected or mismatched keys; the config must read back as the library wrote it; the model runs the batch and its
logits are compared with the library's at the real (unpadded) positions, and its rope deltas with the library's.
Prints the largest |Δlogits| per folder; exits 1 when a check fails or the difference exceeds --tolerance.

    python3 check_qwen3vl_roundtrip.py DIR [--tolerance 1e-4]

With --write-transformers OUT it writes the opposite direction instead: a small random Qwen3-VL initialised by
transformers (initializer_range 0.2, weights rounded to bf16 values), saved by save_pretrained in bf16 and in shards
(model.safetensors.index.json) into OUT/untied-sharded, with reference.safetensors beside it (the same kind of batch,
the fp32 logits and rope deltas transformers computes). tests/VisionR1.Tests/Fixtures/qwen3vl-from-transformers holds
that folder; Qwen3VLTransformersCheckpointTests loads it with QwenVLModel.FromPretrained and compares.

    python3 check_qwen3vl_roundtrip.py --write-transformers tests/VisionR1.Tests/Fixtures/qwen3vl-from-transformers
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

# The model transformers writes: text head_dim 16 with the interleaved mrope_section [3, 3, 2], grouped-query attention,
# an untied head, two DeepStack levels; a 4x4 learned vision position table.
TINY = {
    "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl", "tie_word_embeddings": False,
    "image_token_id": 5, "video_token_id": 6, "vision_start_token_id": 3, "vision_end_token_id": 4,
    "text_config": {"vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 16, "rms_norm_eps": 1e-6,
                    "rope_theta": 5000000.0, "max_position_embeddings": 4096, "initializer_range": 0.2,
                    "rope_scaling": {"rope_type": "default", "mrope_section": [3, 3, 2], "mrope_interleaved": True},
                    "tie_word_embeddings": False, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 0},
    "vision_config": {"depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "in_channels": 3,
                      "out_hidden_size": 32, "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2,
                      "num_position_embeddings": 16, "deepstack_visual_indexes": [0, 1], "hidden_act": "gelu_pytorch_tanh",
                      "initializer_range": 0.2},
}


def check(folder, tolerance):
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration
    config = Qwen3VLConfig.from_pretrained(folder)
    with open(os.path.join(folder, "config.json")) as f:
        written = json.load(f)
    problems = []
    text, vision = written["text_config"], written["vision_config"]
    for key in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta", "tie_word_embeddings"):
        if getattr(config.text_config, key) != text[key]:
            problems.append(f"text_config.{key}: transformers reads {getattr(config.text_config, key)!r}, the file says {text[key]!r}")
    for key in ("depth", "hidden_size", "intermediate_size", "num_heads", "out_hidden_size", "num_position_embeddings",
                "deepstack_visual_indexes", "patch_size", "spatial_merge_size", "temporal_patch_size", "hidden_act"):
        if getattr(config.vision_config, key) != vision[key]:
            problems.append(f"vision_config.{key}: transformers reads {getattr(config.vision_config, key)!r}, the file says {vision[key]!r}")
    if config.text_config.rope_scaling.get("mrope_section") != text["rope_scaling"]["mrope_section"]:
        problems.append("text_config.rope_scaling.mrope_section differs")

    model, info = Qwen3VLForConditionalGeneration.from_pretrained(
        folder, dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    model.eval()
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        if info.get(kind):
            problems.append(f"{kind}: {info[kind]}")
    tied = written["tie_word_embeddings"]
    same = model.lm_head.weight.data_ptr() == model.model.language_model.embed_tokens.weight.data_ptr()
    if tied != same:
        problems.append(f"tie_word_embeddings is {tied} but lm_head {'shares' if same else 'does not share'} the embedding")

    ref = load_file(os.path.join(folder, "reference.safetensors"))
    mask = ref["attention_mask"]
    with torch.no_grad():
        out = model(input_ids=ref["input_ids"], attention_mask=mask, pixel_values=ref["pixel_values"],
                    image_grid_thw=ref["image_grid_thw"])
    logits = out.logits.float()
    real = mask.bool().unsqueeze(-1).expand_as(logits)
    diff = float((logits - ref["logits"]).abs()[real].max())
    scale = float(ref["logits"].abs()[real].max())
    deltas = out.rope_deltas if getattr(out, "rope_deltas", None) is not None else model.model.rope_deltas
    if not torch.equal(deltas.reshape(-1).long(), ref["rope_deltas"].reshape(-1).long()):
        problems.append(f"rope deltas: transformers {deltas.reshape(-1).tolist()}, library {ref['rope_deltas'].reshape(-1).tolist()}")
    if diff > tolerance:
        problems.append(f"max |Δlogits| {diff:.3e} exceeds {tolerance:g}")
    shards = [f for f in os.listdir(folder) if f.startswith("model") and f.endswith(".safetensors")]
    print(f"{os.path.basename(folder)}: {len(shards)} weight file(s), tied={tied}, logits {tuple(logits.shape)} "
          f"(largest |logit| {scale:.3f}), max |Δlogits| {diff:.3e}")
    for p in problems:
        print(f"  FAIL {p}")
    return not problems


def write_transformers(out):
    """transformers initialises, computes and saves; the library loads and compares (Qwen3VLTransformersCheckpointTests)."""
    import transformers
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration
    folder = os.path.join(out, "untied-sharded")
    os.makedirs(folder, exist_ok=True)
    config = Qwen3VLConfig(**{k: v for k, v in TINY.items() if k not in ("architectures", "model_type")})
    for c in (config, config.text_config, config.vision_config):
        c._attn_implementation = "eager"
    torch.manual_seed(71)
    model = Qwen3VLForConditionalGeneration(config).to(torch.float32).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).to(torch.float32))  # bf16 values, so the bf16 files hold these weights exactly
    # An image row (a 2x6-patch grid: the 4x4 position table interpolated down in rows and up in columns; 3 tokens)
    # and a text row with three columns of left padding.
    ids = torch.tensor([[9, 10, 3, 5, 5, 5, 4, 11, 12, 13], [0, 0, 0, 14, 15, 16, 17, 18, 19, 20]])
    mask = (ids != 0).long()
    grid = torch.tensor([[1, 2, 6]])
    pixels = torch.randn(12, 3 * 2 * 16 * 16, generator=torch.Generator().manual_seed(72))
    with torch.no_grad():
        output = model(input_ids=ids, attention_mask=mask, pixel_values=pixels, image_grid_thw=grid)
    deltas = output.rope_deltas if getattr(output, "rope_deltas", None) is not None else model.model.rope_deltas
    model.to(torch.bfloat16).save_pretrained(folder, max_shard_size="100KB")
    save_file({"input_ids": ids, "attention_mask": mask, "pixel_values": pixels, "image_grid_thw": grid,
               "logits": output.logits.float().contiguous(), "rope_deltas": deltas.long().reshape(-1, 1).contiguous()},
              os.path.join(folder, "reference.safetensors"),
              metadata={"transformers": transformers.__version__, "torch": torch.__version__})
    files = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
    print(f"wrote {folder}: {len(files) - 1} weight file(s), logits {tuple(output.logits.shape)} "
          f"(largest |logit| {float(output.logits.abs().max()):.3f})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", help="the VR1_WRITE_QWEN3VL_CHECKPOINT folder")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--write-transformers", metavar="OUT", help="write a transformers-saved folder into OUT instead")
    args = parser.parse_args()
    import transformers
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    if args.write_transformers:
        return write_transformers(args.write_transformers)
    if not args.root:
        parser.error("give the folder to check, or --write-transformers OUT")
    folders = sorted(d for d in os.listdir(args.root) if os.path.isfile(os.path.join(args.root, d, "config.json")))
    if not folders:
        print(f"no model folders under {args.root}")
        return 1
    ok = all([check(os.path.join(args.root, d), args.tolerance) for d in folders])
    print("all folders agree" if ok else "some folders disagree")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
