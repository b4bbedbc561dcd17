using System.Diagnostics;
using System.Text;

namespace FedActors.Tests.Fuzzing;

/// <summary>What a fuzzing run saw; <see cref="Failures"/> is empty when the reader held up.</summary>
internal sealed record FuzzReport(
    int Inputs,
    int Read,
    int Refused,
    IReadOnlyList<string> Failures,
    long MostAllocated,
    FuzzInput? MostAllocating,
    TimeSpan Slowest,
    FuzzInput? SlowestInput,
    TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Inputs} inputs in {Elapsed.TotalSeconds:F2} s: {Read} read, {Refused} refused with the reader's error, {Failures.Count} failures; " +
        $"most allocated {MostAllocated} bytes by {MostAllocating}; slowest {Slowest.TotalMilliseconds:F1} ms, {SlowestInput}";
}

/// <summary>
/// Feeds a reader of outside bytes every input of a <see cref="FuzzInputs"/> and checks that it either reads the
/// input or throws exactly its own <typeparamref name="TError"/> with a message that names the problem; that it
/// allocates (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) no more than the bound given for that input; and
/// that the whole run ends within a time limit (a reader's loops must be bounded by its input). The run goes on a
/// thread of its own, so a hang is reported with the input it hangs on instead of hanging the test. A reader that
/// takes the process down (a stack overflow cannot be caught) leaves no report: run again with
/// <c>FEDACTORS_FUZZ_TRACE</c> set to a file, which then holds the input being read, base64, when the process died.
/// </summary>
internal static class ParserFuzz
{
    private const int MaxFailuresShown = 10;
    private const int MaxBytesShown = 4096;

    /// <param name="inputs">The inputs, in order: a <see cref="FuzzInputs"/>, or inputs kept from earlier runs.</param>
    /// <param name="arrange">
    /// Runs unmeasured before each read (writes a temporary file, computes a checksum) and returns the read itself,
    /// which is measured.
    /// </param>
    /// <param name="allocationBound">The most bytes the read of this input may allocate.</param>
    /// <param name="checkError">
    /// Extra demands on a <typeparamref name="TError"/> (that it names the file): null when met, else what is wrong.
    /// A non-empty message is always demanded.
    /// </param>
    /// <param name="timeLimit">For the whole run; by default a minute plus 5 ms an input.</param>
    public static FuzzReport Run<TError>(
        IReadOnlyList<FuzzInput> inputs,
        Func<FuzzInput, Action> arrange,
        Func<FuzzInput, long> allocationBound,
        Func<TError, FuzzInput, string?>? checkError = null,
        TimeSpan? timeLimit = null)
        where TError : Exception
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(arrange);
        ArgumentNullException.ThrowIfNull(allocationBound);
        // Generous: it is there to catch a reader that loops, not a slow machine.
        var limit = timeLimit ?? TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(5) * inputs.Count;
        var failures = new List<string>();
        FuzzInput? current = null;
        FuzzReport? report = null;
        Exception? harnessError = null;
        var clock = Stopwatch.StartNew();

        var worker = new Thread(() =>
        {
            try
            {
                report = RunAll(inputs, arrange, allocationBound, checkError, failures, input => Volatile.Write(ref current, input), clock);
            }
            catch (Exception e)
            {
                harnessError = e;
            }
        })
        {
            IsBackground = true, // a reader that never returns must not keep the test host alive
            Name = "parser fuzz",
        };
        worker.Start();
        if (!worker.Join(limit))
            throw new TimeoutException($"the reader did not get through {inputs.Count} inputs in {limit}; stuck on {Volatile.Read(ref current)}");
        if (harnessError is not null)
            throw new InvalidOperationException($"the fuzzing harness failed on {current}; bytes: {Show(current?.Bytes ?? [])}", harnessError);
        return report!;
    }

    /// <summary>Throws naming the first failures (seed, input, what happened, the bytes) when there are any.</summary>
    public static void AssertNoFailures(FuzzReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Failures.Count == 0) return;
        var text = new StringBuilder($"{report.Failures.Count} of {report.Inputs} inputs were mishandled:");
        foreach (var failure in report.Failures.Take(MaxFailuresShown)) text.Append('\n').Append(failure);
        throw new Xunit.Sdk.XunitException(text.ToString());
    }

    private static FuzzReport RunAll<TError>(
        IReadOnlyList<FuzzInput> inputs,
        Func<FuzzInput, Action> arrange,
        Func<FuzzInput, long> allocationBound,
        Func<TError, FuzzInput, string?>? checkError,
        List<string> failures,
        Action<FuzzInput> starting,
        Stopwatch clock)
        where TError : Exception
    {
        int read = 0, refused = 0;
        long mostAllocated = 0;
        FuzzInput? mostAllocating = null, slowestInput = null;
        var slowest = TimeSpan.Zero;
        var timer = new Stopwatch();
        var trace = Environment.GetEnvironmentVariable("FEDACTORS_FUZZ_TRACE");
        foreach (var input in inputs)
        {
            starting(input);
            if (!string.IsNullOrEmpty(trace)) File.WriteAllText(trace, $"{input}\n{Show(input.Bytes)}\n");
            var action = arrange(input);
            var bound = allocationBound(input);
            timer.Restart();
            var before = GC.GetAllocatedBytesForCurrentThread();
            string? failure = null;
            try
            {
                action();
                read++;
            }
            catch (Exception e) when (e.GetType() == typeof(TError))
            {
                refused++;
                failure = string.IsNullOrWhiteSpace(e.Message) ? "its error has no message" : checkError?.Invoke((TError)e, input);
                if (failure is not null) failure = $"{typeof(TError).Name} \"{e.Message}\": {failure}";
            }
            catch (Exception e)
            {
                failure = $"{e.GetType().FullName} instead of {typeof(TError).Name}: {e.Message}\n    {StackTop(e)}";
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            timer.Stop();
            if (allocated > bound)
                failure = (failure is null ? "" : failure + "; and ") + $"allocated {allocated} bytes, bound {bound}";
            if (failure is not null) failures.Add($"{input}: {failure}\n    bytes: {Show(input.Bytes)}");
            if (allocated > mostAllocated) (mostAllocated, mostAllocating) = (allocated, input);
            if (timer.Elapsed > slowest) (slowest, slowestInput) = (timer.Elapsed, input);
        }
        return new FuzzReport(inputs.Count, read, refused, failures, mostAllocated, mostAllocating, slowest, slowestInput, clock.Elapsed);
    }

    private static string StackTop(Exception e) =>
        e.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "(no stack trace)";

    private static string Show(byte[] bytes) =>
        bytes.Length <= MaxBytesShown
            ? "base64 " + Convert.ToBase64String(bytes)
            : $"{bytes.Length} bytes, first {MaxBytesShown} base64 " + Convert.ToBase64String(bytes, 0, MaxBytesShown);
}
