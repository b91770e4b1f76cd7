namespace VisionR1.Inputs;

/// <summary>Which released Qwen chat template <see cref="ChatTemplate"/> renders.</summary>
public enum ChatTemplateStyle
{
    /// <summary>
    /// Qwen2.5-VL's <c>chat_template.json</c>: every turn <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>
    /// with images wherever they appear, a default system turn, generation prompt <c>&lt;|im_start|&gt;assistant\n</c>.
    /// </summary>
    Qwen25VL,

    /// <summary>
    /// Qwen3-VL Instruct's template: no default system turn; a system turn only first; images only in user turns;
    /// assistant turns verbatim; generation prompt <c>&lt;|im_start|&gt;assistant\n</c>.
    /// </summary>
    Qwen3VLInstruct,

    /// <summary>
    /// Qwen3-VL Thinking's template: as <see cref="Qwen3VLInstruct"/>, but assistant turns after the last user turn are
    /// written <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}</c> (reasoning taken from the text before
    /// <c>&lt;/think&gt;</c>), earlier assistant turns lose their reasoning, a later system turn is kept, and the
    /// generation prompt opens the reasoning: <c>&lt;|im_start|&gt;assistant\n&lt;think&gt;\n</c>.
    /// </summary>
    Qwen3VLThinking,
}
