using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Homegate.Fakes.Phoenixd;

namespace Homegate.Verification.Tests.Lightning;

/// <summary>The fake's standalone face (local demo): control endpoints without auth, the API with it.</summary>
public sealed class FakePhoenixdControlTests : IAsyncLifetime
{
    private FakePhoenixd _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakePhoenixd.StartAsync("demo-password", controlEndpoints: true);
        _http = new HttpClient { BaseAddress = _fake.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Control_endpoint_pays_an_invoice_created_through_the_api()
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "createinvoice")
        {
            Content = new FormUrlEncodedContent([new("description", "demo"), new("amountSat", "21")]),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(":demo-password")));
        using var created = await _http.SendAsync(create);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var hash = Assert.Single(_fake.Invoices).PaymentHash;

        using var unknown = await _http.PostAsync("_fake/pay/" + new string('0', 64), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var pay = await _http.PostAsync("_fake/pay/" + hash, null);
        Assert.Equal(HttpStatusCode.OK, pay.StatusCode);
        Assert.True(Assert.Single(_fake.Invoices).IsPaid);
    }

    [Fact]
    public async Task Api_without_the_password_is_refused_with_401()
    {
        using var response = await _http.GetAsync("payments/incoming");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Control_endpoints_are_absent_unless_asked_for()
    {
        await using var plain = await FakePhoenixd.StartAsync();
        using var http = new HttpClient { BaseAddress = plain.BaseUrl };

        using var response = await http.PostAsync("_fake/pay-all", null);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}
