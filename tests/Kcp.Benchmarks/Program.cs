using BenchmarkDotNet.Running;
using Kcp.Benchmarks.Tools;

// `ceiling`, `load`, `flood` and `http` are the measurement tools compare.sh drives, `failures` the README's failure table,
// `fallback` its fallback table, `firstack` and `admission` the first-reply and admission figures; anything else goes to
// BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "ceiling" => UdpCeiling.Run(args[1..]),
    "load" => await EchoLoad.RunAsync(args[1..]),
    "flood" => await FloodRetention.RunAsync(args[1..]),
    "failures" => await FailureLatency.RunAsync(args[1..]),
    "fallback" => await FallbackLatency.RunAsync(args[1..]),
    "http" => await HttpComparison.RunAsync(args[1..]),
    "firstack" => await FirstAckLatency.RunAsync(args[1..]),
    "admission" => await AdmissionTimes.RunAsync(args[1..]),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
