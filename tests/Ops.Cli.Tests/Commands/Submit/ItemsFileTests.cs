using Ops.Cli.CommandLine;
using Ops.Cli.Commands.Submit;

namespace Ops.Cli.Tests.Commands.Submit;

/// <summary>The two items file formats, and errors that name the line.</summary>
public sealed class ItemsFileTests
{
    [Fact]
    public void Parse_JsonArray_OneItemPerElementAsCompactJson()
    {
        var items = ItemsFile.Parse("[1, \"two\",\n { \"n\" : 3 }, [4, 5], null]", "items.json");

        Assert.Equal(["1", "\"two\"", "{\"n\":3}", "[4,5]", "null"], items);
    }

    [Fact]
    public void Parse_JsonLines_OneItemPerNonBlankLine()
    {
        var items = ItemsFile.Parse("{\"n\": 1}\r\n\n  {\"n\": 2}  \n[3]\n", "items.jsonl");

        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "[3]"], items);
    }

    [Fact]
    public void Parse_OneObject_IsOneItem()
    {
        Assert.Equal(["{\"n\":1}"], ItemsFile.Parse("{ \"n\": 1 }\n", "one.json"));
    }

    [Fact]
    public void Parse_BadLine_NamesFileAndLine()
    {
        var error = Assert.Throws<UsageException>(() => ItemsFile.Parse("1\n2\nthree\n4", "items.jsonl"));

        Assert.StartsWith("items.jsonl:3: not a JSON value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedArray_ReportsTheArrayNotTheFirstLine()
    {
        var error = Assert.Throws<UsageException>(() => ItemsFile.Parse("[1,\n2,\n3", "items.json"));

        Assert.StartsWith("items.json:3: not a JSON array of items", error.Message, StringComparison.Ordinal);
    }
}
