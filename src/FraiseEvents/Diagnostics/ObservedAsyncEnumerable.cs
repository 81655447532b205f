using System.Diagnostics;

namespace FraiseEvents.Diagnostics;

/// <summary>
/// A streaming read with a span and a duration around it: from the first <c>MoveNextAsync</c> to
/// the last (or to the failure, or to an early dispose). Between items the caller's own code runs
/// outside the span, but inside each <c>MoveNextAsync</c> the span is <see cref="Activity.Current"/>,
/// so Npgsql's spans for the query nest under it.
/// </summary>
internal sealed class ObservedAsyncEnumerable<T>(IAsyncEnumerable<T> inner, StoreTelemetry telemetry, string operation, StreamId? streamId)
    : IAsyncEnumerable<T>
{
    /// <summary>The read itself when no one listens, so an unobserved read costs one check.</summary>
    public static IAsyncEnumerable<T> Wrap(IAsyncEnumerable<T> inner, StoreTelemetry telemetry, string operation, StreamId? streamId) =>
        telemetry.ReadsObserved ? new ObservedAsyncEnumerable<T>(inner, telemetry, operation, streamId) : inner;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        new Enumerator(inner.GetAsyncEnumerator(cancellationToken), telemetry, operation, streamId);

    private sealed class Enumerator(IAsyncEnumerator<T> inner, StoreTelemetry telemetry, string operation, StreamId? streamId)
        : IAsyncEnumerator<T>
    {
        private Activity? _activity;
        private long _startedAt;
        private bool _started;
        private bool _ended;

        public T Current => inner.Current;

        public async ValueTask<bool> MoveNextAsync()
        {
            // An async method: the Activity.Current set here is undone when it returns to the caller.
            if (!_started)
            {
                _started = true;
                _startedAt = Stopwatch.GetTimestamp();
                _activity = telemetry.StartActivity(operation, streamId);
            }
            else if (_activity is not null)
            {
                Activity.Current = _activity;
            }

            try
            {
                var more = await inner.MoveNextAsync().ConfigureAwait(false);
                if (!more)
                {
                    End(exception: null);
                }

                return more;
            }
            catch (Exception ex)
            {
                End(ex);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // Stopped early by the caller (break, or an exception in its own loop): the read did not fail.
                End(exception: null);
            }
        }

        private void End(Exception? exception)
        {
            if (_ended || !_started)
            {
                return;
            }

            _ended = true;
            telemetry.ReadEnded(_activity, operation, _startedAt, exception);
            _activity?.Dispose();
        }
    }
}
