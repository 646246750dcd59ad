namespace Shop;

// Version 2 renames Count to Total and changes nothing else.
public record Report(int Total, string Source)
{
    public static Report Compute(int id) => new(id * 10, "v2");

    public string Describe() => $"Total={Total} Source={Source}";
}
