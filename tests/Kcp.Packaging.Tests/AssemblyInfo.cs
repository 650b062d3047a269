// Each class runs whole builds (an AOT publish, two packs and a consumer's restore and build) in child processes: one
// at a time on a shared 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
