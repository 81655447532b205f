namespace FraiseEvents.Projections;

/// <summary>
/// Loads documents of <see cref="DocumentProjection{TDocument}"/>s by key. Both stores implement it;
/// the projection is found by its document type (each document type belongs to one projection).
/// </summary>
public interface IDocumentReader
{
    /// <summary>The document with this id (a stream id, or a <see cref="Guid"/> key), or null when there is none or it was deleted.</summary>
    /// <exception cref="ArgumentException">No registered document projection has <typeparamref name="TDocument"/> as its document type.</exception>
    Task<TDocument?> LoadAsync<TDocument>(StreamId id, CancellationToken cancellationToken = default) where TDocument : class;

    /// <summary>
    /// The document with this key, or null when there is none or it was deleted. For a projection
    /// keyed by uuid (the stream id, or a <see cref="Guid"/> <c>KeyBy</c>) the key must be a uuid in any
    /// of its text forms.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No registered document projection has <typeparamref name="TDocument"/> as its document type, or
    /// the projection is keyed by uuid and <paramref name="key"/> is not one.
    /// </exception>
    Task<TDocument?> LoadAsync<TDocument>(string key, CancellationToken cancellationToken = default) where TDocument : class;
}
