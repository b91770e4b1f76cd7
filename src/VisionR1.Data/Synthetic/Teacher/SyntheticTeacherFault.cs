using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>A deliberate mistake of the <see cref="SyntheticTeacherChatClient"/>, so that CoT filters have real work.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyntheticTeacherFault>))]
public enum SyntheticTeacherFault
{
    /// <summary>A faithful reply.</summary>
    None,
    /// <summary>Step 2 states one needed fact off by one, so a reasoning built on it reaches a wrong answer.</summary>
    DescriptionMiscount,
    /// <summary>Step 3 misreads one fact and "confirms" it on reflection: a consistent chain with a wrong final answer.</summary>
    WrongCount,
    /// <summary>Step 3 concludes one answer in its thinking and puts another in the answer tag.</summary>
    Inconsistent,
    /// <summary>Step 3 stops mid-thought, without closing tags (as if it hit the length limit).</summary>
    Truncated,
    /// <summary>Step 3 repeats one reflection sentence over and over and never closes its tags.</summary>
    Repetition,
}
