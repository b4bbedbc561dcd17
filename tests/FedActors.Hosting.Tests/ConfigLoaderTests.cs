using FedActors.Hosting.Configuration;

namespace FedActors.Hosting.Tests;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Loader_must_name_the_unknown_key_and_its_file()
    {
        using var dir = new TempDir();
        var file = dir.File("bad.conf", "fedactors.simclr { rounds = 3, lerning-rate = 0.1 }");
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([file], []));
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains("fedactors.simclr.lerning-rate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_must_suggest_a_close_key()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([], ["fedactors.simclr.temprature=0.5"]));
        Assert.Contains("did you mean 'temperature'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--set fedactors.simclr.temprature=0.5", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedactors.simclr.rounds=three", "key 'fedactors.simclr.rounds' must be an integer, got 'three'")]
    [InlineData("fedactors.simclr.lr=fast", "key 'fedactors.simclr.lr' must be a number, got 'fast'")]
    [InlineData("fedactors.simclr.augment.flip=7", "key 'fedactors.simclr.augment.flip' must be a boolean (true/false), got '7'")]
    [InlineData("fedactors.arms=cl", "key 'fedactors.arms' must be a list, got 'cl'")]
    [InlineData("fedactors.engine.round-timeout=soon", "key 'fedactors.engine.round-timeout' must be a duration (e.g. 30s, 5m), got 'soon'")]
    [InlineData("fedactors.model=resnet18", "key 'fedactors.model' must be an object, got 'resnet18'")]
    // HOCON concatenates an object and a string into a string, so this is not an object either.
    [InlineData("fedactors.model={ arch = resnet18 }x", "key 'fedactors.model' must be an object, got ")]
    public void Loader_must_reject_a_value_of_the_wrong_kind(string assignment, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([], [assignment]));
        Assert.StartsWith($"--set {assignment}: {expected}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_must_check_list_entries_against_their_template()
    {
        using var dir = new TempDir();
        var file = dir.File("clients.conf", """
            fedactors.data.clients = [
              { id = "a", task = "shapes" }
              { id = "b", tsk = "textures" }
            ]
            """);
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([file], []));
        Assert.Contains("fedactors.data.clients[1].tsk", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_must_refuse_setting_a_schema_template()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load([], ["fedactors.data.clients-template.id=x"]));
        Assert.Contains("template", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Later_layers_must_win_and_be_traced_to_their_source()
    {
        using var dir = new TempDir();
        var a = dir.File("a.conf", "fedactors.simclr.rounds = 3\nfedactors.heads.rounds = 4");
        var b = dir.File("b.conf", "fedactors.simclr.rounds = 5");
        var loaded = ConfigLoader.Load([a, b], ["fedactors.heads.rounds=9"]);
        Assert.Equal(5, loaded.Config.GetInt("fedactors.simclr.rounds"));
        Assert.Equal(9, loaded.Config.GetInt("fedactors.heads.rounds"));
        Assert.Equal(b, loaded.SourceOf("fedactors.simclr.rounds"));
        Assert.Equal("--set fedactors.heads.rounds=9", loaded.SourceOf("fedactors.heads.rounds"));
        Assert.Equal("reference.conf", loaded.SourceOf("fedactors.supervised.rounds"));
    }

    [Fact]
    public void Set_must_take_a_value_that_is_not_valid_hocon_as_a_string()
    {
        var loaded = ConfigLoader.Load([], ["fedactors.output.dir=/tmp/a b:c"]);
        Assert.Equal("/tmp/a b:c", loaded.Config.GetString("fedactors.output.dir"));
    }

    [Fact]
    public void Missing_file_must_be_named()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(["/nonexistent/x.conf"], []));
        Assert.Contains("/nonexistent/x.conf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Akka_settings_must_pass_through()
    {
        var loaded = ConfigLoader.Load([], ["akka.loglevel=DEBUG"]);
        Assert.Equal("DEBUG", loaded.Config.GetString("akka.loglevel"));
    }

    [Fact]
    public void Every_reference_key_must_have_a_comment()
    {
        using var stream = typeof(FedActors.Engine.Experiment).Assembly.GetManifestResourceStream(ConfigLoader.ReferenceResource)!;
        var reference = new StreamReader(stream).ReadToEnd();

        var keys = ConfComments.Keys(reference);

        // The reader sees the file's keys, block openers and nested keys included.
        Assert.True(keys.Count > 150, $"only {keys.Count} keys read from reference.conf");
        Assert.Contains(keys, k => k.Name == "trainer-slots");
        Assert.Contains(keys, k => k.Name == "split-brain-resolver");
        Assert.Contains(keys, k => k.Name == "stable-after");
        var undocumented = ConfComments.Undocumented(reference);
        Assert.True(undocumented.Count == 0, "keys without a comment right above them: " + string.Join("; ", undocumented));
    }

    [Fact]
    public void Comment_check_must_accept_a_key_with_a_comment_right_above_it()
    {
        const string conf = """
            # Root.
            fedactors {
              # A list of objects: its entries are values.
              clients = [
                { id = "a", task = "t" }
                { id = "b" }
              ]
              # A value holding '#', '//' and '[' in quotes.
              url = "akka.tcp://x@h:1/#[" # and a trailing comment [
              # Next.
              next: 2
            }
            """;

        Assert.Equal(["fedactors", "clients", "url", "next"], ConfComments.Keys(conf).Select(k => k.Name));
        Assert.Empty(ConfComments.Undocumented(conf));
    }

    [Theory]
    [InlineData("# A block.\nblock {\n  key = 1\n}", "line 3: key")]            // a block's opening line is no comment
    [InlineData("# Two keys.\nfirst = 1\nsecond = 2", "line 3: second")]        // nor is the key above
    [InlineData("# Detached.\n\nkey = 1", "line 3: key")]                       // nor a comment a blank line away
    [InlineData("key = 1", "line 1: key")]
    [InlineData("# Doc.\nlist = [\n  1\n]\nafter = 2", "line 5: after")]       // the list is closed again
    public void Comment_check_must_report_a_key_without_a_comment_right_above_it(string conf, string expected)
    {
        Assert.Equal([expected], ConfComments.Undocumented(conf));
    }
}
