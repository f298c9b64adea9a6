using System.Globalization;
using System.Text.RegularExpressions;

namespace Shroud.Core;

/// <summary>
/// ISO-8601 durations of fixed length: weeks, days, hours, minutes and seconds (<c>P1W</c>, <c>P1DT2H</c>, <c>PT90M</c>,
/// <c>PT1.5S</c>). Years and months are refused: their length depends on the calendar date they start from.
/// </summary>
public static partial class IsoDuration
{
    /// <summary>The duration, or null with <paramref name="error"/> saying what is wrong (a message for the caller).</summary>
    public static TimeSpan? Parse(string text, out string error)
    {
        error = "";
        var match = FixedLength().Match(text);
        if (match.Success && text is not ("P" or "PT") && !text.EndsWith('T'))
        {
            try
            {
                var seconds = Part(match, "w") * 7 * 86_400 + Part(match, "d") * 86_400 + Part(match, "h") * 3_600 + Part(match, "m") * 60 + Part(match, "s");
                return TimeSpan.FromTicks(decimal.ToInt64(decimal.Round(seconds * TimeSpan.TicksPerSecond)));
            }
            catch (OverflowException)
            {
                error = "is too long a duration.";
                return null;
            }
        }

        error = CalendarUnits().IsMatch(text)
            ? "must not use years (Y) or months (M before T): their length depends on the calendar; use days (P30D) or weeks (P4W)."
            : "must be an ISO-8601 duration such as PT90M, P1DT2H or P1W.";
        return null;
    }

    private static decimal Part(Match match, string name) =>
        match.Groups[name].Success ? decimal.Parse(match.Groups[name].ValueSpan.ToString().Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^P(?:(?<w>[0-9]{1,9})W)?(?:(?<d>[0-9]{1,9})D)?(?:T(?:(?<h>[0-9]{1,9})H)?(?:(?<m>[0-9]{1,9})M)?(?:(?<s>[0-9]{1,9}(?:[.,][0-9]{1,7})?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FixedLength();

    [GeneratedRegex(@"^P[0-9.,WD]*[0-9][YM]", RegexOptions.CultureInvariant)]
    private static partial Regex CalendarUnits();
}
