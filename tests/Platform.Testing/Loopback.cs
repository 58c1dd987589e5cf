using System.Net;
using System.Net.Sockets;

namespace Platform.Testing;

/// <summary>Addresses for hosts a test starts on loopback.</summary>
public static class Loopback
{
    /// <summary>A port free right now (the OS picks it; a host bound to it moments later gets it in practice).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
