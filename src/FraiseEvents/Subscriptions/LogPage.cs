namespace FraiseEvents.Subscriptions;

/// <summary>
/// One read of the global log: the events that passed the filter, and how far the read got
/// (<see cref="ScannedTo"/>, the last event read whether it passed or not), so that a consumer's
/// checkpoint moves past events it filtered out instead of staying behind them.
/// </summary>
/// <param name="Events">The matching events, in log order.</param>
/// <param name="ScannedTo">The position of the last event read; <paramref name="After"/> when none was.</param>
/// <param name="Scanned">How many events were read, matching or not; fewer than asked means the reader reached the visible end.</param>
/// <param name="After">The position the read started after.</param>
internal sealed record LogPage(IReadOnlyList<RecordedEvent> Events, LogPosition ScannedTo, int Scanned, LogPosition After);
