// GRPO with your own reward function and a two-stage PTST schedule on your own JSONL file with images.
// dotnet run -- PROBLEMS.jsonl OUT_DIR [HF_MODEL_DIR]   (without a model folder: a tiny model the library builds)
// <snippet:custom-reward>
using VisionR1.Answers;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Text;

VisionR1Runtime.Initialize("cpu");
Qwen25VLModel model;
ITextTokenizer tokenizer;
if (args.Length > 2) (model, tokenizer) = (Qwen25VLModel.FromPretrained(args[2]), TokenizerLoader.FromFolder(args[2]));
else (model, tokenizer) = (new Qwen25VLModel(Qwen25VLPresets.Tiny), CompactTokenizerTrainer.TrainDefault());
if (args.Length <= 2) model.InitializeWeights(seed: 1);
using var policy = new QwenPolicy(model, [tokenizer.Special.ImEnd]);

// One problem per line: {"id", "question", "answer", "images": ["img/1.png"], "choices", "precision"}.
// Images stay on disk as references until a batch needs their pixels.
var problems = await ProblemSource.Open(args[0]).ToListAsync();

// The reward: a plain function of the problem, the completion and the context (tokens, stage cap, step).
var verifier = new MathVerifier();
var rightAndBrief = Reward.FromFunction("right_and_brief", r =>
    verifier.Verify(r.GroundTruth, r.Completion, AccuracyReward.ContextOf(r.Problem)).Equal
        ? 1.0 - 0.5 * r.Context.CompletionTokens / r.Context.MaxCompletionLength!.Value
        : 0.0);

// Two PTST stages: short completions in large groups, then longer ones in smaller groups.
var schedule = new PtstSchedule([
    new PtstStage(MaxCompletionLength: 16, GroupSize: 4, Steps: 2, Name: "short"),
    new PtstStage(MaxCompletionLength: 32, GroupSize: 2, Steps: 2, Name: "long")]);

var encoder = new ChatPromptEncoder(new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt), new ImageLoader(cacheBytes: 256 << 20));
var options = new GrpoOptions { Schedule = schedule, PromptsPerStep = 2, MicroBatchSize = 4, OutputDirectory = args[1] };
using var trainer = new GrpoTrainer(policy, encoder, tokenizer, [new WeightedReward(rightAndBrief)], GrpoPrompt.From(problems), options,
    new ConsoleProgressSink());
trainer.TryResume();
var result = trainer.Train();
Console.WriteLine($"custom-reward: {result.Step} steps, finished: {result.Finished}");
// </snippet:custom-reward>
return result.Finished ? 0 : 1;
