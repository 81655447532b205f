namespace FraiseEvents.Projections;

/// <summary>One handler: what the event does to its document. <c>Fold</c> is null for a delete.</summary>
internal sealed record DocumentStep(DocumentAction Action, Func<object?, object, object>? Fold);
