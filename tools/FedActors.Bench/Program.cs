using FedActors.Bench;

// Scale benchmarks. Build once, then run one figure at a time (the machine is small: never two at once):
//   dotnet build -c Release tools/FedActors.Bench
//   dotnet <bin>/FedActors.Bench.dll --figure fedavg|overhead|rss|train|datashare|simclr|rounds|strategies [--repeat N]
// Each figure prints its measurements and the ratio it is judged by; BENCHMARKS.md quotes them.
return BenchCommand.Run(args);
