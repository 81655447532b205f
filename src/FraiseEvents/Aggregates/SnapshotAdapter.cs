using System.Text.Json;

namespace FraiseEvents.Aggregates;

/// <summary>
/// Bridges an aggregate type and its <see cref="ISnapshotable{TSnapshot}"/> snapshot type, found
/// once per repository, so the repository can stay generic in the aggregate only.
/// </summary>
internal abstract class SnapshotAdapter<TAggregate> where TAggregate : class, IAggregate
{
    public abstract int SchemaVersion(TAggregate aggregate);

    public abstract byte[] Serialize(TAggregate aggregate, JsonSerializerOptions json);

    /// <summary>Restores the state; false when the data does not deserialize (a corrupt or foreign snapshot).</summary>
    public abstract bool TryRestore(TAggregate aggregate, ReadOnlyMemory<byte> data, JsonSerializerOptions json);

    /// <summary>The adapter for <typeparamref name="TAggregate"/>, or null when it does not implement <see cref="ISnapshotable{TSnapshot}"/>.</summary>
    public static SnapshotAdapter<TAggregate>? Create()
    {
        var snapshotable = typeof(TAggregate).GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISnapshotable<>))
            .ToList();
        if (snapshotable.Count == 0)
        {
            return null;
        }

        if (snapshotable.Count > 1)
        {
            throw new ArgumentException(
                $"{typeof(TAggregate).Name} implements ISnapshotable<T> more than once; an aggregate has one snapshot type.");
        }

        var adapterType = typeof(Typed<>).MakeGenericType(typeof(TAggregate), snapshotable[0].GetGenericArguments()[0]);
        return (SnapshotAdapter<TAggregate>)Activator.CreateInstance(adapterType, nonPublic: true)!; // the constructor exists
    }

    private sealed class Typed<TSnapshot> : SnapshotAdapter<TAggregate> where TSnapshot : class
    {
        public override int SchemaVersion(TAggregate aggregate) => As(aggregate).SnapshotSchemaVersion;

        public override byte[] Serialize(TAggregate aggregate, JsonSerializerOptions json) =>
            JsonSerializer.SerializeToUtf8Bytes(As(aggregate).CreateSnapshot(), json);

        public override bool TryRestore(TAggregate aggregate, ReadOnlyMemory<byte> data, JsonSerializerOptions json)
        {
            TSnapshot? snapshot;
            try
            {
                snapshot = JsonSerializer.Deserialize<TSnapshot>(data.Span, json);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                return false;
            }

            if (snapshot is null)
            {
                return false;
            }

            As(aggregate).RestoreSnapshot(snapshot);
            return true;
        }

        private static ISnapshotable<TSnapshot> As(TAggregate aggregate) => (ISnapshotable<TSnapshot>)aggregate;
    }
}
