using Homegate.Verification.Homeserver;

namespace Homegate.Gateway.Observability;

/// <summary>
/// The scopes homegate's logs carry: exactly one, the request's homeserver (with several homeservers, the
/// one whose host the request arrived on; <see cref="HomeserverIdentity.Enter"/>), read from the flow the
/// host middleware entered it in, so labelling a request costs nothing beyond that. Every other scope
/// (ASP.NET Core's request path, which can hold a signup code; connection and trace ids) is dropped here, so
/// a formatter that prints scopes can never print those. With one homeserver (the shorthand) no scope is
/// entered and log lines carry none, as before.
/// </summary>
internal sealed class HomeserverScopeProvider : IExternalScopeProvider
{
    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        if (HomeserverIdentity.CurrentLogScope is { } scope)
        {
            callback(scope, state);
        }
    }

    public IDisposable Push(object? state) => Popped.Instance;

    private sealed class Popped : IDisposable
    {
        public static readonly Popped Instance = new();

        public void Dispose()
        {
        }
    }
}
