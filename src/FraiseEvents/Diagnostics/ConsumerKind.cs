namespace FraiseEvents.Diagnostics;

/// <summary>Which kind of consumer a gauge reading is of.</summary>
internal enum ConsumerKind
{
    Projection,
    Subscription,
}
