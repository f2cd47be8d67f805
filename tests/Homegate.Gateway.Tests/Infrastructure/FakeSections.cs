using System.Text.Json.Nodes;
using Homegate.Fakes.Phoenixd;
using Homegate.Fakes.Prelude;

namespace Homegate.Gateway.Tests.Infrastructure;

/// <summary>The <c>Homegate:Sms</c> and <c>Homegate:Lightning</c> sections that point homegate at the fakes.</summary>
public static class FakeSections
{
    public static JsonObject Sms(FakePrelude prelude) => new() { ["ApiKey"] = prelude.ApiKey, ["BaseUrl"] = prelude.BaseUrl.ToString() };

    /// <summary>The fake PhoenixD's address and password, then <paramref name="settings"/> (e.g. <c>("ReconnectDelay", "00:00:01")</c>).</summary>
    public static JsonObject Lightning(FakePhoenixd phoenixd, params (string Key, JsonNode? Value)[] settings)
    {
        var section = new JsonObject { ["BaseUrl"] = phoenixd.BaseUrl.ToString(), ["Password"] = phoenixd.Password };
        foreach (var (key, value) in settings)
        {
            section[key] = value;
        }

        return section;
    }
}
