using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kcp.Transport;
using Kcp.Transport.Io.Linux;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// The loopback ceiling: how many raw UDP datagrams per second one sender thread gets to one receiver thread, with
/// one system call per datagram (sendto/recvfrom) and batched (sendmmsg/recvmmsg, 64 per call); and the floor of a
/// round trip: one datagram bounced between two threads that block in recv, the two wake-ups any echo pays at least.
/// Prints one JSON line per mode. Usage: ceiling [--seconds S] [--size BYTES]
/// </summary>
internal static unsafe class UdpCeiling
{
    private const int Batch = 64;

    public static int Run(string[] args)
    {
        double seconds = 3;
        int size = 1400;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--size": size = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        Measure("single", seconds, size, batched: false);
        if (LinuxUdp.IsSupported)
        {
            Measure("batched", seconds, size, batched: true);
        }

        MeasureRoundTrip(seconds, size);
        return 0;
    }

    private static void MeasureRoundTrip(double seconds, int size)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(echo.LocalEndPoint!);
        echo.Connect(client.LocalEndPoint!);
        client.ReceiveTimeout = 1000;   // a lost datagram ends the run instead of hanging it
        echo.ReceiveTimeout = 200;
        using var stop = new CancellationTokenSource();
        var bounce = new Thread(() =>
        {
            byte[] buffer = new byte[size + 64];
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    int n = echo.Receive(buffer);
                    echo.Send(buffer.AsSpan(0, n));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                }
            }
        });
        bounce.Start();
        byte[] datagram = new byte[size];
        byte[] reply = new byte[size + 64];
        long roundTrips = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                client.Send(datagram);
                client.Receive(reply);
                roundTrips++;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            Console.Error.WriteLine("round trip: a datagram was lost; the figure covers the round trips before it");
        }

        double elapsed = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        bounce.Join();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"mode":"round-trip","size":{{size}},"round_trips_per_s":{{roundTrips / elapsed:F0}},"round_trip_us":{{elapsed * 1e6 / Math.Max(1, roundTrips):F1}}}"""));
    }

    private static void Measure(string mode, double seconds, int size, bool batched)
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.ReceiveBufferSize = 4 << 20;
        sender.SendBufferSize = 4 << 20;
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        receiver.ReceiveTimeout = 200;
        SocketAddress to = receiver.LocalEndPoint!.Serialize();
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long received = 0, sent = 0;
        var clock = Stopwatch.StartNew();
        var receive = new Thread(() => received = batched ? ReceiveBatched(receiver, size, stop.Token) : ReceiveSingle(receiver, size, stop.Token));
        var send = new Thread(() => sent = batched ? SendBatched(sender, to, size, stop.Token) : SendSingle(sender, to, size, stop.Token));
        receive.Start();
        send.Start();
        send.Join();
        receive.Join();
        double elapsed = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"mode":"{{mode}}","size":{{size}},"sent_pps":{{sent / elapsed:F0}},"received_pps":{{received / elapsed:F0}},"mbps":{{received * size / elapsed / 1e6:F1}}}"""));
    }

    private static long SendSingle(Socket socket, SocketAddress to, int size, CancellationToken stop)
    {
        byte[] datagram = new byte[size];
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            socket.SendTo(datagram, SocketFlags.None, to);
            count++;
        }

        return count;
    }

    private static long ReceiveSingle(Socket socket, int size, CancellationToken stop)
    {
        byte[] buffer = new byte[size + 64];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                socket.ReceiveFrom(buffer, SocketFlags.None, from);
                count++;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }

        return count;
    }

    private static long SendBatched(Socket socket, SocketAddress to, int size, CancellationToken stop)
    {
        byte[] data = GC.AllocateArray<byte>(size, pinned: true);
        byte[] name = GC.AllocateArray<byte>(LinuxUdp.NameSize, pinned: true);
        to.Buffer.Span[..to.Size].CopyTo(name);
        var iov = GC.AllocateArray<LinuxUdp.IoVec>(1, pinned: true);
        var messages = GC.AllocateArray<LinuxUdp.MMsgHdr>(Batch, pinned: true);
        iov[0].Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
        iov[0].Length = (nuint)size;
        for (int i = 0; i < Batch; i++)
        {
            messages[i].Header.Name = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(name));
            messages[i].Header.NameLength = (uint)to.Size;
            messages[i].Header.Iov = (LinuxUdp.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(iov));
            messages[i].Header.IovLength = 1;
        }

        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            int n = LinuxUdp.SendMMsg(fd, (LinuxUdp.MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(messages)), Batch, 0);
            if (n > 0)
            {
                count += n;
            }
        }

        return count;
    }

    private static long ReceiveBatched(Socket socket, int size, CancellationToken stop)
    {
        int slot = size + 64;
        byte[] data = GC.AllocateArray<byte>(slot * Batch, pinned: true);
        var iovs = GC.AllocateArray<LinuxUdp.IoVec>(Batch, pinned: true);
        var messages = GC.AllocateArray<LinuxUdp.MMsgHdr>(Batch, pinned: true);
        byte* basePtr = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
        for (int i = 0; i < Batch; i++)
        {
            iovs[i].Base = basePtr + (i * slot);
            iovs[i].Length = (nuint)slot;
            messages[i].Header.Iov = (LinuxUdp.IoVec*)Unsafe.AsPointer(ref iovs[i]);
            messages[i].Header.IovLength = 1;
        }

        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            int n = LinuxUdp.RecvMMsg(fd, (LinuxUdp.MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(messages)), Batch, LinuxUdp.MsgDontWait, null);
            if (n > 0)
            {
                count += n;
            }
            else
            {
                LinuxUdp.Wait(fd, LinuxUdp.PollIn, 100);
            }
        }

        return count;
    }
}
