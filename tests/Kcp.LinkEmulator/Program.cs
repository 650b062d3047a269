using Kcp.LinkEmulator.Link;
using Kcp.LinkEmulator.Matrix;
using Kcp.LinkEmulator.Workloads;

// link: the forwarder alone, until Ctrl-C; server / client: the two ends, run inside the namespaces; matrix: all of it.
return args.FirstOrDefault() switch
{
    "link" => RunLink(args[1..]),
    "server" => await BenchServer.RunAsync(args[1..]),
    "client" => await WorkloadClient.RunAsync(args[1..]),
    "matrix" => await MatrixRunner.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunLink(string[] args)
{
    string name = args.Length >= 2 && args[0] == "--name" ? args[1] : "kcplink";
    LinkSettings settings = LinkSettings.Parse(args.Length >= 2 && args[0] == "--name" ? args[2..] : args);
    using var link = LossyLink.Create(name, settings);
    using var stop = new ManualResetEventSlim();
    // SIGINT and SIGTERM both end it cleanly (the namespaces go): a background job does not get Ctrl-C.
    using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
    Console.WriteLine($"{link.NamespaceA} ({LossyLink.AddressA}) <-> {link.NamespaceB} ({LossyLink.AddressB}): {settings}. Ctrl-C or SIGTERM ends.");
    while (!stop.Wait(TimeSpan.FromSeconds(5)))
    {
        Console.WriteLine($"a>b {link.AToB.Snapshot()}  b>a {link.BToA.Snapshot()}");
    }

    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Kcp.LinkEmulator link [--name kcplink] [--rtt-ms 200 --jitter-ms 0 --loss-pct 5 --burst 3 --reorder-pct 0 --bandwidth-mbit 20 --seed 1]
               Kcp.LinkEmulator server [--address 10.77.0.2]                      (inside namespace B)
               Kcp.LinkEmulator client --workload http|signalr|grpc|download|probe|datagrams|datagrams-stream --config tcp|normal|fast|fast2|fast3[+fec] ...  (inside A)
               Kcp.LinkEmulator matrix [--out dir] [--rtts 40,200] [--losses 0,1,5,10] [--burst 3] [--configs ...] [--workloads ...] [--seconds 10]
        """);
    return 2;
}
