namespace VisionR1.Answers.Math;

/// <summary>
/// Unit and currency words stripped from the end of an answer ("15 cm^2", "125 miles", "30 dollars").
/// Single letters (m, g, s, h, ...) are only stripped when a space separates them from a number,
/// so that <c>2m</c> stays the product 2·m.
/// </summary>
internal static class UnitWords
{
    public static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        // length
        "mm", "cm", "dm", "km", "nm", "um", "µm", "meter", "meters", "metre", "metres", "millimeter", "millimeters",
        "millimetre", "millimetres", "centimeter", "centimeters", "centimetre", "centimetres", "kilometer", "kilometers",
        "kilometre", "kilometres", "inch", "inches", "ft", "foot", "feet", "yd", "yard", "yards", "mile", "miles", "mi",
        // area, volume
        "square", "sq", "cubic", "unit", "units", "acre", "acres", "hectare", "hectares", "ml", "liter", "liters", "litre",
        "litres", "milliliter", "milliliters", "gallon", "gallons", "gal", "quart", "quarts", "pint", "pints", "cup", "cups",
        "cc",
        // mass
        "mg", "kg", "gram", "grams", "kilogram", "kilograms", "milligram", "milligrams", "lb", "lbs", "pound", "pounds",
        "oz", "ounce", "ounces", "ton", "tons", "tonne", "tonnes",
        // time
        "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days",
        "week", "weeks", "month", "months", "yr", "yrs", "year", "years", "ms", "decade", "decades", "century", "centuries",
        // speed, physics
        "mph", "kmh", "kph", "newton", "newtons", "joule", "joules", "watt", "watts", "kw", "kwh", "volt", "volts",
        "amp", "amps", "ampere", "amperes", "ohm", "ohms", "hz", "hertz", "pa", "kpa", "atm", "kelvin", "celsius",
        "fahrenheit", "cal", "calorie", "calories", "kcal", "mol", "mole", "moles", "byte", "bytes", "kb", "mb", "gb",
        // angles
        "degree", "degrees", "deg", "rad", "radian", "radians",
        // money
        "dollar", "dollars", "cent", "cents", "euro", "euros", "yuan", "rupee", "rupees", "rs", "usd", "eur", "gbp",
        "yen", "pence", "penny", "pennies",
        // counted things
        "people", "person", "persons", "student", "students", "item", "items", "times", "point", "points", "pts",
        "apple", "apples", "ball", "balls", "book", "books", "page", "pages", "step", "steps", "way", "ways",
        "marble", "marbles", "coin", "coins", "tile", "tiles", "box", "boxes", "car", "cars", "child", "children",
        "piece", "pieces", "game", "games", "row", "rows", "seat", "seats", "digit", "digits", "number", "numbers",
        "integer", "integers", "sides", "side", "vertex", "vertices", "edge", "edges", "face", "faces", "triangle",
        "triangles", "square units", "per",
    };

    /// <summary>Letters that are units only when written apart from the number ("5 m", not "5m").</summary>
    public static readonly HashSet<string> SingleLetters = new(StringComparer.Ordinal)
    {
        "m", "g", "s", "h", "l", "L", "N", "J", "W", "V", "A", "K", "C", "F", "t",
    };
}
