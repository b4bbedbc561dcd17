using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace FedActors.Hosting.Configuration;

/// <summary>
/// What a user's HOCON must keep to before and after Akka's parser sees it. Akka's HOCON parser (1.5) was written for
/// trusted text, and fuzzing it found inputs that take the process down instead of failing:
/// <list type="bullet">
/// <item>inside a list, a character that cannot start a value (<c>[a&amp;b]</c>, <c>[=]</c>, a <c>}</c>) stops it
/// advancing: it loops forever, adding empty elements until memory runs out. Brackets need not look unbalanced for
/// that: after a key with no <c>=</c>, and after a key path's <c>.</c>, the parser skips closing brackets, and it
/// skips an opening brace that no key precedes, so that its idea of where a list ends can differ from the text's;</item>
/// <item>a substitution that reaches itself (<c>a = ${a}</c>, <c>a = ${b}, b = ${a}</c>, or <c>${</c> left open, which
/// names the root) overflows the stack at the first read, and a stack overflow ends the process;</item>
/// <item>deep nesting or long key paths recurse as deep as they go, and substitutions that double at each step
/// (<c>b = ${a}${a}</c>, <c>c = ${b}${b}</c>, ...) make a few hundred bytes read as gigabytes.</item>
/// </list>
/// <see cref="CheckText"/> reads the text the way Akka's tokenizer does and refuses those shapes, and unclosed
/// brackets, strings and substitutions, which valid HOCON never has; <see cref="CheckValues"/> walks the parsed values,
/// evaluating none, for cycles, depth and expansion. Both throw a <see cref="ConfigException"/> naming the source.
/// </summary>
internal static class HoconLimits
{
    /// <summary>Brackets, key path segments and substitution steps; reference.conf needs 6.</summary>
    public const int MaxDepth = 64;

    /// <summary>Refuses text that Akka's parser cannot be trusted with; see the class summary.</summary>
    public static void CheckText(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        new TextWalk(text, source).Run();
    }

