using Homegate.Gateway.Page;
using Homegate.Gateway.Sms;
using Homegate.Verification.Sms;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Homegate.Gateway.Tests.Page;

public sealed class PageUnitTests
{
    private static readonly string[] Allowed = ["https://app.example/welcome", "myapp://callback/"];

    [Theory]
    [InlineData("https://app.example/welcome", true)]
    [InlineData("https://app.example/welcome/step?x=1", true)]
    [InlineData("https://APP.example/welcome", true)]
    [InlineData("myapp://callback/done", true)]
    [InlineData("https://app.example/welcomex", false)]
    [InlineData("https://app.example/other", false)]
    [InlineData("http://app.example/welcome", false)]
    [InlineData("https://app.example:8443/welcome", false)]
    [InlineData("https://app.example.evil.com/welcome", false)]
    [InlineData("https://app.example@evil.com/welcome", false)]
    [InlineData("https://user@app.example/welcome", false)]
    [InlineData("https://app.example/welcome/../admin", false)]
    [InlineData("javascript:alert(1)//app.example/welcome", false)]
    [InlineData("/welcome", false)]
    public void Return_urls_are_compared_after_parsing(string candidate, bool allowed)
    {
        var decision = new ReturnUrlPolicy(Allowed).Decide(candidate);
        Assert.True(decision.Present);
        Assert.Equal(allowed, decision.Allowed is not null);
    }

    [Fact]
    public void Return_url_fragment_is_dropped_so_the_hand_back_owns_it()
    {
        var decision = new ReturnUrlPolicy(Allowed).Decide("https://app.example/welcome?a=1#old");
        Assert.Equal("https://app.example/welcome?a=1", decision.Allowed!.AbsoluteUri);
    }

    [Theory]
    [InlineData("#2f6fed", true)]
    [InlineData("#ABC", true)]
    [InlineData("red", false)]
    [InlineData("#12345", false)]
    [InlineData("#2f6fed;background:url(x)", false)]
    public void Accent_color_must_be_a_hex_color(string color, bool valid)
    {
        var problems = new PageOptions { AccentColor = color }.Validate().ToList();
        Assert.Equal(valid, problems.Count == 0);
        Assert.All(problems, p => Assert.Contains("Homegate:Page:AccentColor", p, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/join", true)]
    [InlineData("/verify", true)]
    [InlineData("join", false)]
    [InlineData("/join/", false)]
    [InlineData("/signup", false)]
    [InlineData("/sms_verification/page", false)]
    public void Page_path_must_be_a_plain_path_outside_other_owners(string path, bool valid)
        => Assert.Equal(valid, !new PageOptions { Path = path }.Validate().Any());

    [Fact]
    public void Every_sms_problem_code_has_a_sentence_in_the_page_text()
    {
        var texts = PageText.BuiltIn();
        foreach (var error in Enum.GetValues<SmsError>())
        {
            var code = ProblemCode(SmsEndpoints.Problem(new SmsFailure(error, TimeSpan.FromSeconds(5))));
            Assert.True(texts.ContainsKey("error." + code), $"page-text.json has no error.{code} (SmsError.{error})");
        }
    }

    [Theory]
    [InlineData("lightning-disabled")]
    [InlineData("lightning-unavailable")]
    [InlineData("invalid-amount")]
    [InlineData("invalid-request")]
    [InlineData("not-found")]
    [InlineData("rate-limited")]
    [InlineData("storage-unavailable")]
    [InlineData("verification-pending")]
    [InlineData("code-not-found")]
    [InlineData("internal-error")]
    [InlineData("method-not-allowed")]
    [InlineData("unsupported-media-type")]
    public void Other_problem_codes_the_page_can_meet_have_a_sentence(string code)
        => Assert.True(PageText.BuiltIn().ContainsKey("error." + code));

    [Fact]
    public void Text_file_override_replaces_keys_and_rejects_unknown_ones()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{\"title\":\"Hol dir einen Code\",\"lang\":\"de\"}");
            var text = PageText.Load(file);
            Assert.Equal("Hol dir einen Code", text["title"]);
            Assert.Equal(PageText.BuiltIn()["sms.send"], text["sms.send"]);

            File.WriteAllText(file, "{\"titel\":\"x\"}");
            var e = Assert.Throws<Homegate.Gateway.Configuration.ConfigurationProblemException>(() => PageText.Load(file));
            Assert.Contains("titel", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string ProblemCode(IResult result)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddSingleton(NullLoggerFactory.Instance).BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        result.ExecuteAsync(context).GetAwaiter().GetResult();
        var json = System.Text.Json.JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        return json.RootElement.GetProperty("code").GetString()!;
    }
}
