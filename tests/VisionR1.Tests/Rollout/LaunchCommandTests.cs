using System.Text;
using System.Text.RegularExpressions;

namespace VisionR1.Tests.Rollout;

/// <summary>
/// The server launch commands of docs/rollouts.md, read out of the file and checked against the flags each server's own argument
/// parser defines, so a documented launch that cannot start (an unknown flag, a value outside its choices, SGLang's LoRA flags
/// without both the rank and the target modules) fails here.
/// </summary>
public sealed class LaunchCommandTests
{
    // The flag lists below were read in the servers' sources by symbol (the stored copies were searched, not checked out, so no line
    // numbers are recorded); each names the file and the class whose field defines the flag.
    // vLLM (vllm-project/vllm): `vllm serve` builds its parser from dataclass fields, each field f becoming --f with dashes.
    //   vllm/entrypoints/openai/cli_args.py, FrontendArgs: host, port, api_key, chat_template, chat_template_content_format
    //     ("auto" | "string" | "openai", ChatTemplateContentFormatOption).
    //   vllm/config/model.py, ModelConfig: served_model_name, generation_config ("auto", "vllm" or a folder), logprobs_mode
    //     (LogprobsMode: raw_logprobs, raw_logits, processed_logprobs, processed_logits), max_model_len, dtype, seed.
    //   vllm/config/lora.py, LoRAConfig: max_lora_rank (MaxLoRARanks = Literal[1, 8, 16, 32, 64, 128, 256, 320, 512]), max_loras;
    //   vllm/engine/arg_utils.py, EngineArgs: enable_lora; vllm/config/multimodal.py, MultiModalConfig: limit_mm_per_prompt.
    private static readonly HashSet<string> VllmFlags = new(StringComparer.Ordinal)
    {
        "--host", "--port", "--api-key", "--chat-template", "--chat-template-content-format", "--served-model-name", "--generation-config",
        "--logprobs-mode", "--max-model-len", "--dtype", "--seed", "--enable-lora", "--max-lora-rank", "--max-loras", "--limit-mm-per-prompt",
    };

    private static readonly Dictionary<string, string[]> VllmChoices = new(StringComparer.Ordinal)
    {
        ["--chat-template-content-format"] = ["auto", "string", "openai"],
        ["--logprobs-mode"] = ["raw_logprobs", "raw_logits", "processed_logprobs", "processed_logits"],
        ["--max-lora-rank"] = ["1", "8", "16", "32", "64", "128", "256", "320", "512"],
    };

    // SGLang (sgl-project/sglang): `python -m sglang.launch_server` builds its parser from ServerArgs in
    // python/sglang/srt/server_args.py, each annotated field f becoming --f with dashes: model_path, served_model_name, host, port,
    // api_key, chat_template, random_seed, context_length, sampling_defaults (choices "openai", "model"), enable_deterministic_inference,
    // enable_lora, max_lora_rank, lora_target_modules (nargs="*", choices SUPPORTED_LORA_TARGET_MODULES + ["all"]), lora_paths,
    // max_loras_per_batch, max_loaded_loras. ServerArgs.check_lora_server_args asserts that without --lora-paths both --max-lora-rank
    // and --lora-target-modules are given ("When no initial --lora-paths is provided, you need to specify both ...").
    private static readonly HashSet<string> SglangFlags = new(StringComparer.Ordinal)
    {
        "--model-path", "--served-model-name", "--host", "--port", "--api-key", "--chat-template", "--random-seed", "--context-length",
        "--sampling-defaults", "--enable-deterministic-inference", "--enable-lora", "--max-lora-rank", "--lora-target-modules", "--lora-paths",
        "--max-loras-per-batch", "--max-loaded-loras",
    };

