using Serilog.Events;
using Serilog.Parsing;

namespace Ops.Daemon.Logging;

/// <summary>
/// Replaces every known secret (the Seq API key, passwords from the configuration) with *** wherever it shows up in
/// an event: property values at any depth, the message template, the exception. Events without a secret pass
/// through untouched and unallocated.
/// </summary>
internal sealed class SecretMasker
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    private static readonly MessageTemplateParser Parser = new();

    private readonly Lock _adding = new();

    // Replaced whole, never changed in place: a reader sees the old set or the new one.
    private volatile string[] _secrets;

    /// <summary>Masks <paramref name="secrets"/>; the longest first, so that a secret containing another is masked whole.</summary>
    public SecretMasker(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = Ordered(secrets);
    }

    /// <summary>True when there is nothing to mask.</summary>
    public bool IsEmpty => _secrets.Length == 0;

    /// <summary>Every secret masked now: those of the config opsd started with and of each reload since.</summary>
    public IReadOnlyList<string> Secrets => _secrets;

    /// <summary>
    /// Masks <paramref name="secrets"/> from now on as well (a reload's). Secrets are never dropped: a value once
    /// configured as a secret is no less secret for having been changed.
    /// </summary>
    public void Add(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        lock (_adding)
        {
            _secrets = Ordered(_secrets.Concat(secrets));
        }
    }

    /// <summary>True when <paramref name="text"/> contains a secret.</summary>
    public bool Contains(string? text)
    {
        if (text is null)
        {
            return false;
        }

        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="text"/> with every secret replaced by ***.</summary>
    public string MaskText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary><paramref name="logEvent"/> itself when it holds no secret, else a copy with every secret masked.</summary>
    public LogEvent MaskEvent(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (IsEmpty)
        {
            return logEvent;
        }

        var templateHasSecret = Contains(logEvent.MessageTemplate.Text);
        var exceptionText = logEvent.Exception?.ToString();
        var exceptionHasSecret = Contains(exceptionText);
        var propertiesHaveSecret = logEvent.Properties.Values.Any(HasSecret);
        if (!templateHasSecret && !exceptionHasSecret && !propertiesHaveSecret)
        {
            return logEvent;
        }

        var template = templateHasSecret ? Parser.Parse(MaskText(logEvent.MessageTemplate.Text)) : logEvent.MessageTemplate;
        var exception = exceptionHasSecret ? new MaskedException(logEvent.Exception!, MaskText(exceptionText!), MaskText(logEvent.Exception!.Message)) : logEvent.Exception;
        var properties = logEvent.Properties.Select(p => new LogEventProperty(p.Key, MaskValue(p.Value)));
        return new LogEvent(logEvent.Timestamp, logEvent.Level, exception, template, properties, logEvent.TraceId ?? default, logEvent.SpanId ?? default);
    }

    private bool HasSecret(LogEventPropertyValue value) => value switch
    {
        ScalarValue scalar => Contains(ScalarText(scalar)),
        SequenceValue sequence => sequence.Elements.Any(HasSecret),
        StructureValue structure => structure.Properties.Any(p => HasSecret(p.Value)),
        DictionaryValue dictionary => dictionary.Elements.Any(e => HasSecret(e.Key) || HasSecret(e.Value)),
        _ => false,
    };

    private LogEventPropertyValue MaskValue(LogEventPropertyValue value)
    {
        if (!HasSecret(value))
        {
            return value;
        }

        return value switch
        {
            ScalarValue scalar => new ScalarValue(MaskText(ScalarText(scalar)!)),
            SequenceValue sequence => new SequenceValue(sequence.Elements.Select(MaskValue)),
            StructureValue structure => new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, MaskValue(p.Value))), structure.TypeTag),
            DictionaryValue dictionary => new DictionaryValue(dictionary.Elements.Select(e => KeyValuePair.Create((ScalarValue)MaskValue(e.Key), MaskValue(e.Value)))),
            _ => value,
        };
    }

    /// <summary>The text a scalar renders as, for the types that can carry one (strings, URIs, arbitrary objects).</summary>
    private static string? ScalarText(ScalarValue scalar) => scalar.Value switch
    {
        null => null,
        string text => text,
        bool or char or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => null,
        DateTime or DateTimeOffset or TimeSpan or Guid or Enum => null,
        var other => other.ToString(),
    };

    private static string[] Ordered(IEnumerable<string> secrets) =>
        [.. secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];

    /// <summary>Stands in for an exception whose text held a secret; renders as the original, masked.</summary>
    private sealed class MaskedException(Exception original, string text, string message) : Exception(message)
    {
        public string OriginalType { get; } = original.GetType().FullName ?? original.GetType().Name;

        public override string ToString() => text;
    }
}
