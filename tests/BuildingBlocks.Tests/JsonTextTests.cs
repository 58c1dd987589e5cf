using System.Text;
using System.Text.Json;
using Platform.BuildingBlocks.Validation;

namespace Platform.BuildingBlocks.Tests;

/// <summary><see cref="JsonText"/>: the path of the first string or property name of a parsed JSON value that is not valid Unicode.</summary>
public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"a":"ok","b":["x","\ud800"]}""", "body.b[1]")]
    [InlineData("""{"a":{"b":"\udfff tail"}}""", "body.a.b")]
    [InlineData("""["\ud800\ud800"]""", "body[0]")]
    [InlineData("""{"\udc00":1}""", "body (a property name)")]
    [InlineData("\"\\ud800\"", "body")]
    public void A_lone_surrogate_anywhere_is_named_by_its_path(string json, string path) =>
        Assert.Equal(path, JsonText.FirstInvalidUnicode(Parse(Encoding.UTF8.GetBytes(json)), "body"));

    [Fact]
    public void Bytes_that_are_not_utf8_inside_a_string_are_named_too()
    {
        var json = Encoding.UTF8.GetBytes("""{"ok":"fine","note":"a""").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();

        Assert.Equal("body.note", JsonText.FirstInvalidUnicode(Parse(json), "body"));
    }

    [Theory]
    [InlineData("""{"emoji":"\ud83d\ude00","text":"line\nbreak and \u0000 are text","n":1,"t":true,"z":null,"a":[]}""")]
    [InlineData("\"😀 ünïcödé\"")]
    [InlineData("42")]
    public void Valid_text_including_surrogate_pairs_and_control_characters_passes(string json) =>
        Assert.Null(JsonText.FirstInvalidUnicode(Parse(Encoding.UTF8.GetBytes(json)), "body"));

    private static JsonElement Parse(byte[] utf8) => JsonSerializer.Deserialize<JsonElement>(utf8);
}
