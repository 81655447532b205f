using FraiseEvents.Projections;

namespace FraiseEvents.InMemory;

public sealed partial class InMemoryEventStore : IDocumentReader
{
    /// <inheritdoc />
    public Task<TDocument?> LoadAsync<TDocument>(StreamId id, CancellationToken cancellationToken = default) where TDocument : class =>
        LoadAsync<TDocument>(InlineProjections.KeyOf(id), cancellationToken);

    /// <inheritdoc />
    public Task<TDocument?> LoadAsync<TDocument>(string key, CancellationToken cancellationToken = default) where TDocument : class
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var projection = _projections.ForDocument(typeof(TDocument));
        key = InlineProjections.NormalizeKey(projection, key);
        byte[]? data;
        lock (_storage.Lock)
        {
            data = _storage.Documents.TryGetValue(projection.Name, out var documents) && documents.TryGetValue(key, out var stored)
                ? stored.Data
                : null;
        }

        return Task.FromResult(data is null ? null : (TDocument?)_projections.Deserialize(projection, data));
    }

    /// <summary>Every document the append touches, as stored now (null where there is none).</summary>
    private Dictionary<(string, string), StoredDocument?> ReadDocumentsLocked(ProjectionAppend[] appends)
    {
        var read = new Dictionary<(string, string), StoredDocument?>();
        foreach (var (projection, keys) in _projections.KeysToRead(appends, readAll: true))
        {
            _storage.Documents.TryGetValue(projection.Name, out var documents);
            foreach (var key in keys)
            {
                read[(projection.Name, key)] = documents?.GetValueOrDefault(key);
            }
        }

        return read;
    }

    private void WriteDocumentsLocked(IReadOnlyList<(IDocumentProjection Projection, IReadOnlyList<DocumentWrite> Writes)> documents)
    {
        foreach (var (projection, writes) in documents)
        {
            if (!_storage.Documents.TryGetValue(projection.Name, out var stored))
            {
                stored = new Dictionary<string, StoredDocument>(StringComparer.Ordinal);
                _storage.Documents.Add(projection.Name, stored);
            }

            foreach (var write in writes)
            {
                var revision = stored.TryGetValue(write.Key, out var current) ? current.Revision : 0;
                stored[write.Key] = new StoredDocument(write.Data, revision + 1, write.Deleted);
            }
        }
    }
}
