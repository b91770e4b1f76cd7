using VisionR1.Inputs;
using VisionR1.Text;

namespace VisionR1.Tests.Inputs;

/// <summary>
/// The Qwen3-VL Instruct and Thinking chat templates (<see cref="ChatTemplateStyle"/>) against the strings the released
/// templates produce for the same messages (each expected string was rendered from the released template text with
/// jinja2 in transformers' settings: trim_blocks, lstrip_blocks), and their recognition from a folder's template file.
/// </summary>
public sealed class Qwen3VLChatTemplateTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly ProcessedImage _image; // 96×64 at Qwen3-VL's geometry → grid (1, 4, 6) → 6 tokens

    public Qwen3VLChatTemplateTests()
    {
        _tokenizer = TokenizerLoader.FromFolder(TokenizerFixture.WriteVocabAndMerges(_temp.Path));
        var processor = new ImageProcessor(new ImageProcessorOptions(MinPixels: 1024, Geometry: VisionPatchGeometry.Qwen3VL));
        _image = processor.Process(ChatTemplateTests.Gray(96, 64), "chart.png");
    }

    public void Dispose() => _temp.Dispose();

    private ChatTurn[] Conversation(string answer) =>
    [
        ChatTurn.System("Be brief."),
        ChatTurn.User(new ImagePart(_image), new TextPart("How many bars?")),
        ChatTurn.Assistant(answer),
    ];

    private const string Prefix =
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>How many bars?<|im_end|>\n";

    [Fact]
    public void Instruct_renders_system_user_image_and_assistant_as_the_released_template()
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLInstruct);
        Assert.Equal(Prefix + "<|im_start|>assistant\nFour.<|im_end|>\n", template.Render(Conversation("Four."), addGenerationPrompt: false));
    }

    [Fact]
    public void Instruct_has_no_default_system_turn_and_a_plain_generation_prompt()
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLInstruct);
        Assert.Equal("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>How many bars?<|im_end|>\n<|im_start|>assistant\n",
            template.Render([ChatTurn.User(new ImagePart(_image), new TextPart("How many bars?"))], addGenerationPrompt: true));
        var numbered = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLInstruct with { AddVisionId = true });
        Assert.Equal("<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>How many bars?<|im_end|>\n<|im_start|>assistant\n",
            numbered.Render([ChatTurn.User(new ImagePart(_image), new TextPart("How many bars?"))], addGenerationPrompt: true));
    }

    [Fact]
    public void Thinking_generation_prompt_opens_the_reasoning()
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        Assert.Equal(Prefix + "<|im_start|>assistant\n<think>\n", template.Render(Conversation("x")[..2], addGenerationPrompt: true));
    }

    [Theory]
    // Reasoning and answer: newlines around both trimmed as the template trims them.
    [InlineData("<think>\nCount them.\n</think>\n\nFour.", "<think>\nCount them.\n</think>\n\nFour.")]
    [InlineData("<think>Count them.</think>Four.", "<think>\nCount them.\n</think>\n\nFour.")]
    // No reasoning in the last turn: an empty think block is written.
    [InlineData("Four.", "<think>\n\n</think>\n\nFour.")]
    public void Thinking_writes_the_last_answer_with_its_think_block(string answer, string rendered)
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        Assert.Equal(Prefix + "<|im_start|>assistant\n" + rendered + "<|im_end|>\n", template.Render(Conversation(answer), addGenerationPrompt: false));
    }

    [Fact]
    public void Thinking_drops_the_reasoning_of_answers_before_the_last_question()
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        ChatTurn[] turns = [ChatTurn.User("1+1?"), ChatTurn.Assistant("<think>add</think>2"), ChatTurn.User("2+2?")];
        Assert.Equal("<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n2<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n",
            template.Render(turns, addGenerationPrompt: true));
    }

    [Fact]
    public void Thinking_labels_the_whole_written_answer_and_its_end()
    {
        var template = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        var encoded = template.Encode(Conversation("<think>Count.</think>Four."), addGenerationPrompt: false);
        var labelled = encoded.Labels.Where(l => l != ChatTemplate.IgnoreIndex).ToList();
        Assert.Equal(_tokenizer.Encode("<think>\nCount.\n</think>\n\nFour.", allowSpecial: false).Append(_tokenizer.Special.ImEnd), labelled);
        Assert.Equal(_tokenizer.Encode(template.Render(Conversation("<think>Count.</think>Four."), false, expandImagePads: true)), encoded.InputIds);
    }

    [Fact]
    public void Qwen3_templates_refuse_what_the_released_ones_would_drop()
    {
        var instruct = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLInstruct);
        var thinking = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        ChatTurn[] lateSystem = [ChatTurn.User("a"), ChatTurn.System("b")];
        Assert.Throws<ArgumentException>(() => instruct.Render(lateSystem, false));
        Assert.Equal("<|im_start|>user\na<|im_end|>\n<|im_start|>system\nb<|im_end|>\n", thinking.Render(lateSystem, false));
        ChatTurn[] assistantImage = [ChatTurn.User("a"), new(ChatTurn.AssistantRole, [new ImagePart(_image)])];
        Assert.Throws<ArgumentException>(() => instruct.Render(assistantImage, false));
        Assert.Throws<ArgumentException>(() => thinking.Render([new ChatTurn("tool", [new TextPart("42")])], false));
    }

    [Theory]
    [InlineData("{%- if add_generation_prompt %}\\n    {{- '<|im_start|>assistant\\\\n<think>\\\\n' }}\\n{%- endif %}", ChatTemplateStyle.Qwen3VLThinking)]
    [InlineData("<|vision_start|><|image_pad|><|vision_end|>{{- '<|im_start|>assistant\\\\n' }}", ChatTemplateStyle.Qwen3VLInstruct)]
    [InlineData("<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n<|vision_start|><|image_pad|><|vision_end|>", ChatTemplateStyle.Qwen25VL)]
    public void The_style_is_recognised_from_the_folder_template(string jsonTemplate, ChatTemplateStyle style)
    {
        File.WriteAllText(Path.Combine(_temp.Path, "chat_template.json"), $$"""{"chat_template": "{{jsonTemplate}}"}""");
        var options = ChatTemplateOptions.FromFolder(_temp.Path);
        Assert.NotNull(options);
        Assert.Equal(style, options.Style);
        Assert.Equal(style == ChatTemplateStyle.Qwen25VL ? ChatTemplateOptions.QwenDefaultSystemMessage : null, options.DefaultSystemMessage);
    }

    [Fact]
    public void A_folder_without_a_template_gives_none_and_an_unknown_template_is_named()
    {
        Assert.Null(ChatTemplateOptions.FromFolder(_temp.Path));
        File.WriteAllText(Path.Combine(_temp.Path, "chat_template.jinja"), "{{ messages }}");
        var e = Assert.Throws<InvalidDataException>(() => ChatTemplateOptions.FromFolder(_temp.Path));
        Assert.Contains("chat_template.jinja", e.Message);
    }
}
