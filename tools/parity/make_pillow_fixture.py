#!/usr/bin/env python3
"""Write the Pillow bicubic fixture for VisionR1's resize tests (a few KB of SHA-256 digests).

    python3 tools/parity/make_pillow_fixture.py [--shared ../shared/parity] \
        [--out tests/VisionR1.Tests/Fixtures/pillow/bicubic-sha256.json]

Needs only Pillow (the digests in the repository came from Pillow 9.4, Debian 12's python3-pil,
the version that made ../shared/parity). For each case it builds a source image, resizes it with
``Image.resize((w, h), Image.BICUBIC)`` and records the SHA-256 of the resulting RGB bytes
(row-major, 3 bytes per pixel). The C# test rebuilds the same sources, resizes them with
BicubicResampler and compares digests, so no image data is committed.

Sources:
* ``pattern``: a synthetic RGB image defined by an integer formula (below, mirrored in the test),
  with sharp and smooth regions, at odd sizes, resized up and down, on one axis or both;
* ``shared``: images from ../shared/parity/images/source that the shared references do not cover:
  the 20x20 image (transformers 4.53+ resizes it to 56x56) and the RGBA image composited onto white
  the way Qwen's inference utilities do (paste onto a white RGB canvas through the alpha mask), at
  the sizes of both pixel budgets.
"""
import argparse
import hashlib
import json
import os

import PIL
from PIL import Image


def pattern(w, h):
    """v(x, y, c) = (3x^2 + 7y + 5xy + 85c + 11(x xor y)) mod 256."""
    data = bytearray(w * h * 3)
    i = 0
    for y in range(h):
        for x in range(w):
            for c in range(3):
                data[i] = (3 * x * x + 7 * y + 5 * x * y + 85 * c + 11 * (x ^ y)) % 256
                i += 1
    return Image.frombytes("RGB", (w, h), bytes(data))


# (source width, source height) -> list of (target width, target height): up, down, one axis, both.
PATTERN_CASES = {
    (37, 23): [(56, 28), (28, 56), (112, 84), (14, 9), (5, 3), (1, 1), (37, 50), (80, 23), (300, 7), (19, 23)],
    (200, 150): [(56, 56), (28, 84), (196, 140), (448, 336), (113, 77), (200, 151), (201, 150)],
    (3, 2): [(56, 56), (28, 28), (3, 9)],
    (1, 1): [(28, 28)],
    (1000, 20): [(280, 28), (1008, 28), (56, 56)],
}


def digest(image):
    assert image.mode == "RGB"
    return hashlib.sha256(image.tobytes()).hexdigest()


def qwen_composite_onto_white(image):
    """What qwen_vl_utils' to_rgb does with an RGBA image."""
    white = Image.new("RGB", image.size, (255, 255, 255))
    white.paste(image, mask=image.split()[3])
    return white


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.path.join("..", "shared", "parity"))
    parser.add_argument("--out", default=os.path.join("tests", "VisionR1.Tests", "Fixtures", "pillow", "bicubic-sha256.json"))
    args = parser.parse_args()

    cases = []
    for (sw, sh), targets in PATTERN_CASES.items():
        source = pattern(sw, sh)
        for (tw, th) in targets:
            cases.append({"source": "pattern", "width": sw, "height": sh, "to": [tw, th],
                          "sha256": digest(source.resize((tw, th), Image.BICUBIC))})

    sources = os.path.join(args.shared, "images", "source")
    file_digest = lambda name: hashlib.sha256(open(os.path.join(sources, name), "rb").read()).hexdigest()
    small = Image.open(os.path.join(sources, "e_20x20.png")).convert("RGB")
    cases.append({"source": "shared:e_20x20.png", "file_sha256": file_digest("e_20x20.png"), "rgb": "DropAlpha", "to": [56, 56],
                  "sha256": digest(small.resize((56, 56), Image.BICUBIC))})
    rgba = Image.open(os.path.join(sources, "h_rgba_301x199.png"))
    assert rgba.mode == "RGBA", rgba.mode
    composite = qwen_composite_onto_white(rgba)
    cases.append({"source": "shared:h_rgba_301x199.png", "file_sha256": file_digest("h_rgba_301x199.png"), "rgb": "CompositeOntoWhite", "to": list(composite.size),
                  "sha256": digest(composite)})
    # Both pixel budgets give 308x196 for this image (see ref-*.safetensors, resized.7).
    cases.append({"source": "shared:h_rgba_301x199.png", "file_sha256": file_digest("h_rgba_301x199.png"), "rgb": "CompositeOntoWhite", "to": [308, 196],
                  "sha256": digest(composite.resize((308, 196), Image.BICUBIC))})

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        # One case per line keeps the file small and its diffs readable.
        f.write('{"pillow": %s, "filter": "BICUBIC", "cases": [\n' % json.dumps(PIL.__version__))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print(f"wrote {args.out}: {len(cases)} cases, Pillow {PIL.__version__}")


if __name__ == "__main__":
    main()
