namespace FraiseEvents.Conformance;

/// <summary>Starts actions at the same moment, for the race tests of every contract suite.</summary>
public static class Concurrently
{
    /// <summary>Runs <paramref name="count"/> actions released together and returns each one's exception, or null.</summary>
    public static async Task<Exception?[]> Run(int count, Func<int, Task> action)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await start.Task;
            try
            {
                await action(i);
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }).ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }
}
