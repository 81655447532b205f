namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>One number from one run of one scenario by one library.</summary>
internal sealed record Measurement(string Row, string Unit, bool HigherIsBetter, double Value);