    // python/sglang/srt/utils/common.py (SUPPORTED_LORA_TARGET_MODULES, LORA_TARGET_ALL_MODULES = "all").
    private static readonly Dictionary<string, string[]> SglangChoices = new(StringComparer.Ordinal)
    {
        ["--sampling-defaults"] = ["openai", "model"],
        ["--lora-target-modules"] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "qkv_proj", "gate_up_proj", "all"],
    };

    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Each shell command of the file's ```sh blocks, continuation lines joined, split into words (single quotes kept together).</summary>
    private static List<List<string>> Commands()
    {
        var commands = new List<List<string>>();
        var text = File.ReadAllText(RepositoryFile(Path.Combine("docs", "rollouts.md")));
        foreach (Match block in Regex.Matches(text, @"```sh\n(.*?)```", RegexOptions.Singleline))
        {
            var joined = Regex.Replace(block.Groups[1].Value, @"\\\n", " ");
            foreach (var line in joined.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                commands.Add(Words(line));
        }
        return commands;
    }

    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '\'') quoted = !quoted;
            else if (c == ' ' && !quoted)
            {
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
            }
            else word.Append(c);
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    /// <summary>The flags of a command with the values that follow each (up to the next flag).</summary>
    private static List<(string Flag, List<string> Values)> Flags(List<string> words)
    {
        var flags = new List<(string, List<string>)>();
        foreach (var w in words)
        {
            if (w.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = w.IndexOf('=', StringComparison.Ordinal);
                flags.Add(eq < 0 ? (w, []) : (w[..eq], [w[(eq + 1)..]]));
            }
            else if (flags.Count > 0) flags[^1].Item2.Add(w);
        }
        return flags;
    }

    private static void AssertKnown(List<(string Flag, List<string> Values)> flags, HashSet<string> known, Dictionary<string, string[]> choices, string server)
    {
        foreach (var (flag, values) in flags)
        {
            Assert.True(known.Contains(flag), $"{server} defines no flag {flag}");
            if (choices.TryGetValue(flag, out var allowed))
                Assert.All(values, v => Assert.True(allowed.Contains(v), $"{server}: {flag} {v} is not one of {string.Join(", ", allowed)}"));
        }
    }

    private static Dictionary<string, List<string>> ByName(List<(string Flag, List<string> Values)> flags) =>
        flags.ToDictionary(f => f.Flag, f => f.Values, StringComparer.Ordinal);

    [Fact]
    public void The_vllm_launch_uses_only_flags_vllm_defines_and_pins_what_the_trainer_assumes()
    {
        var launch = Assert.Single(Commands(), c => c.Contains("vllm") && c.Contains("serve"));
        var flags = Flags(launch.SkipWhile(w => w != "serve").Skip(2).ToList());
        AssertKnown(flags, VllmFlags, VllmChoices, "vLLM");
        var named = ByName(flags);
        Assert.Equal(["vllm"], named["--generation-config"]);
        Assert.Equal(["openai"], named["--chat-template-content-format"]);
        Assert.Equal(["processed_logprobs"], named["--logprobs-mode"]);
        Assert.Contains("--enable-lora", named.Keys);
        Assert.True(File.Exists(RepositoryFile(Assert.Single(named["--chat-template"]))), "the chat template the launch names ships in the repository");
        Assert.Contains(launch, w => w == "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True");
    }

    [Fact]
    public void The_sglang_launch_uses_only_flags_sglang_defines_and_gives_lora_both_its_rank_and_its_modules()
    {
        var launch = Assert.Single(Commands(), c => c.Contains("sglang.launch_server"));
        var flags = Flags(launch.SkipWhile(w => w != "sglang.launch_server").Skip(1).ToList());
        AssertKnown(flags, SglangFlags, SglangChoices, "SGLang");
        var named = ByName(flags);
        Assert.Equal(["openai"], named["--sampling-defaults"]);
        Assert.Contains("--enable-deterministic-inference", named.Keys);
        if (named.ContainsKey("--enable-lora") && !named.ContainsKey("--lora-paths"))
        {
            Assert.True(named.TryGetValue("--max-lora-rank", out var rank) && rank.Count == 1, "SGLang needs --max-lora-rank without --lora-paths");
            Assert.True(named.TryGetValue("--lora-target-modules", out var modules) && modules.Count > 0, "SGLang needs --lora-target-modules without --lora-paths");
        }
    }

    [Fact]
    public void The_documented_trainer_commands_fit_the_launches_they_go_with()
    {
        var commands = Commands();
        var vllm = ByName(Flags(Assert.Single(commands, c => c.Contains("serve") && c.Contains("vllm"))));
        var sglang = ByName(Flags(Assert.Single(commands, c => c.Contains("sglang.launch_server"))));
        var trainers = commands.Where(c => c.Count > 1 && c[0] == "vr1" && c[1] == "grpo").Select(c => ByName(Flags(c))).ToList();
        Assert.Equal(2, trainers.Count);
        foreach (var trainer in trainers)
        {
            var launch = trainer["--rollout-server"].Single() == "vllm" ? vllm : sglang;
            Assert.EndsWith(":" + launch["--port"].Single(), trainer["--rollout-url"].Single());
            Assert.Equal(launch["--served-model-name"], trainer["--rollout-model"]);
            Assert.True(int.Parse(trainer["--lora-r"].Single()) <= int.Parse(launch["--max-lora-rank"].Single()), "the adapter's rank fits the server's maximum");
        }
    }
}
