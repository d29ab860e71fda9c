namespace Ops.Supervision.Tests;

public class InstanceIdTests
{
    [Theory]
    [InlineData("web:0", "web", 0)]
    [InlineData("web:1", "web", 1)]
    [InlineData("a:7", "a", 7)]
    [InlineData("0:3", "0", 3)]
    [InlineData("my-app_2:12", "my-app_2", 12)]
    [InlineData("task-x:0", "task-x", 0)]
    [InlineData("web:2147483647", "web", int.MaxValue)]
    [InlineData("web:007", "web", 7)]
    public void TryParse_ProgramColonDigits_GivesProgramAndIndex(string text, string program, int index)
    {
        Assert.True(InstanceId.TryParse(text, out var id));
        Assert.Equal(new InstanceId(program, index), id);
        Assert.Equal((program, index), (id.Program, id.Index));
        Assert.Equal(id, InstanceId.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("web")]
    [InlineData(":")]
    [InlineData("web:")]
    [InlineData(":0")]
    [InlineData("web:0:0")]
    [InlineData("web::0")]
    [InlineData("a:b:1")]
    [InlineData("web:-1")]
    [InlineData("web:+1")]
    [InlineData("web:-0")]
    [InlineData("web:2147483648")]
    [InlineData("web:99999999999")]
    [InlineData("web:\u0661")]
    [InlineData("web:\uff11")]
    [InlineData("web:1\u0662")]
    [InlineData(" web:1")]
    [InlineData("web:1 ")]
    [InlineData("web: 1")]
    [InlineData("web :1")]
    [InlineData("web:1\n")]
    [InlineData("web:0x1")]
    [InlineData("web:1e2")]
    [InlineData("web:1.0")]
    [InlineData("web:1,000")]
    [InlineData("WEB:1")]
    [InlineData("w\u00e9b:1")]
    [InlineData("-web:1")]
    [InlineData("_web:1")]
    [InlineData("we/b:1")]
    [InlineData("..:1")]
    [InlineData("all")]
    public void TryParse_NotProgramColonDigits_IsFalse(string text)
    {
        Assert.False(InstanceId.TryParse(text, out var id));
        Assert.Equal(default, id);
        var error = Assert.Throws<FormatException>(() => InstanceId.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Null_IsFalse()
    {
        Assert.False(InstanceId.TryParse(null, out _));
        Assert.Throws<ArgumentNullException>(() => InstanceId.Parse(null!));
    }

    [Theory]
    [InlineData("web", 0)]
    [InlineData("web", 1)]
    [InlineData("a", int.MaxValue)]
    [InlineData("task-x", 3)]
    [InlineData("9_-", 10)]
    public void ToString_ThenParse_GivesTheSameId(string program, int index)
    {
        var id = new InstanceId(program, index);

        Assert.Equal($"{program}:{index}", id.ToString());
        Assert.Equal(id, InstanceId.Parse(id.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Web")]
    [InlineData("web:1")]
    [InlineData("we b")]
    [InlineData("-web")]
    [InlineData("../web")]
    public void Constructor_NotAProgramName_Throws(string program) =>
        Assert.Throws<ArgumentException>(() => new InstanceId(program, 0));

    [Fact]
    public void Constructor_NegativeIndex_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new InstanceId("web", -1));

    [Fact]
    public void Equality_SameProgramAndIndex_Equal()
    {
        Assert.Equal(new InstanceId("web", 1), new InstanceId("web", 1));
        Assert.NotEqual(new InstanceId("web", 1), new InstanceId("web", 2));
        Assert.NotEqual(new InstanceId("web", 1), new InstanceId("api", 1));
    }

    [Theory]
    [InlineData("web", "web")]
    [InlineData("web:1", "web")]
    [InlineData("web:x", "web")]
    [InlineData("a:b:1", "a:b")]
    [InlineData(":0", "")]
    public void ProgramPart_Target_IsTheTextBeforeTheLastColon(string target, string program) =>
        Assert.Equal(program, InstanceId.ProgramPart(target));
}
