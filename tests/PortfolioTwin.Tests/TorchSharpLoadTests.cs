using TorchSharp;
using static TorchSharp.torch;

namespace Platform.PortfolioTwin.Tests;

/// <summary>Proves the native TorchSharp library loads on this host (the build weakens its GLIBCXX_3.4.32 need) and trains.</summary>
public sealed class TorchSharpLoadTests
{
    [Fact]
    public void A_small_network_trains_and_its_loss_decreases()
    {
        torch.manual_seed(7);
        using var scope = torch.NewDisposeScope();
        var net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1));
        var x = torch.randn(64, 4);
        var y = x.sum(1, keepdim: true);
        var optimizer = optim.Adam(net.parameters(), lr: 0.05);
        var losses = new List<float>();
        for (int step = 0; step < 20; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(net.call(x), y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.True(losses[^1] < losses[0] * 0.5, $"loss went {losses[0]} → {losses[^1]}");
    }
}
