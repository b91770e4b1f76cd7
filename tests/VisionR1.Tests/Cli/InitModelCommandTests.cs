using System.Text.Json;
using VisionR1.Model.Checkpoints;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Model;

public sealed class InitModelCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-init-");

    public void Dispose() => _dir.Delete(true);

    [Theory]
    [InlineData("tiny", 223_456L, VisionR1.Model.QwenVLFamily.Qwen25VL)]
    [InlineData("qwen3-vl-tiny", 257_824L, VisionR1.Model.QwenVLFamily.Qwen3VL)]
    public async Task Tiny_presets_write_a_loadable_hf_folder_of_their_family_reproducibly(string preset, long parameters, VisionR1.Model.QwenVLFamily family)
    {
        var a = Path.Combine(_dir.FullName, "a");
        var b = Path.Combine(_dir.FullName, "b");
        var (code, output, err) = await Run("init-model", "--preset", preset, "--out", a, "--seed", "3");
        Assert.True(code == 0, err);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{parameters:N0} parameters"), output);
        Assert.Equal(0, (await Run("init-model", "--preset", preset, "--out", b, "--seed", "3")).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        Assert.Equal(family, VisionR1.Model.QwenVLModel.FamilyOf(a));
        using var model = VisionR1.Model.QwenVLModel.FromPretrained(a);
        Assert.Equal(parameters, model.ParameterCount);
        var tokenizer = VisionR1.Text.TokenizerLoader.FromFolder(a);
        Assert.Equal(VisionR1.Model.Config.ModelTokenIds.From(tokenizer.Special), model.Tokens);
    }

    [Theory]
    [InlineData("7b", "8,292,166,656", VisionR1.Model.QwenVLFamily.Qwen25VL)]
    [InlineData("qwen3-vl-8b", "8,767,123,696", VisionR1.Model.QwenVLFamily.Qwen3VL)]
    public async Task Large_presets_need_meta_check_and_then_allocate_nothing(string preset, string parameters, VisionR1.Model.QwenVLFamily family)
    {
        var dir = Path.Combine(_dir.FullName, preset);
        var refused = await Run("init-model", "--preset", preset, "--out", dir);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{parameters} parameters", refused.Err);
        Assert.Contains("--meta-check", refused.Err);
        Assert.Contains("--allow-large", refused.Err);
        Assert.False(Directory.Exists(dir));

        var checkedRun = await Run("init-model", "--preset", preset, "--out", dir, "--meta-check");
        Assert.True(checkedRun.Code == 0, checkedRun.Err);
        Assert.Contains($"{parameters} parameters", checkedRun.Out);
        Assert.Equal(family, VisionR1.Model.QwenVLModel.FamilyOf(dir));
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public async Task A_qwen3_vl_meta_check_writes_the_presets_config()
    {
        var dir = Path.Combine(_dir.FullName, "q3-32b");
        Assert.Equal(0, (await Run("init-model", "--preset", "qwen3-vl-32b", "--out", dir, "--meta-check", "--dtype", "bf16")).Code);
        Assert.Equal(VisionR1.Model.Qwen3VL.Qwen3VLPresets.Qwen32B.ToJson("bfloat16"), VisionR1.Model.Qwen3VL.Qwen3VLConfig.Load(dir).ToJson("bfloat16"));
    }

    [Fact]
    public async Task A_shard_size_below_the_weights_writes_the_hub_sharded_layout_that_loads_and_generates_like_one_file()
    {
        var single = Path.Combine(_dir.FullName, "single");
        var sharded = Path.Combine(_dir.FullName, "sharded");
        Assert.Equal(0, (await Run("init-model", "--preset", "tiny", "--out", single, "--seed", "5")).Code);
        var (code, output, err) = await Run("init-model", "--preset", "tiny", "--out", sharded, "--seed", "5", "--max-shard-size", "200KB");
        Assert.True(code == 0, err);

        Assert.False(File.Exists(Path.Combine(sharded, CheckpointLoader.WeightsFile)));
        var shards = Directory.GetFiles(sharded, "model-*-of-*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.True(shards.Count >= 4, string.Join(", ", shards));
        Assert.All(shards, s => Assert.Matches($@"^model-\d{{5}}-of-{shards.Count:D5}\.safetensors$", s!));
        Assert.Contains($"{shards.Count} shards", output);
        using (var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded, CheckpointLoader.IndexFile))))
        {
            var mapped = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()).ToHashSet();
            Assert.Equal(shards.ToHashSet(), mapped);
            Assert.Equal(223_456L * 4, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        }
        // Every shard stays under the limit unless it holds a single larger tensor.
        foreach (var shard in shards)
        {
            using var file = SafetensorsFile.Open(Path.Combine(sharded, shard!));
            var data = file.Entries.Values.Sum(e => e.End - e.Begin);
            Assert.True(data <= 200_000 || file.Entries.Count == 1, $"{shard}: {data} bytes in {file.Entries.Count} tensors");
        }

        using (var a = CheckpointLoader.Load(single))
        using (var b = CheckpointLoader.Load(sharded))
        {
            var sb = b.state_dict();
            foreach (var (key, t) in a.state_dict())
                Assert.True(t.allclose(sb[key], 0, 0), $"{key} differs between the single file and the shards");
        }

        var png = Path.Combine(_dir.FullName, "image.png");
        await File.WriteAllBytesAsync(png, new VisionR1.Data.Synthetic.SyntheticWorldGenerator(new VisionR1.Data.Synthetic.SyntheticWorldOptions { Seed = 2, ImageSize = 56 })
            .Generate(VisionR1.Data.Synthetic.SyntheticSplit.Test, 1).Single().Images[0].Bytes!);
        string[] Generate(string folder) => ["generate", "--model", folder, "--image", png, "--prompt", "How many?", "--max-new-tokens", "5", "--temperature", "0", "--dtype", "fp32"];
        var fromSingle = await Run(Generate(single));
        var fromShards = await Run(Generate(sharded));
        Assert.True(fromSingle.Code == 0 && fromShards.Code == 0, fromSingle.Err + fromShards.Err);
        Assert.Contains("loaded 223,456 parameters", fromShards.Err);
        Assert.Equal(fromSingle.Out, fromShards.Out);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5GB")]
    [InlineData("5TB")]
    [InlineData("lots")]
    public async Task A_shard_size_that_is_not_a_positive_size_is_a_usage_error(string size)
    {
        var dir = Path.Combine(_dir.FullName, "bad-size");
        var (code, _, err) = await Run("init-model", "--preset", "tiny", "--out", dir, "--max-shard-size", size);
        Assert.Equal(2, code);
        Assert.Contains("--max-shard-size", err);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void The_shipped_qwen_tokenizer_has_the_large_presets_special_ids_and_fits_their_vocabulary()
    {
        var dir = Path.Combine(_dir.FullName, "qwen-tokenizer");
        var tokenizer = VisionR1.Trainer.Commands.ReleasedQwenTokenizer.WriteTo(dir);
        Assert.Equal(VisionR1.Text.SpecialTokenIds.Qwen25VL, tokenizer.Special);
        foreach (var preset in new[] { VisionR1.Model.Config.Qwen25VLPresets.Qwen3B, VisionR1.Model.Config.Qwen25VLPresets.Qwen7B })
        {
            Assert.Equal(preset.Tokens, VisionR1.Model.Config.ModelTokenIds.From(tokenizer.Special));
            Assert.True(tokenizer.VocabularySize <= preset.Text.VocabSize, $"{tokenizer.VocabularySize} ids > {preset.Text.VocabSize}");
        }
        Assert.Equal(tokenizer.Encode("How many circles?"), VisionR1.Text.TokenizerLoader.FromFolder(dir).Encode("How many circles?"));
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer_config.json")));
    }

    [Fact]
    public async Task Unknown_preset_is_a_usage_error()
    {
        var (code, _, err) = await Run("init-model", "--preset", "huge", "--out", _dir.FullName);
        Assert.Equal(2, code);
        Assert.Contains("huge", err);
    }
}
