using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>How a synthetic question's answer follows from the values of its facts (in the task's fact order).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskFormula>))]
public enum TaskFormula
{
    /// <summary>The value of the single fact.</summary>
    Value,
    /// <summary>The sum of all facts.</summary>
    Sum,
    /// <summary>The first fact minus the second (never negative by construction).</summary>
    Difference,
    /// <summary>The product of the two facts (a rectangle's area).</summary>
    Product,
    /// <summary>Twice the sum of the two facts (a rectangle's perimeter).</summary>
    Perimeter,
    /// <summary>The largest value.</summary>
    Max,
    /// <summary>The largest value minus the smallest.</summary>
    MaxMinusMin,
    /// <summary>The option whose fact has the (unique) largest value: a multiple-choice answer.</summary>
    ArgMax,
}
