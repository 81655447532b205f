namespace FraiseEvents.Projections;

/// <summary>What the stores need of a <see cref="DocumentProjection{TDocument}"/>, without its type argument.</summary>
internal interface IDocumentProjection : IProjection
{
    Type DocumentType { get; }

    /// <summary>True when documents are keyed by text (<c>proj_&lt;name&gt;.id text</c>), false for uuid.</summary>
    bool KeysAreText { get; }

    /// <summary>The handler for an event type, and the key selector when the key is not the stream id.</summary>
    bool TryGetStep(Type eventType, out DocumentStep step, out Func<object, string>? key);

    object? Initial(string key);

    void Validate();
}
