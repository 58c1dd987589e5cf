using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.StateStore;
using Platform.Dapr.Tests.FakeSidecar;
using Platform.Testing.Contracts;

namespace Platform.Dapr.Tests;

/// <summary>What the Dapr mode adds beyond the port contracts: subscriptions, tokens, options, invocation, bindings.</summary>
public sealed class DaprAdapterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_subscribe_handler_lists_one_route_per_topic_with_its_dead_letter_topic()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();
        await using var app = await TestApp.StartAsync(sidecar, services =>
        {
            services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.ModelDeployed));
            services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.ModelDeployed));
            services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.DeadLetter(Topics.Estimates)));
        });

        await sidecar.Delivery.AttachAppAsync(app.Address);

        Assert.Equal(
        [
            new SubscriptionDelivery.Subscription("pubsub", Topics.DeadLetter(Topics.Estimates), "/events/estimates-deadletter", null),
            new SubscriptionDelivery.Subscription("pubsub", Topics.ModelDeployed, "/events/model-deployed", "model-deployed-deadletter"),
        ], sidecar.Delivery.Subscriptions.OrderBy(s => s.Topic, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_handler_of_a_topic_gets_the_event_and_a_retry_from_one_redelivers_to_all()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();
        var succeeding = new RecordingHandler(Topics.Estimates);
        var flaky = new RecordingHandler(Topics.Estimates, attempt => attempt == 1 ? DeliveryResult.Retry : DeliveryResult.Success);
        await using var app = await TestApp.StartAsync(sidecar, services =>
        {
            services.AddSingleton<IEventHandler>(succeeding);
            services.AddSingleton<IEventHandler>(flaky);
        });
        await sidecar.Delivery.AttachAppAsync(app.Address);

        var id = await app.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.Estimates, new { price = 1 });
        await flaky.NextAsync(Timeout);
        await flaky.NextAsync(Timeout);

        Assert.All(succeeding.Deliveries.Concat(flaky.Deliveries), e => Assert.Equal(id, e.Id));
        Assert.Equal(["RETRY", "SUCCESS"], (await sidecar.Delivery.WaitForAttemptsAsync(2, Timeout)).Select(a => a.AppStatus));
    }

    [Fact]
    public async Task With_an_app_token_the_sidecar_only_routes_demand_it_and_the_sidecar_that_sends_it_delivers()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync(new FakeSidecarOptions { AppApiToken = "app-secret" });
        var handler = new RecordingHandler(Topics.ModelDeployed);
        await using var app = await TestApp.StartAsync(
            sidecar,
            services => services.AddSingleton<IEventHandler>(handler),
            endpoints => endpoints.MapGet("/public", () => "open"));
        using var http = new HttpClient { BaseAddress = app.Address };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dapr/subscribe")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/events/model-deployed", new StringContent("{}"))).StatusCode);
        using var wrongToken = new HttpRequestMessage(HttpMethod.Get, "/dapr/subscribe") { Headers = { { "dapr-api-token", "app-secreT" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrongToken)).StatusCode);
        Assert.Equal("open", await http.GetStringAsync("/public"));

        await sidecar.Delivery.AttachAppAsync(app.Address);
        var id = await app.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.ModelDeployed, new { version = 3 });

        Assert.Equal(id, (await handler.NextAsync(Timeout)).Id);
        Assert.Empty(handler.Deliveries.Skip(1));
    }

    [Fact]
    public async Task The_Dapr_api_token_from_configuration_is_sent_and_a_client_without_it_is_refused()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync(new FakeSidecarOptions { DaprApiToken = "dapr-secret" });
        await using var app = await TestApp.StartAsync(sidecar);
        var store = app.Services.GetRequiredService<IStateStore>();

        var etag = await store.SaveAsync("tokens|a", [1]);
        Assert.Equal(etag, (await store.GetAsync("tokens|a"))!.ETag);

        using var anonymous = sidecar.CreateClient();
        var refused = new DaprStateStore(anonymous, SidecarFixture.Options);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => refused.GetAsync("tokens|a"));
        var rpc = Assert.IsType<RpcException>(error is DaprException { InnerException: { } inner } ? inner : error);
        Assert.Equal(StatusCode.Unauthenticated, rpc.StatusCode);
    }

    [Fact]
    public async Task Component_names_are_validated_when_the_app_starts()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestApp.StartAsync(sidecar, settings: new Dictionary<string, string?> { ["Dapr:PubSubName"] = "Pub Sub" }));

        Assert.Contains("PubSubName", error.Message);
    }

    private sealed record EstimateRequest(string PropertyId);

    private sealed record EstimateResponse(string PropertyId, decimal Value);

    [Fact]
    public async Task Service_invocation_reaches_the_other_app_through_the_sidecar_and_surfaces_its_errors()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync(new FakeSidecarOptions { DaprApiToken = "dapr-secret" });
        await using var valuation = await TestApp.StartAsync(sidecar, endpoints: endpoints =>
            endpoints.MapPost("/estimate", (EstimateRequest request) => request.PropertyId == "unknown"
                ? Results.Problem("no such property", statusCode: 404)
                : Results.Ok(new EstimateResponse(request.PropertyId, 412_000m))));
        sidecar.RegisterApp("valuation", valuation.Address);
        await using var portfolioTwin = await TestApp.StartAsync(sidecar);
        var invoker = portfolioTwin.Services.GetRequiredService<IServiceInvoker>();

        var estimate = await invoker.InvokeAsync<EstimateRequest, EstimateResponse>("valuation", "/estimate", new EstimateRequest("p-17"));
        var error = await Assert.ThrowsAsync<ServiceInvocationException>(() =>
            invoker.InvokeAsync<EstimateRequest, EstimateResponse>("valuation", "estimate", new EstimateRequest("unknown")));

        Assert.Equal(new EstimateResponse("p-17", 412_000m), estimate);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("no such property", error.Message);
    }

    [Fact]
    public async Task Service_invocation_passes_the_callers_headers_on_and_the_callee_gets_its_app_token_not_the_callers_api_token()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync(new FakeSidecarOptions { DaprApiToken = "dapr-secret", AppApiToken = "app-secret" });
        await using var valuation = await TestApp.StartAsync(sidecar, endpoints: endpoints =>
            endpoints.MapPost("/estimate", (HttpContext context) => Results.Ok(new SeenHeaders(
                context.Request.Headers["X-Tenant-Id"].ToString(), context.Request.Headers["dapr-api-token"].ToString()))));
        sidecar.RegisterApp("valuation", valuation.Address);
        await using var portfolioTwin = await TestApp.StartAsync(sidecar);
        var invoker = portfolioTwin.Services.GetRequiredService<IServiceInvoker>();

        var seen = await invoker.InvokeAsync<EstimateRequest, SeenHeaders>(
            "valuation", "estimate", new EstimateRequest("p-17"), headers: new Dictionary<string, string> { ["X-Tenant-Id"] = "alpha" });

        Assert.Equal(new SeenHeaders("alpha", "app-secret"), seen);
    }

    private sealed record SeenHeaders(string Tenant, string Token);

    [Fact]
    public async Task The_cron_binding_route_runs_the_trigger_and_is_guarded_by_the_app_token()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync(new FakeSidecarOptions { AppApiToken = "app-secret" });
        var triggered = 0;
        await using var app = await TestApp.StartAsync(sidecar, endpoints: endpoints =>
            endpoints.MapDaprInputBinding("retrain-schedule", (_, _) => { Interlocked.Increment(ref triggered); return Task.CompletedTask; }));
        using var http = new HttpClient { BaseAddress = app.Address };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/bindings/retrain-schedule", null)).StatusCode);
        using var fromSidecar = new HttpRequestMessage(HttpMethod.Post, "/bindings/retrain-schedule") { Headers = { { "dapr-api-token", "app-secret" } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(fromSidecar)).StatusCode);

        Assert.Equal(1, triggered);
    }

    [Fact]
    public async Task The_key_index_is_kept_in_the_store_but_hidden_and_reserved()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();
        using var client = sidecar.CreateClient();
        var store = new DaprStateStore(client, SidecarFixture.Options);

        await store.SaveAsync("workflow|1|history", [1]);
        await store.SaveAsync("plain", [2]);

        Assert.Equal(["__index|", "__index|workflow", "plain", "workflow|1|history"], sidecar.State.Keys("statestore"));
        Assert.Equal(["plain", "workflow|1|history"], await store.ListKeysAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync("__index|workflow", [0]));
    }

    [Fact]
    public async Task Artifacts_travel_base64_encoded_and_land_as_raw_bytes_in_local_storage()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();
        using var client = sidecar.CreateClient();
        var store = new DaprArtifactStore(client, SidecarFixture.Options);
        byte[] content = [0xFF, 0x00, .. Encoding.UTF8.GetBytes("model")];

        await store.PutAsync("models/price/v1/model.zip", new MemoryStream(content));

        var binding = await client.InvokeBindingAsync(new global::Dapr.Client.BindingRequest("artifacts", "get") { Metadata = { ["fileName"] = "models/price/v1/model.zip" } });
        Assert.Equal(content, binding.Data.ToArray());
    }

    [Fact]
    public async Task A_malformed_event_body_is_dropped_not_retried()
    {
        await using var sidecar = await FakeDaprSidecar.StartAsync();
        await using var app = await TestApp.StartAsync(sidecar, services => services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.Estimates)));
        using var http = new HttpClient { BaseAddress = app.Address };

        var response = await http.PostAsync("/events/estimates", new StringContent("{not json", Encoding.UTF8, "application/cloudevents+json"));

        Assert.Equal("DROP", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }
}
