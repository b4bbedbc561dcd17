using FedActors.Core;

namespace FedActors.Core.Tests;

public sealed class MetricRecordTests
{
    [Fact]
    public void Csv_must_round_trip_doubles_and_quote_commas()
    {
        var row = new MetricRecord(3, "heads", "fl+ssl", "a,b", "shapes", "acc1", 0.1 + 0.2).ToCsv();
        Assert.Equal("3,heads,fl+ssl,\"a,b\",shapes,acc1,0.30000000000000004", row);
    }
}
