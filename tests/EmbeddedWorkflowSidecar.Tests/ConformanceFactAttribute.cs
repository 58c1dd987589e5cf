using Xunit.Abstractions;
using Xunit.Sdk;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>Marks a conformance-suite class that runs against a real daprd.</summary>
public interface IRunsOnRealSidecar;

/// <summary>
/// A conformance test: runs on every backend subclass, but on a real-sidecar class it is reported skipped when
/// <c>DAPR_GRPC_ENDPOINT</c> names no sidecar (never passed without one).
/// </summary>
[XunitTestCaseDiscoverer("Platform.EmbeddedWorkflowSidecar.Tests.ConformanceFactDiscoverer", "EmbeddedWorkflowSidecar.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ConformanceFactAttribute : FactAttribute;

public sealed class ConformanceFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var testClass = testMethod.TestClass.Class.ToRuntimeType();
        if (typeof(IRunsOnRealSidecar).IsAssignableFrom(testClass)
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RealSidecarFixture.EndpointVariable)))
        {
            yield return new XunitSkippedDataRowTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod,
                $"No real Dapr sidecar: set {RealSidecarFixture.EndpointVariable} to run the conformance suite against daprd.");
            yield break;
        }

        yield return new XunitTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}