    /// <summary>
    /// Refuses substitutions that reach themselves, chains of them deeper than <see cref="MaxDepth"/>, and values that
    /// would expand past 64 K characters plus 16 times the text's length: walks the parsed values, evaluating none.
    /// </summary>
    public static void CheckValues(Config parsed, int textLength, string source)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.Root is null) return;
        new ValueWalk(source, 64 * 1024 + 16L * textLength).Measure(parsed.Root, 0);
    }

    private static ConfigException Refused(string source, string why) => new($"{source}: {why}");

    /// <summary>One pass over the text with the parser's view of where keys, values and lists are.</summary>
    private sealed class TextWalk(string text, string source)
    {
        /// <summary>Characters that end unquoted text in Akka's tokenizer.</summary>
        private const string NotInUnquotedText = "$\"{}[]:=,#`^?!@*&\\";

        /// <summary>Inside a list, outside quotes, these cannot start a value: the parser stops advancing.</summary>
        private const string NotInList = "}:=`^?!@*&\\";

        private readonly Stack<Frame> _open = new();
        private Place _place = Place.Key; // the root is an object, with or without braces
        private int _line = 1;
        private int _depth; // of the innermost object or list: brackets and key path segments leading to it
        private int _dots; // in the key path being read
        private bool _keyPending; // a key has been read, and no '=', ':' or '{' after it yet
        private bool _afterDot; // a key path's '.' has been read, and no key segment after it yet
        private bool _started; // something other than white space and comments has been read
        private bool _rootClosed; // the text's first character was '{', and its '}' has been read

        private enum Place
        {
            Key,
            ValueStart,
            Value,
            List,
        }

        private readonly record struct Frame(char Bracket, int Line, Place Parent, int ParentDepth, bool BracedRoot);

        public void Run()
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '#' || (c == '/' && At(i + 1) == '/'))
                {
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    if (_place == Place.Value) _place = Place.Key;
                    continue;
                }
                if (char.IsWhiteSpace(c))
                {
                    if (c == '\n') _line++;
                    // A value runs on over spaces and tabs; other white space ends it (but cannot start one).
                    if (_place == Place.Value && c is not (' ' or '\t')) _place = Place.Key;
                    continue;
                }
                if (_rootClosed) throw Refused("text after the '}' that closes the whole configuration");
                var first = !_started;
                _started = true;
                i = _place switch
                {
                    Place.Key => Key(c, i, first),
                    Place.List => List(c, i),
                    _ => Value(c, i),
                };
            }
            if (_open.Count > 0) throw Refused($"the '{_open.Peek().Bracket}' of line {_open.Peek().Line} is never closed");
            if (_keyPending || _afterDot) throw Refused("the last key has no value");
        }

        /// <summary>Where the parser reads keys (its <c>ParseObject</c> and <c>ParseKeyContent</c>).</summary>
        private int Key(char c, int i, bool first)
        {
            switch (c)
            {
                case '{' when _keyPending && !_afterDot:
                    _keyPending = false;
                    Open(c, Place.Key);
                    return i;
                case '{' when first:
                    Open(c, Place.Key, bracedRoot: true);
                    return i;
                case '{':
                    // The parser ignores it, and the matching '}' then closes the enclosing object.
                    throw Refused("an object needs a key before its '{'");
                case '}' or ']' or '[' or ',' when _keyPending || _afterDot:
                    // After a key, the parser skips closing brackets while it looks for the key's value.
                    throw Refused("a key without a value");
                case '}':
                    Close(c);
                    return i;
                case '[' or ']':
                    throw Refused($"'{c}' where a key should be");
                case '=' or ':' when _keyPending && !_afterDot:
                    _keyPending = false;
                    _dots = 0;
                    _place = Place.ValueStart;
                    return i;
                case '=' or ':' when _afterDot:
                    throw Refused("a key path cannot end with '.'");
                case '.':
                    if (_depth + ++_dots > MaxDepth) throw Refused($"nesting deeper than {MaxDepth}");
                    _keyPending = _afterDot = true;
                    return i;
                case '"':
                    // A key in quotes; triple quotes read as an empty key and a quote, as the parser reads them.
                    _keyPending = true;
                    _afterDot = false;
                    return SkipQuoted(i);
                default:
                    if (!_keyPending && IncludeAt(i) is var quote and > 0) return SkipQuoted(quote);
                    // '=' or ':' with no key before it is skipped by the parser too; so are stray characters (it throws).
                    if (c is not ('=' or ':'))
                    {
                        _keyPending = true;
                        _afterDot = false;
                    }
                    return i;
            }
        }

        /// <summary>After '=' or ':' (the parser's <c>ParseValue</c>): strings, substitutions, objects, lists, text.</summary>
        private int Value(char c, int i)
        {
            _place = Place.Value;
            switch (c)
            {
                case '"':
                    return At(i + 1) == '"' && At(i + 2) == '"' ? SkipTripleQuoted(i) : SkipQuoted(i);
                case '$' when At(i + 1) == '{':
                    return SkipSubstitution(i);
                case '{' or '[':
                    Open(c, c == '{' ? Place.Key : Place.List);
                    return i;
                case '}' or ']':
                    Close(c);
                    return i;
                case ',' or '=' or ':':
                    // The value ends; the parser skips a ',' and an '=' or ':' that no key precedes.
                    _place = Place.Key;
                    return i;
                default:
                    return i;
            }
        }

        /// <summary>Between the brackets of a list (the parser's <c>ParseArray</c>).</summary>
        private int List(char c, int i)
        {
            switch (c)
            {
                case '"':
                    return At(i + 1) == '"' && At(i + 2) == '"' ? SkipTripleQuoted(i) : SkipQuoted(i);
                case '$' when At(i + 1) == '{':
                    return SkipSubstitution(i);
                case '{' or '[':
                    Open(c, c == '{' ? Place.Key : Place.List);
                    return i;
                case ']':
                    Close(c);
                    return i;
                default:
                    if (NotInList.Contains(c) || c == '$') throw Refused($"'{c}' cannot stand in a list outside quotes");
                    return i;
            }
        }

        private void Open(char bracket, Place inside, bool bracedRoot = false)
        {
            var depth = _depth + _dots + 1;
            if (depth > MaxDepth) throw Refused($"nesting deeper than {MaxDepth}");
            _open.Push(new Frame(bracket, _line, _place, _depth, bracedRoot));
            _depth = depth;
            _dots = 0;
            _place = inside;
        }

        private void Close(char bracket)
        {
            var opening = bracket == '}' ? '{' : '[';
            if (_open.Count == 0) throw Refused($"'{bracket}' closes nothing");
            var frame = _open.Peek();
            if (frame.Bracket != opening) throw Refused($"'{bracket}' closes the '{frame.Bracket}' of line {frame.Line}");
            _open.Pop();
            _depth = frame.ParentDepth;
            _dots = 0;
            _rootClosed = frame.BracedRoot;
            // An object after a key ends its entry; an object or list in a value may be followed by more of the value.
            _place = frame.Parent switch
            {
                Place.Key => Place.Key,
                Place.List => Place.List,
                _ => Place.Value,
            };
        }

        /// <summary>The index of the closing quote; a backslash escapes the character after it.</summary>
        private int SkipQuoted(int i)
        {
            var start = _line;
            for (var j = i + 1; j < text.Length; j++)
            {
                if (text[j] == '\n') _line++;
                if (text[j] == '\\') j++;
                else if (text[j] == '"') return j;
            }
            throw Refused($"the string that begins on line {start} is never closed");
        }

        /// <summary>The index of the last quote of the <c>"""</c> that closes the one at <paramref name="i"/>.</summary>
        private int SkipTripleQuoted(int i)
        {
            var close = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
            if (close < 0) throw Refused($"the \"\"\" string that begins on line {_line} is never closed");
            for (var j = i + 3; j < close; j++)
            {
                if (text[j] == '\n') _line++;
            }
            return close + 2;
        }

        /// <summary>The index of the '}' of the substitution at <paramref name="i"/>: a path of unquoted text, then '}'.</summary>
        private int SkipSubstitution(int i)
        {
            var end = i + 2;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && !NotInUnquotedText.Contains(text[end])
                   && !(text[end] == '/' && At(end + 1) == '/'))
                end++;
            if (end == i + 2 || At(end) != '}')
                throw Refused("a substitution must be a path in ${...}, on one line, with nothing else inside");
            return end;
        }

        /// <summary>
        /// Where the quoted name of an include directive at <paramref name="i"/> begins, as the parser finds one: the
        /// word, white space or a comment, then a quote; otherwise 0 (it is a key).
        /// </summary>
        private int IncludeAt(int i)
        {
            const string word = "include";
            if (string.CompareOrdinal(text, i, word, 0, word.Length) != 0) return 0;
            var j = i + word.Length;
            if (!(char.IsWhiteSpace(At(j)) || At(j) == '#' || (At(j) == '/' && At(j + 1) == '/'))) return 0;
            while (j < text.Length)
            {
                if (char.IsWhiteSpace(text[j])) j++;
                else if (text[j] == '#' || (text[j] == '/' && At(j + 1) == '/'))
                {
                    while (j < text.Length && text[j] != '\n') j++;
                }
                else break;
            }
            return At(j) == '"' ? j : 0;
        }

        private char At(int i) => i < text.Length ? text[i] : '\0';

        private ConfigException Refused(string why) => HoconLimits.Refused(source, $"line {_line}: {why}");
    }

    /// <summary>Sizes of values with every substitution expanded, each substitution measured once.</summary>
    private sealed class ValueWalk(string source, long limit)
    {
        private readonly Dictionary<HoconSubstitution, (long Size, int Height)> _measured = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<HoconSubstitution> _open = new(ReferenceEqualityComparer.Instance);

        /// <summary>
        /// The expanded size of <paramref name="value"/>, and how many steps its deepest part lies below it;
        /// <paramref name="depth"/> counts the steps taken to reach it.
        /// </summary>
        public (long Size, int Height) Measure(HoconValue value, int depth)
        {
            if (depth > MaxDepth) throw Refused(source, $"values or substitutions nested deeper than {MaxDepth}");
            long size = 1;
            var height = 0;
            void Add((long Size, int Height) part)
            {
                size += part.Size;
                height = Math.Max(height, part.Height + 1);
                if (size > limit) throw Refused(source, $"substitutions expand the configuration past {limit} characters");
            }
            foreach (var element in value.Values)
            {
                switch (element)
                {
                    case HoconLiteral literal:
                        Add((1 + (literal.Value?.Length ?? 0), 0));
                        break;
                    case HoconObject obj:
                        foreach (var item in obj.Items.Values) Add(Measure(item, depth + 1));
                        break;
                    case HoconArray array:
                        foreach (var item in array) Add(Measure(item, depth + 1));
                        break;
                    case HoconSubstitution substitution:
                        Add(Substituted(substitution, depth + 1));
                        break;
                }
            }
            return (size, height);
        }

        private (long Size, int Height) Substituted(HoconSubstitution substitution, int depth)
        {
            if (_measured.TryGetValue(substitution, out var known))
            {
                if (depth + known.Height > MaxDepth) throw Refused(source, $"values or substitutions nested deeper than {MaxDepth}");
                return known;
            }
            if (substitution.ResolvedValue is null) return (0, 0);
            if (!_open.Add(substitution)) throw Refused(source, $"the substitution ${{{substitution.Path}}} refers to itself");
            var measured = Measure(substitution.ResolvedValue, depth);
            _open.Remove(substitution);
            _measured[substitution] = measured;
            return measured;
        }
    }
}
