namespace Homegate.Gateway.Shutdown;

/// <summary>Set once the host begins stopping; readiness reads it so load balancers stop sending traffic first.</summary>
internal sealed class ShutdownState
{
    private volatile bool _stopping;

    public bool IsStopping => _stopping;

    public void MarkStopping() => _stopping = true;
}
