namespace FraiseEvents.Upcasting;

/// <summary>
/// An upcaster between two classes: the stored JSON is read once as <typeparamref name="TFrom"/>
/// (the old shape, a class you keep for this purpose) and converted to <typeparamref name="TTo"/>.
/// When <typeparamref name="TTo"/> is the registered current type, nothing is serialized twice.
/// </summary>
public abstract class EventUpcaster<TFrom, TTo> : EventUpcaster
    where TFrom : class
    where TTo : class
{
    /// <summary>Converts the old shape to the next one.</summary>
    public abstract TTo Upcast(TFrom data);

    internal sealed override Type FromType => typeof(TFrom);

    internal sealed override Type ToType => typeof(TTo);

    internal sealed override object UpcastObject(object data) =>
        Upcast((TFrom)data) ?? throw new InvalidOperationException($"{Describe()} returned null.");
}
