using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;
using Platform.MarketData.Postgres;

namespace Platform.Deploy.Tests;

/// <summary>
/// Renders each overlay with <c>kubectl kustomize</c> and checks the objects against dapr.yaml, components/, the Dockerfiles
/// and the configuration the apps' code reads: annotations, probes, resources, security, scaling, Dapr resources, secrets
/// referenced and never inline, and every setting an app needs present in its environment.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    /// <summary>The stateless APIs, scaled by an HPA and protected by a PDB; training-workflow runs as one replica.</summary>
    private static readonly string[] StatelessApis = ["valuation", "portfolio-twin"];

    private const int QdrantGrpcPort = 6334;
    private const string MigrateJob = "db-migrate";
    private const string AppSecret = "platform-secrets";
    private const string OwnerSecret = "platform-db-owner";

    public static TheoryData<string> Overlays => ["kind", "production"];

    [Fact]
    public void There_is_a_base_and_the_two_overlays()
    {
        foreach (var folder in new[] { "base", "overlays/kind", "overlays/production" })
        {
            Assert.True(File.Exists(Repo.PathOf($"deploy/k8s/{folder}/kustomization.yaml")), $"deploy/k8s/{folder}/kustomization.yaml is missing");
        }

        Assert.Equal(["kind", "production"], Directory.GetDirectories(Repo.PathOf("deploy/k8s/overlays")).Select(Path.GetFileName).Order());
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_Dapr_app_is_a_Deployment_with_the_app_id_port_and_settings_of_dapr_yaml(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        Assert.Equal(Repo.DaprApps.Select(a => a.Id).Order(), manifests.OfKind("Deployment").Select(Manifests.NameOf).Order());
        foreach (var app in Repo.DaprApps)
        {
            var deployment = manifests.Get("Deployment", app.Id);
            var annotations = deployment.At("spec.template.metadata").Map("annotations");
            Assert.Equal("true", annotations.ScalarOrNull("dapr.io/enabled"));
            Assert.Equal(app.Id, annotations.ScalarOrNull("dapr.io/app-id"));
            Assert.Equal(app.Port.ToString(), annotations.ScalarOrNull("dapr.io/app-port"));
            Assert.Equal("true", annotations.ScalarOrNull("dapr.io/log-as-json"));
            Assert.Equal("true", annotations.ScalarOrNull("dapr.io/enable-app-health-check"));
            Assert.Equal(app.HealthCheckPath, annotations.ScalarOrNull("dapr.io/app-health-check-path"));
            var config = annotations.ScalarOrNull("dapr.io/config") ?? throw new InvalidDataException($"{app}: no dapr.io/config");
            Assert.NotNull(manifests.Find("Configuration", config));

            var container = Manifests.Container(deployment, app.Id);
            Assert.Equal([app.Port.ToString()], container.Maps("ports").Select(p => p.Scalar("containerPort")));
            Assert.Matches($"(^|/)platform-?/?{Regex.Escape(app.Id)}:", container.Scalar("image"));

            // A Service in front, whose target is the app port.
            var service = manifests.Get("Service", app.Id);
            Assert.Equal(PodLabels(deployment), service.At("spec").Map("selector").ToDictionary(e => (string)e.Key, e => (string)e.Value));
            var servicePort = Assert.Single(service.At("spec").Maps("ports"));
            Assert.Equal(app.Port, ResolvePort(container, servicePort.Scalar("targetPort")));
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void The_apps_are_probed_on_ready_and_health_at_their_port(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var app in Repo.DaprApps)
        {
            var container = Manifests.Container(manifests.Get("Deployment", app.Id), app.Id);
            foreach (var (probe, path) in new[] { ("readinessProbe", "/ready"), ("livenessProbe", "/health") })
            {
                var get = container.Map(probe).Map("httpGet");
                Assert.Equal(path, get.Scalar("path"));
                Assert.Equal(app.Port, ResolvePort(container, get.Scalar("port")));
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_container_has_cpu_and_memory_requests_and_limits(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var workload in manifests.Workloads)
        {
            foreach (var container in Manifests.AllContainers(workload))
            {
                var resources = container.Map("resources");
                foreach (var bound in new[] { "requests", "limits" })
                {
                    Assert.True(resources.MapOrEmpty(bound).ContainsKey("cpu") && resources.MapOrEmpty(bound).ContainsKey("memory"),
                        $"{overlay}: {Manifests.NameOf(workload)}/{container.Scalar("name")} lacks {bound} for cpu and memory");
                }
            }

            if (Manifests.KindOf(workload) == "Deployment")
            {
                var annotations = workload.At("spec.template.metadata").Map("annotations");
                Assert.All(new[] { "cpu-request", "memory-request", "cpu-limit", "memory-limit" },
                    a => Assert.True(annotations.ContainsKey($"dapr.io/sidecar-{a}"), $"{Manifests.NameOf(workload)}: sidecar {a} missing"));
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_pod_runs_non_root_without_privilege_escalation_on_a_read_only_root(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var workload in manifests.Workloads)
        {
            var pod = Manifests.PodSpec(workload);
            var name = Manifests.NameOf(workload);
            Assert.True(pod.Map("securityContext").ScalarOrNull("runAsNonRoot") == "true", $"{overlay}: {name} is not runAsNonRoot");
            Assert.NotEqual("0", pod.Map("securityContext").ScalarOrNull("runAsUser"));
            foreach (var container in Manifests.AllContainers(workload))
            {
                var security = container.Map("securityContext");
                Assert.True(security.ScalarOrNull("allowPrivilegeEscalation") == "false", $"{overlay}: {name} may escalate privileges");
                Assert.True(security.ScalarOrNull("readOnlyRootFilesystem") == "true", $"{overlay}: {name} has a writable root filesystem");
                Assert.NotEqual("true", security.ScalarOrNull("privileged"));
                Assert.Contains("ALL", security.MapOrEmpty("capabilities").ListOrEmpty("drop").Cast<string>());
            }
        }

        foreach (var app in Repo.DaprApps)
        {
            var deployment = manifests.Get("Deployment", app.Id);
            var account = Manifests.PodSpec(deployment).Scalar("serviceAccountName");
            Assert.NotNull(manifests.Find("ServiceAccount", account));

            // The image's writable paths (its VOLUMEs) are mounted, so a read-only root filesystem works.
            foreach (var container in Manifests.AllContainers(deployment))
            {
                var mounts = container.Maps("volumeMounts").Select(m => m.Scalar("mountPath").TrimEnd('/')).ToList();
                Assert.All(DockerfileTests.WritablePaths(), path => Assert.Contains(path, mounts));
            }
        }

        // The Jobs run the same image (the migrate step, kind's demo data): its writable paths are mounted there too.
        foreach (var job in manifests.OfKind("Job"))
        {
            foreach (var container in Manifests.AllContainers(job))
            {
                var mounts = container.Maps("volumeMounts").Select(m => m.Scalar("mountPath").TrimEnd('/')).ToList();
                Assert.All(DockerfileTests.WritablePaths(), path => Assert.Contains(path, mounts));
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void The_stateless_APIs_have_an_autoscaler_and_a_disruption_budget(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        Assert.Subset(Repo.DaprApps.Select(a => a.Id).ToHashSet(), StatelessApis.ToHashSet());
        foreach (var id in StatelessApis)
        {
            var deployment = manifests.Get("Deployment", id);
            var hpa = Assert.Single(manifests.OfKind("HorizontalPodAutoscaler"), h => h.At("spec.scaleTargetRef").Scalar("name") == id);
            Assert.Equal("Deployment", hpa.At("spec.scaleTargetRef").Scalar("kind"));
            var minReplicas = int.Parse(hpa.At("spec").Scalar("minReplicas"));
            Assert.True(minReplicas >= 2, $"{id}: an HPA minimum of {minReplicas} leaves no replica during a disruption");
            Assert.True(int.Parse(hpa.At("spec").Scalar("maxReplicas")) > minReplicas);

            var pdb = Assert.Single(manifests.OfKind("PodDisruptionBudget"), p => Selects(p.At("spec.selector"), PodLabels(deployment)));
            var minAvailable = int.Parse(pdb.At("spec").Scalar("minAvailable"));
            Assert.InRange(minAvailable, 1, minReplicas - 1);
        }

        var others = Repo.DaprApps.Select(a => a.Id).Except(StatelessApis).ToList();
        Assert.DoesNotContain(manifests.OfKind("HorizontalPodAutoscaler"), h => others.Contains(h.At("spec.scaleTargetRef").Scalar("name")));
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void The_Dapr_components_mirror_the_local_ones_with_secrets_referenced_never_inline(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var local = LocalComponents();
        var rendered = manifests.OfKind("Component").ToDictionary(Manifests.NameOf);
        Assert.Equal(local.Keys.Order(), rendered.Keys.Order());
        foreach (var (name, component) in local)
        {
            var type = rendered[name].At("spec").Scalar("type");
            var expected = component.At("spec").Scalar("type");
            // Production keeps artifacts in object storage; the adapter speaks both bindings.
            Assert.True(type == expected || (overlay == "production" && name == new DaprOptions().ArtifactBindingName && type == "bindings.aws.s3"),
                $"{overlay}: component {name} is {type}, {expected} expected");
            Assert.Equal(ScopesOf(component), ScopesOf(rendered[name]));
        }

        foreach (var component in rendered.Values)
        {
            foreach (var entry in component.At("spec").Maps("metadata"))
            {
                var key = entry.Scalar("name");
                if (SecretMetadata().IsMatch(key))
                {
                    Assert.True(entry.ContainsKey("secretKeyRef") && !entry.ContainsKey("value"),
                        $"{overlay}: {Manifests.NameOf(component)}.{key} must be a secretKeyRef, not an inline value");
                }

                Assert.DoesNotMatch("(?i)password=", entry.ScalarOrNull("value") ?? "");
            }
        }

        // Dapr Workflow keeps its state in the actor state store: the platform's state store is it.
        Assert.Equal("true", Manifests.MetadataValue(rendered[new DaprOptions().StateStoreName], "actorStateStore"));
        Assert.Equal("v2", rendered[new DaprOptions().StateStoreName].At("spec").Scalar("version"));
        Assert.Equal(Manifests.MetadataValue(local[new DaprOptions().StateStoreName], "keyPrefix"),
            Manifests.MetadataValue(rendered[new DaprOptions().StateStoreName], "keyPrefix"));

        // The sidecar configuration and the resiliency policies, as locally.
        var configuration = Yaml.LoadFile(Repo.PathOf(Repo.RunFile.Map("common").Scalar("configFilePath")));
        Assert.NotNull(manifests.Find("Configuration", Manifests.NameOf(configuration)));
        var resiliency = Assert.Single(manifests.OfKind("Resiliency"));
        var localResiliency = LocalResources().Single(r => Manifests.KindOf(r) == "Resiliency");
        Assert.Equal(Flatten(localResiliency.Map("spec")), Flatten(resiliency.Map("spec")));
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Only_the_twin_of_the_same_namespace_may_invoke_valuation_and_only_its_estimate(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var valuation = manifests.Get("Deployment", "valuation");
        var name = valuation.At("spec.template.metadata").Map("annotations").Scalar("dapr.io/config");
        var spec = manifests.Get("Configuration", name).Map("spec");
        var acl = spec.Map("accessControl");
        var local = Yaml.LoadFile(Repo.PathOf("components/valuation-configuration.yaml")).Map("spec").Map("accessControl");

        Assert.Equal("deny", acl.Scalar("defaultAction"));
        var policy = Assert.IsType<Dictionary<object, object>>(Assert.Single(acl.List("policies")));
        Assert.Equal("portfolio-twin", policy.Scalar("appId"));
        // The caller's SPIFFE id names its namespace: the twin's, as rendered.
        Assert.Equal(manifests.Get("Deployment", "portfolio-twin").Map("metadata").Scalar("namespace"), policy.Scalar("namespace"));
        // Otherwise the same allow-list as the self-hosted file's: POST /estimate only.
        Assert.Equal(Flatten(RemoveNamespace(local)), Flatten(RemoveNamespace(acl)));
        // The other settings are the shared configuration's, so tracing and metrics are the same on every sidecar.
        var shared = manifests.Get("Configuration", "platform-config").Map("spec");
        Assert.Equal(Flatten(shared), Flatten(spec.Where(e => (string)e.Key != "accessControl").ToDictionary(e => e.Key, e => e.Value)));

        static Dictionary<object, object> RemoveNamespace(Dictionary<object, object> accessControl) => new(accessControl)
        {
            ["policies"] = accessControl.Maps("policies").Select(p => (object)p.Where(e => (string)e.Key != "namespace").ToDictionary(e => e.Key, e => e.Value)).ToList(),
        };
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Retraining_is_scheduled_weekly_by_the_cron_binding_for_training_workflow(string overlay)
    {
        var names = new DaprOptions();
        var schedule = Manifests.Render(overlay).Get("Component", names.RetrainScheduleBindingName);
        Assert.Equal("bindings.cron", schedule.At("spec").Scalar("type"));
        Assert.Equal($"{DaprInputBindingEndpoints.RoutePrefix}/{names.RetrainScheduleBindingName}", Manifests.MetadataValue(schedule, "route"));
        Assert.Equal(["training-workflow"], schedule.List("scopes").Cast<string>());

        // Six fields (seconds first): a fixed time on one weekday, every week.
        var fields = Manifests.MetadataValue(schedule, "schedule")!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, fields.Length);
        Assert.All(fields[..3], f => Assert.Matches("^[0-9]+$", f));
        Assert.Equal(["*", "*"], fields[3..5]);
        Assert.Matches("^([0-6]|SUN|MON|TUE|WED|THU|FRI|SAT)$", fields[5]);
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_secret_referenced_exists_in_kind_and_none_is_committed_for_production(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var references = manifests.SecretReferences().ToList();
        Assert.NotEmpty(references);
        if (overlay == "production")
        {
            Assert.Empty(manifests.OfKind("Secret").Select(Manifests.NameOf));
            // The operator creates them: the deploy guide must name every secret and key.
            var guide = File.ReadAllText(Repo.PathOf("docs/deploy.md"));
            Assert.All(references, r => Assert.True(guide.Contains(r.Secret, StringComparison.Ordinal) && guide.Contains(r.Key, StringComparison.Ordinal),
                $"docs/deploy.md does not say how to create {r.Secret}/{r.Key} ({r.Where})"));
        }
        else
        {
            Assert.All(references, r => Assert.False(string.IsNullOrEmpty(manifests.SecretText(r.Secret, r.Key)), $"{r.Where}: {r.Secret}/{r.Key} is not rendered"));
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_setting_an_app_reads_from_its_environment_is_present_and_valid(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var app in Repo.DaprApps)
        {
            var deployment = manifests.Get("Deployment", app.Id);
            var environment = manifests.Environment(Manifests.Container(deployment, app.Id));
            string Value(string key) => environment.TryGetValue(key, out var source)
                ? source switch
                {
                    LiteralValue literal => literal.Value,
                    SecretValue secret => manifests.SecretText(secret.Secret, secret.Key) ?? $"<{secret.Secret}/{secret.Key}>",
                    _ => throw new InvalidDataException(key),
                }
                : throw new Xunit.Sdk.XunitException($"{overlay}: {app} does not set {key}");

            // What dapr.yaml gives the app locally, with the listening address opened to the pod network.
            foreach (var (key, local) in app.Environment)
            {
                var value = Value(key);
                if (key == "ASPNETCORE_URLS")
                {
                    Assert.Equal($"http://+:{app.Port}", value);
                }
                else if (key != "DOTNET_ENVIRONMENT")
                {
                    Assert.Equal(local, value, ignoreCase: true);
                }
            }

            // What the building blocks read, bound and validated the way the apps do at start-up.
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(environment.Keys.Select(k => new KeyValuePair<string, string?>(k.Replace("__", ":"), Value(k))))
                .Build();
            Assert.Equal(PlatformRuntime.Dapr, PlatformBuildingBlocksExtensions.RuntimeOf(configuration));
            Assert.True(environment.ContainsKey($"ConnectionStrings__{PlatformBuildingBlocksExtensions.ConnectionStringName}"),
                $"{overlay}: {app} lacks ConnectionStrings__{PlatformBuildingBlocksExtensions.ConnectionStringName}");
            Assert.IsType<SecretValue>(environment[$"ConnectionStrings__{PlatformBuildingBlocksExtensions.ConnectionStringName}"]);
            CheckConnectionString(manifests, PlatformBuildingBlocksExtensions.ResolveConnectionString(configuration)!);

            // The sidecar's token on what it delivers (and, for valuation, on service invocation) is the app's APP_API_TOKEN.
            var appToken = deployment.At("spec.template.metadata").Map("annotations").Scalar("dapr.io/app-token-secret");
            Assert.Equal(new SecretValue(appToken, "token"), environment.GetValueOrDefault("APP_API_TOKEN"));

            var dapr = configuration.GetSection(DaprOptions.SectionName).Get<DaprOptions>() ?? new DaprOptions();
            Assert.True(Validator.TryValidateObject(dapr, new ValidationContext(dapr), null, validateAllProperties: true), $"{app}: Dapr options invalid");
            Assert.Equal(app.Id, dapr.EventSource);

            // Admin routes (registry aliases, reloads, /workflows) need a configured key, from a secret.
            var apiKeys = configuration.GetSection(ApiKeyOptions.SectionName).Get<ApiKeyOptions>()?.ApiKeys ?? [];
            Assert.NotEmpty(apiKeys);
            Assert.IsType<SecretValue>(environment[$"{ApiKeyOptions.SectionName}__{nameof(ApiKeyOptions.ApiKeys)}__0"]);

            if (UsesVectorIndex(app))
            {
                CheckQdrant(manifests, app, configuration, environment);
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void Every_host_the_apps_and_components_name_is_a_Service_of_the_overlay(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var pubsub = manifests.Get("Component", new DaprOptions().PubSubName);
        var redis = Manifests.MetadataValue(pubsub, "redisHost")!.Split(':');
        Assert.True(manifests.ServiceOffers(redis[0], int.Parse(redis[1])), $"{overlay}: no Service {redis[0]} on {redis[1]}");
        Assert.True(manifests.ServiceOffers("postgres", 5432), $"{overlay}: no Service postgres on 5432");
        Assert.True(manifests.ServiceOffers("qdrant", QdrantGrpcPort), $"{overlay}: no Service qdrant on {QdrantGrpcPort}");

        var infrastructure = new[] { "postgres", "redis", "qdrant" };
        if (overlay == "kind")
        {
            // In the cluster: a StatefulSet with storage behind each Service.
            foreach (var name in infrastructure)
            {
                var set = manifests.Get("StatefulSet", name);
                Assert.NotEmpty(set.At("spec").ListOrEmpty("volumeClaimTemplates"));
                Assert.Equal(PodLabels(set), manifests.Get("Service", name).At("spec").Map("selector").ToDictionary(e => (string)e.Key, e => (string)e.Value));
            }
        }
        else
        {
            // Managed elsewhere: each name is an external endpoint, nothing of it runs in the cluster.
            Assert.Empty(manifests.OfKind("StatefulSet").Select(Manifests.NameOf));
            Assert.All(infrastructure, name => Assert.Equal("ExternalName", manifests.Get("Service", name).At("spec").Scalar("type")));
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void The_images_are_the_local_build_on_kind_and_the_registry_release_in_production(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var app in Repo.DaprApps)
        {
            var image = Manifests.Container(manifests.Get("Deployment", app.Id), app.Id).Scalar("image");
            if (overlay == "kind")
            {
                Assert.Equal($"platform/{app.Id}:dev", image);
            }
            else
            {
                Assert.Matches($@"^ghcr\.io/[a-z0-9-]+/platform-{Regex.Escape(app.Id)}:\d+\.\d+\.\d+$", image);
            }
        }
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public void The_migrate_Job_runs_as_the_owner_and_every_pod_serves_as_the_service_role_after_it(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var job = manifests.Get("Job", MigrateJob);
        var migrate = Manifests.Container(job, "migrate");
        // The all-in-one image, which has the `migrate` verb, as the overlay tags it.
        Assert.Matches(@"^(platform/platform:dev|ghcr\.io/[a-z0-9-]+/platform:\d+\.\d+\.\d+)$", migrate.Scalar("image"));
        var args = migrate.List("args").Cast<string>().ToList();
        Assert.Equal("migrate", args[0]);
        Assert.DoesNotContain("--check", args);
        var env = manifests.Environment(migrate);
        Assert.Equal(new SecretValue(AppSecret, "postgres-connection"), env[$"ConnectionStrings__{PlatformBuildingBlocksExtensions.ConnectionStringName}"]);
        Assert.Equal(new SecretValue(OwnerSecret, "owner-connection"), env[$"ConnectionStrings__{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}"]);
        Assert.Equal("OnFailure", Manifests.PodSpec(job).Scalar("restartPolicy"));

        // The owner's and the superuser's credentials reach no pod but the migrate Job's (and the server's own).
        foreach (var workload in manifests.Workloads.Where(w => Manifests.NameOf(w) is not MigrateJob and not "postgres"))
        {
            foreach (var container in Manifests.AllContainers(workload))
            {
                var name = $"{overlay}: {Manifests.NameOf(workload)}/{container.Scalar("name")}";
                var environment = manifests.Environment(container);
                Assert.DoesNotContain(environment.Values, v => v is SecretValue { Secret: OwnerSecret });
                Assert.False(environment.ContainsKey($"ConnectionStrings__{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}"), $"{name} has the owner's connection");
                Assert.False(environment.ContainsKey(PlatformBuildingBlocksExtensions.OwnerConnectionStringEnvironmentVariable), $"{name} has the owner's connection");
                Assert.DoesNotContain(container.Maps("envFrom"), f => f.ContainsKey("secretRef"));
            }
        }

        // Every app, and the demo data, waits for the migrated schema as the service login before it starts.
        foreach (var workload in manifests.Workloads.Where(w => Manifests.KindOf(w) == "Deployment" || Manifests.NameOf(w) == "demo-data"))
        {
            var wait = Assert.Single(Manifests.PodSpec(workload).Maps("initContainers"));
            Assert.Equal(migrate.Scalar("image"), wait.Scalar("image"));
            Assert.Equal(["migrate", "--check"], wait.List("args").Cast<string>().Take(2));
            var waitEnv = manifests.Environment(wait);
            Assert.Equal(new SecretValue(AppSecret, "postgres-connection"), Assert.Single(waitEnv).Value);
            var main = Manifests.PodSpec(workload).Maps("containers").First();
            Assert.Equal(waitEnv.Single().Value, manifests.Environment(main)[$"ConnectionStrings__{PlatformBuildingBlocksExtensions.ConnectionStringName}"]);
        }
    }

    [KustomizeFact]
    public void On_kind_the_apps_log_in_as_the_service_role_and_the_superuser_only_bootstraps()
    {
        var manifests = Manifests.Render("kind");
        var service = new NpgsqlConnectionStringBuilder(manifests.SecretText(AppSecret, "postgres-connection"));
        Assert.Equal(PostgresRoles.Service, service.Username);
        var server = manifests.Environment(Manifests.Container(manifests.Get("StatefulSet", "postgres"), "postgres"));
        Assert.Equal("postgres", ((LiteralValue)server["POSTGRES_USER"]).Value);
        Assert.Equal(new SecretValue(OwnerSecret, "postgres-password"), server["POSTGRES_PASSWORD"]);
        // The apps' Secret holds no password of the superuser or of the owner.
        var appSecret = manifests.Get("Secret", AppSecret).MapOrEmpty("data").Keys.Cast<string>().Select(k => manifests.SecretText(AppSecret, k)!).ToList();
        foreach (var key in new[] { "postgres-password", "owner-connection" })
        {
            var password = key == "owner-connection" ? new NpgsqlConnectionStringBuilder(manifests.SecretText(OwnerSecret, key)).Password! : manifests.SecretText(OwnerSecret, key)!;
            Assert.DoesNotContain(appSecret, v => v.Contains(password, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// kind's connection strings against its PostgreSQL: the apps log in as the service role, the sidecars' state store as its
    /// own login, the migrate Job as the owner and (bootstrap) the server's superuser, each with the password the bootstrap
    /// gives that role.
    /// </summary>
    private static void CheckConnectionString(Manifests manifests, string connectionString)
    {
        if (connectionString.StartsWith('<'))
        {
            return; // production: created by the operator
        }

        var service = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.True(manifests.ServiceOffers(service.Host!, service.Port), $"{manifests.Overlay}: the connection string names {service.Host}:{service.Port}, no such Service");
        Assert.Equal(PostgresRoles.Service, service.Username);
        Assert.False(string.IsNullOrEmpty(service.Password));
        var postgres = manifests.Get("StatefulSet", service.Host!);
        var server = manifests.Environment(Manifests.Container(postgres, "postgres"));
        var superuser = ((LiteralValue)server["POSTGRES_USER"]).Value;
        var superuserPassword = manifests.SecretText(((SecretValue)server["POSTGRES_PASSWORD"]).Secret, ((SecretValue)server["POSTGRES_PASSWORD"]).Key);
        Assert.NotEqual(superuser, service.Username);

        var migrate = manifests.Environment(Manifests.Container(manifests.Get("Job", MigrateJob), "migrate"));
        string Secret(string key) => migrate[key] is SecretValue s ? manifests.SecretText(s.Secret, s.Key)! : throw new InvalidDataException(key);
        Assert.Equal(connectionString, Secret("ConnectionStrings__Postgres"));
        var owner = new NpgsqlConnectionStringBuilder(Secret($"ConnectionStrings__{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}"));
        Assert.Equal(PostgresRoles.Owner, owner.Username);
        Assert.Equal((service.Host, service.Port, service.Database), (owner.Host, owner.Port, owner.Database));
        Assert.NotEqual(service.Password, owner.Password);
        var bootstrap = new NpgsqlConnectionStringBuilder(Secret("ConnectionStrings__PostgresBootstrap"));
        Assert.Equal((service.Host, service.Port, superuser, superuserPassword), (bootstrap.Host, bootstrap.Port, bootstrap.Username, bootstrap.Password));

        // The state store's pgx connection string: the same database, as the login the migrate Job creates for it.
        var store = manifests.Get("Component", new DaprOptions().StateStoreName).At("spec").Maps("metadata")
            .Single(m => m.Scalar("name") == "connectionString").Map("secretKeyRef");
        var pgx = manifests.SecretText(store.Scalar("name"), store.Scalar("key"))!
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(service.Host, pgx["host"]);
        Assert.Equal(service.Port.ToString(), pgx["port"]);
        Assert.Equal(PostgresRoles.DaprStateStore, pgx["user"]);
        Assert.Equal(Secret("Platform__Migrate__DaprStateStorePassword"), pgx["password"]);
        Assert.Equal(service.Database, pgx.GetValueOrDefault("dbname") ?? pgx["database"]);
    }

    private static void CheckQdrant(Manifests manifests, DaprApp app, IConfiguration configuration, IReadOnlyDictionary<string, EnvSource> environment)
    {
        var provider = configuration.GetSection(VectorIndexOptions.SectionName).Get<VectorIndexOptions>();
        Assert.Equal(VectorIndexProvider.Qdrant, provider?.Provider);
        var qdrant = configuration.GetSection(QdrantOptions.SectionName).Get<QdrantOptions>()!;
        Assert.True(Uri.TryCreate(qdrant.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https", $"{app}: Qdrant URL {qdrant.Url}");
        Assert.Equal(QdrantGrpcPort, url.Port);
        Assert.True(manifests.ServiceOffers(url.Host, url.Port), $"{manifests.Overlay}: Qdrant URL names {url.Host}:{url.Port}, no such Service");
        var apiKey = environment[$"{QdrantOptions.SectionName.Replace(":", "__")}__{nameof(QdrantOptions.ApiKey)}"];
        Assert.IsType<SecretValue>(apiKey);
        if (manifests.Find("StatefulSet", url.Host) is { } server)
        {
            // The server is given the same key the client sends.
            var serverKey = (SecretValue)manifests.Environment(Manifests.Container(server, "qdrant"))["QDRANT__SERVICE__API_KEY"];
            Assert.Equal(manifests.SecretText(serverKey.Secret, serverKey.Key), configuration[$"{QdrantOptions.SectionName}:{nameof(QdrantOptions.ApiKey)}"]);
        }
    }

    /// <summary>The apps whose Program registers the vector index read the VectorIndex settings.</summary>
    private static bool UsesVectorIndex(DaprApp app) =>
        Directory.EnumerateFiles(Repo.PathOf(app.Folder), "Program.cs").Any(f => File.ReadAllText(f).Contains("AddVectorIndex(", StringComparison.Ordinal));

    /// <summary>The components of dapr.yaml's default profile, less the local-only secret stores.</summary>
    private static Dictionary<string, Dictionary<object, object>> LocalComponents() =>
        LocalResources().Where(r => Manifests.KindOf(r) == "Component")
            .Where(r => !r.At("spec").Scalar("type").StartsWith("secretstores.local.", StringComparison.Ordinal))
            .ToDictionary(Manifests.NameOf);

    private static IEnumerable<Dictionary<object, object>> LocalResources() =>
        Repo.RunFile.Map("common").List("resourcesPaths").Cast<string>()
            .SelectMany(folder => Directory.GetFiles(Repo.PathOf(folder), "*.yaml"))
            .Select(Yaml.LoadFile);

    /// <summary>The apps a component serves: its scopes, or every app when it has none.</summary>
    private static List<string> ScopesOf(Dictionary<object, object> component) =>
        component.ListOrEmpty("scopes") is { Count: > 0 } scopes ? [.. scopes.Cast<string>().Order()] : [.. Repo.DaprApps.Select(a => a.Id).Order()];

    private static Dictionary<string, string> PodLabels(Dictionary<object, object> workload) =>
        workload.At("spec.template.metadata").Map("labels").ToDictionary(e => (string)e.Key, e => (string)e.Value);

    private static bool Selects(Dictionary<object, object> selector, Dictionary<string, string> labels) =>
        selector.Map("matchLabels").All(e => labels.TryGetValue((string)e.Key, out var value) && value == (string)e.Value);

    private static int ResolvePort(Dictionary<object, object> container, string port) =>
        int.TryParse(port, out var number) ? number
        : int.Parse(container.Maps("ports").Single(p => p.ScalarOrNull("name") == port).Scalar("containerPort"));

    /// <summary>A mapping as sorted "path=value" lines, to compare two trees whatever their key order.</summary>
    private static List<string> Flatten(object node, string path = "")
    {
        return node switch
        {
            Dictionary<object, object> map => map.SelectMany(e => Flatten(e.Value, $"{path}/{e.Key}")).Order().ToList(),
            List<object> list => list.SelectMany((item, i) => Flatten(item, $"{path}[{i}]")).ToList(),
            _ => [$"{path}={node}"],
        };
    }

    [GeneratedRegex("(?i)(password|connectionString|accessKey|secretKey|apiKey|token)$")]
    private static partial Regex SecretMetadata();
}
