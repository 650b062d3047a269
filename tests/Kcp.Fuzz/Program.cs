using Kcp.Fuzz;
using SharpFuzz;

// kcp-fuzz                 : AFL mode (run under afl-fuzz with an instrumented Kcp.Transport.dll, see fuzz.sh)
// kcp-fuzz --replay DIR... : run every file of the given corpus folders once, without AFL (reproduces findings)
if (args.Length > 0 && args[0] == "--replay")
{
    int files = 0;
    foreach (string folder in args.Skip(1))
    {
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            FuzzTargets.Datagram(File.ReadAllBytes(file));
            files++;
        }
    }

    Console.WriteLine($"replayed {files} inputs without a failure");
    return;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    FuzzTargets.Datagram(memory.ToArray());
});
