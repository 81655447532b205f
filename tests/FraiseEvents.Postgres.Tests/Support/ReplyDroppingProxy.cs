using System.Net;
using System.Net.Sockets;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>
/// A TCP proxy in front of PostgreSQL that forwards everything until it is told to drop the next
/// reply: then it swallows the server's next bytes and cuts both connections. PostgreSQL sends an
/// autocommitted statement's reply only once the transaction has committed, so this is the "the
/// commit happened but its reply was lost" failure, which killing a backend cannot produce.
/// </summary>
internal sealed class ReplyDroppingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;
    private int _armed;

    private ReplyDroppingProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when a reply has been dropped.</summary>
    public TaskCompletionSource ReplyDropped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static ReplyDroppingProxy Start(string targetHost, int targetPort) => new(targetHost, targetPort);

    public void DropNextReply() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
                lock (_pumps)
                {
                    _pumps.Add(PumpAsync(client, server, fromServer: false));
                    _pumps.Add(PumpAsync(server, client, fromServer: true));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool fromServer)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.GetStream().ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (fromServer && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    ReplyDropped.TrySetResult();
                    break;
                }

                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The other side went away: close this side too.
        }

        from.Close();
        to.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
