using System.Collections;
using Homegate.Gateway.Configuration;
using Npgsql;

namespace Homegate.Gateway.Tests.Configuration;

public sealed class LegacyEnvironmentTests
{
    [Fact]
    public void Seed_variables_map_onto_configuration_keys()
    {
        var map = LegacyEnvironment.Map(new Hashtable
        {
            ["DATABASE_URL"] = "postgres://hg:s%40cret@db.internal:6543/homegate?sslmode=require",
            ["PRELUDE_API_KEY"] = "key",
            ["PHOENIXD_URL"] = "http://phoenixd:9740",
            ["PHOENIXD_PASSWORD"] = "pw",
            ["HG_MAX_SMS_VERIFICATIONS_PER_WEEK"] = "3",
            ["HG_MAX_SMS_VERIFICATIONS_PER_YEAR"] = "9",
            ["HG_PORT"] = "9000",
        });

        var connection = new NpgsqlConnectionStringBuilder(map["ConnectionStrings:Homegate"]);
        Assert.Equal("db.internal", connection.Host);
        Assert.Equal(6543, connection.Port);
        Assert.Equal("homegate", connection.Database);
        Assert.Equal("hg", connection.Username);
        Assert.Equal("s@cret", connection.Password);
        Assert.Equal(SslMode.Require, connection.SslMode);
        Assert.Equal("key", map["Homegate:Sms:ApiKey"]);
        Assert.Equal("http://phoenixd:9740", map["Homegate:Lightning:BaseUrl"]);
        Assert.Equal("pw", map["Homegate:Lightning:Password"]);
        Assert.Equal("3", map["Homegate:Sms:MaxVerificationsPerWeek"]);
        Assert.Equal("9", map["Homegate:Sms:MaxVerificationsPerYear"]);
        Assert.Equal("http://0.0.0.0:9000", map["urls"]);
    }

    [Theory]
    [InlineData("DATABASE_URL", "mysql://x")]
    [InlineData("HG_PORT", "http")]
    [InlineData("HG_PORT", "70000")]
    public void Bad_seed_variables_are_errors_naming_the_variable(string variable, string value)
    {
        var e = Assert.Throws<ConfigurationProblemException>(() => LegacyEnvironment.Map(new Hashtable { [variable] = value }));
        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_variables_add_nothing() => Assert.Empty(LegacyEnvironment.Map(new Hashtable()));
}
