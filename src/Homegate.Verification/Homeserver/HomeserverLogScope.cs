using System.Collections;

namespace Homegate.Verification.Homeserver;

/// <summary>The one log scope of a request of a known homeserver: <c>Homeserver</c> = its name (never anything about the user).</summary>
public sealed class HomeserverLogScope(string name) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?> _pair = new("Homeserver", name);

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] => index == 0 ? _pair : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return _pair;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Homeserver:{_pair.Value}";
}
