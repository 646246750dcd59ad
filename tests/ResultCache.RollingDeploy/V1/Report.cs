namespace Shop;

// Version 1 of the result.
public record Report(int Count, string Source)
{
    public static Report Compute(int id) => new(id * 10, "v1");

    public string Describe() => $"Count={Count} Source={Source}";
}
