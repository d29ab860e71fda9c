using System.Collections.Concurrent;
using System.Reflection;
using Ops.Daemon.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>
/// When an object is destructured (<c>{@Settings}</c>), properties named like a secret (ApiKey, Password, Secrets,
/// AccessToken, ConnectionString...) come out as *** whatever their value; the masking sink then catches secrets
/// that travel under other names.
/// </summary>
internal sealed class SecretDestructuringPolicy : IDestructuringPolicy
{
    private readonly ConcurrentDictionary<Type, PropertyInfo[]?> _secretBearing = new();

    public bool TryDestructure(object value, ILogEventPropertyValueFactory propertyValueFactory, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LogEventPropertyValue? result)
    {
        result = null;
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string)
        {
            return false;
        }

        var properties = _secretBearing.GetOrAdd(type, PropertiesIfSecretBearing);
        if (properties is null)
        {
            return false;
        }

        var members = new List<LogEventProperty>(properties.Length);
        foreach (var property in properties)
        {
            object? member;
            try
            {
                member = property.GetValue(value);
            }
            catch (TargetInvocationException ex)
            {
                member = $"threw {ex.InnerException?.GetType().Name}";
            }

            members.Add(new LogEventProperty(
                property.Name,
                IsSecret(property.Name)
                    ? new ScalarValue(member is null ? null : SecretMasker.Mask)
                    : propertyValueFactory.CreatePropertyValue(member, destructureObjects: true)));
        }

        result = new StructureValue(members, type.Name);
        return true;
    }

    private static bool IsSecret(string name) =>
        SecretScanner.IsSecretName(name) || name.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase);

    /// <summary>The readable properties of <paramref name="type"/> when one of them is a secret; else null (Serilog's own rules apply).</summary>
    private static PropertyInfo[]? PropertiesIfSecretBearing(Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .ToArray();
        return properties.Any(p => IsSecret(p.Name)) ? properties : null;
    }
}
