namespace FraiseEvents.Subscriptions;

/// <summary>The rule for checkpoint names, checked before any store is asked (tb_checkpoints has the same CHECK).</summary>
internal static class ConsumerNames
{
    public const int MaxLength = 200;

    public static void Validate(string consumerName, string parameterName = "consumerName")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerName, parameterName);
        if (consumerName.Length > MaxLength)
        {
            throw new ArgumentException(
                $"A consumer name is at most {MaxLength} characters; '{consumerName[..20]}...' has {consumerName.Length}.", parameterName);
        }
    }
}
