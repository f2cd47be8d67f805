using Homegate.Gateway.Page;

namespace Homegate.Gateway.Tests.Page;

/// <summary>Branding resolved once: a homeserver's values over <c>Homegate:Page</c>, and the policy its logo needs.</summary>
public sealed class PageBrandingTests
{
    [Theory]
    [InlineData(null, "img-src 'self' blob:;")]
    [InlineData("/brand/logo.png", "img-src 'self' blob:;")]
    [InlineData("https://cdn.example:8443/brand/logo.svg", "img-src 'self' blob: https://cdn.example:8443;")]
    public void Only_an_absolute_logo_adds_its_origin_to_img_src(string? logo, string expected)
    {
        var policy = PageBranding.From(new PageOptions { LogoUrl = logo }).ContentSecurityPolicy;
        Assert.Contains(expected, policy, StringComparison.Ordinal);
        Assert.DoesNotContain("file:", policy, StringComparison.Ordinal);
    }

    [Fact]
    public void A_homeservers_values_replace_the_homegate_wide_ones_key_by_key_and_empty_means_unset()
    {
        var fallback = new PageOptions { Title = "Shared", OperatorName = "Ops", AccentColor = "#000000", TermsUrl = "/terms" };
        var own = new Dictionary<string, string> { ["title"] = "Alpha", ["AccentColor"] = "#ffffff", ["OperatorName"] = " ", ["LogoUrl"] = "https://cdn.alpha.example/l.svg" };
        var merged = PageBranding.Merge(fallback, own);
        Assert.Equal("Alpha", merged.Title);
        Assert.Equal("#ffffff", merged.AccentColor);
        Assert.Equal("Ops", merged.OperatorName);
        Assert.Equal("/terms", merged.TermsUrl);
        Assert.Contains("img-src 'self' blob: https://cdn.alpha.example;", merged.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("img-src 'self' blob:;", PageBranding.From(fallback).ContentSecurityPolicy, StringComparison.Ordinal);
    }
}
