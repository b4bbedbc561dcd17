namespace FedActors.Hosting.Reporting;

/// <summary>Run folders a report cannot use: the message names the folder, file or key at fault.</summary>
public sealed class ReportException : Exception
{
    public ReportException(string message)
        : base(message)
    {
    }

    public ReportException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
