// Every test class starts a real Kestrel with UDP and TCP sockets; on a shared 2-core machine running them one at a
// time keeps the generous timeouts far from the real durations.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
