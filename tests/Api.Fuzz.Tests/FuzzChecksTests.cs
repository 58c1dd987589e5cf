using System.Text;
using Platform.Host.Benchmarks.Fuzz;

namespace Platform.Api.Fuzz.Tests;

/// <summary>Each rule of <see cref="FuzzChecks"/> fails the answers it is there to fail, and lets good ones through.</summary>
public sealed class FuzzChecksTests
{
    private static readonly FuzzOperation Operation = new("POST", "/predict", "Predict", [], null, ["application/json"]);
    private static readonly FuzzCredential TenantA = new("tenant-a header", "fuzz-a", [KeyValuePair.Create("X-Tenant-Id", "fuzz-a")]);
    private static readonly FuzzCredential TenantB = new("tenant-b header", "fuzz-b", [KeyValuePair.Create("X-Tenant-Id", "fuzz-b")]);

    [Fact]
    public void A_5xx_is_a_finding()
    {
        Assert.Equal(["5xx"], Kinds(Request(), 500, "application/problem+json", """{"status":500}"""));
        Assert.Equal(["5xx"], Kinds(Request(), 503, null, ""));
    }

    [Fact]
    public void A_4xx_must_be_problem_details_unless_Kestrel_refused_the_request_line()
    {
        Assert.Empty(Kinds(Request(), 400, "application/problem+json", """{"status":400,"field":"body"}"""));
        Assert.Equal(["4xx not problem+json"], Kinds(Request(), 400, "text/plain", "bad"));
        Assert.Equal(["4xx not problem+json"], Kinds(Request(), 404, null, ""));
        Assert.Empty(Kinds(Request("predict/%00"), 400, null, ""));
        Assert.Empty(Kinds(Request(), 414, null, ""));
        Assert.Equal(["4xx not problem+json"], Kinds(Request("predict/%00"), 400, "text/plain", "x"));
    }

    [Fact]
    public void A_JSON_answer_must_parse()
    {
        Assert.Equal(["invalid JSON answer"], Kinds(Request(), 200, "application/json", """{"affinity_score":NaN}"""));
        Assert.Empty(Kinds(Request(), 200, "application/json", """{"affinity_score":0.5}"""));
    }

    [Fact]
    public void An_answer_outside_tenant_b_must_not_show_its_ids_the_request_did_not_name()
    {
        Assert.Equal(["other tenant's data shown"], Kinds(Request(), 200, "application/json", """{"results":[{"property_id":"leakb-p0000007"}]}"""));
        Assert.Equal(["other tenant's data shown"], Kinds(Request(), 404, "application/problem+json", """{"detail":"leakb-u000003"}"""));
        // An error echoing the id the request sent is not a leak; tenant B's own answers may show its ids.
        Assert.Empty(Kinds(Request(body: """{"user_id":"leakb-u000001"}"""), 404, "application/problem+json", """{"detail":"Unknown user leakb-u000001"}"""));
        Assert.Empty(Kinds(Request(credential: TenantB), 200, "application/json", """{"user_id":"leakb-u000001"}"""));
    }

    [Fact]
    public void Workflow_runs_of_other_tenants_are_the_admins_to_see_and_no_tenants()
    {
        const string Runs = """{"items":[{"instanceId":"retrain-fuzz-b-1","customStatus":{"detail":"leakb-p0000001"}}]}""";
        var admin = new FuzzCredential("admin key + tenant-a", "fuzz-a", [KeyValuePair.Create("X-Api-Key", "k")]) { Admin = true };

        Assert.Equal(["other tenant's data shown"], Kinds(Request("workflows"), 200, "application/json", Runs));
        Assert.Empty(Kinds(Request("workflows", credential: admin), 200, "application/json", Runs));
        // Elsewhere the admin's answers are checked like anyone's.
        Assert.Equal(["other tenant's data shown"], Kinds(Request(credential: admin), 200, "application/json", Runs));
    }

    [Fact]
    public void A_leak_is_shown_where_it_sits_in_a_long_answer()
    {
        var answer = "{\"items\":[\"" + new string('x', 5_000) + "\",\"leakb-p0000042\"]}";

        var finding = Assert.Single(FuzzChecks.Check(Request(), 200, "application/json", Encoding.UTF8.GetBytes(answer), "fuzz-b"));

        Assert.Contains("\"leakb-p0000042\"]}", finding.Response, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_of_tenant_a_naming_tenant_bs_ids_must_not_be_served()
    {
        var naming = Request(body: """{"user_id":"leakb-u000001"}""") with { NamesForeignId = true };

        Assert.Equal(["other tenant's id served"], Kinds(naming, 200, "application/json", """{"affinity_score":0.5}"""));
        Assert.Empty(Kinds(naming, 404, "application/problem+json", """{"field":"user_id"}"""));
        Assert.Empty(Kinds(naming with { Credential = new FuzzCredential("admin key", null, []) }, 200, "application/json", "{}"));
    }

    [Fact]
    public void A_marked_id_the_requesting_tenant_stored_itself_is_its_own_data_not_a_leak()
    {
        // Tenant A moved an alias it named "leakb-p0000001"; reading its aliases back shows that name.
        var aliases = Encoding.UTF8.GetBytes("""{"champion":1,"leakb-p0000001":3}""");
        var write = Request("registry/twin/aliases/leakb-p0000001", """{"version":3}""");

        Assert.Equal(["leakb-p0000001"], FuzzChecks.MarkedIdsSent(write));
        Assert.Empty(FuzzChecks.Check(Request("registry/twin/aliases"), 200, "application/json", aliases, "fuzz-b", ["leakb-p0000001"]));
        // Not stored by this tenant: still a leak.
        Assert.Equal("other tenant's data shown",
            Assert.Single(FuzzChecks.Check(Request("registry/twin/aliases"), 200, "application/json", aliases, "fuzz-b", ["leakb-u000001"])).Kind);
    }

    private static FuzzRequest Request(string uri = "predict", string? body = null, FuzzCredential? credential = null) =>
        new(1, Operation, uri, credential ?? TenantA, "application/json", body is null ? null : Encoding.UTF8.GetBytes(body), "schema");

    private static List<string> Kinds(FuzzRequest request, int status, string? mediaType, string body) =>
        FuzzChecks.Check(request, status, mediaType, Encoding.UTF8.GetBytes(body), "fuzz-b").Select(f => f.Kind).ToList();
}
