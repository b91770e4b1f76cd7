using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Rollout;

/// <summary>What the remote-rollout tests share: the tiny model and tokenizer, the template, and an engine for a loopback server.</summary>
internal static class RolloutFixture
{
    public const string ModelName = "tiny-qwen";
    public const string ModelPath = "/models/tiny-qwen";
    public static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();
    public static readonly LoraConfig Lora = new() { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear] };

    /// <summary>The trainer's template: Vision-R1's RL prompts have no system prompt.</summary>
    public static ChatTemplate Template() => new(Tokenizer, ChatTemplateOptions.NoSystemPrompt);

    /// <summary>The tiny model with fixed weights, with a LoRA adapter when asked.</summary>
    public static QwenPolicy Policy(bool lora)
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(1);
        var policy = new QwenPolicy(model);
        if (lora) policy.AttachLora(Lora, 7);
        return policy;
    }

    /// <summary>An engine for <paramref name="server"/> publishing into <paramref name="shared"/>, with short retry delays.</summary>
    public static RemoteRolloutEngine Remote(LocalRolloutServer server, string shared, RolloutServer kind, WeightSyncMode sync, int maxRetries, TimeSpan? timeout) =>
        new(new RemoteRolloutOptions
        {
            BaseUrl = server.BaseUrl,
            Model = ModelName,
            Server = kind,
            WeightSync = sync,
            SharedDirectory = shared,
            MaxConcurrency = 4,
            MaxRetries = maxRetries,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            RequestTimeout = timeout ?? TimeSpan.FromMinutes(2),
        }, Template());

    /// <summary>The token ids of each sample, in order.</summary>
    public static List<long[]> Tokens(RolloutResult result) => result.Samples.Select(s => s.Tokens).ToList();
}
