using Xunit.Abstractions;
using Xunit.Sdk;

namespace Platform.VectorSearch.Tests;

/// <summary>
/// Marks a contract-suite class that needs a server named by an environment variable; without it every test of the class is
/// reported skipped (with the variable named), never passed.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresEnvironmentAttribute(string variable) : Attribute
{
    public string Variable { get; } = variable;
}

/// <summary>A fact of the contract suite: skipped in classes whose <see cref="RequiresEnvironmentAttribute"/> is unmet.</summary>
[XunitTestCaseDiscoverer("Platform.VectorSearch.Tests.ContractFactDiscoverer", "VectorSearch.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>A theory of the contract suite: skipped in classes whose <see cref="RequiresEnvironmentAttribute"/> is unmet.</summary>
[XunitTestCaseDiscoverer("Platform.VectorSearch.Tests.ContractTheoryDiscoverer", "VectorSearch.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractTheoryAttribute : TheoryAttribute;

internal static class MissingEnvironment
{
    public static string? ReasonFor(ITestMethod testMethod)
    {
        var required = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresEnvironmentAttribute)).FirstOrDefault();
        var variable = required?.GetConstructorArguments().FirstOrDefault() as string;
        return variable is not null && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable))
            ? $"{variable} is not set: no server to run against."
            : null;
    }
}

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        MissingEnvironment.ReasonFor(testMethod) is { } reason
            ? new SkippedTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)
            : base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
}

public sealed class ContractTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        MissingEnvironment.ReasonFor(testMethod) is { } reason
            ? [new SkippedTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

/// <summary>A test case reported as skipped with a reason decided at discovery.</summary>
public sealed class SkippedTestCase : XunitTestCase
{
    private string _reason = "";

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedTestCase()
    {
    }

    public SkippedTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, string reason)
        : base(sink, display, options, testMethod)
    {
        _reason = reason;
        SkipReason = reason;
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("Reason", _reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        base.Deserialize(data);
        _reason = data.GetValue<string>("Reason");
        SkipReason = _reason;
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _reason;
}
