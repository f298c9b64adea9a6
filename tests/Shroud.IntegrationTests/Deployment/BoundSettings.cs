using System.Collections;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shroud.Core;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>An app setting the code binds: <c>Section__Property</c>, or a family such as <c>RootKeys__Keys__&lt;id&gt;</c>.</summary>
internal sealed record BoundSetting(string Name, bool IsFamily)
{
    /// <summary>The prefix every member of a family starts with, for example <c>RootKeys__Keys__</c>.</summary>
    public string FamilyPrefix => Name + "__";

    public bool IsMatchedBy(string appSetting) =>
        IsFamily ? appSetting.StartsWith(FamilyPrefix, StringComparison.Ordinal) && appSetting.Length > FamilyPrefix.Length : appSetting == Name;

    public override string ToString() => IsFamily ? FamilyPrefix + "<id>" : Name;
}

/// <summary>Every setting bound by the options classes that <see cref="ServiceCollectionExtensions.AddShroudCore"/> registers, found by reflection.</summary>
internal static class BoundSettings
{
    public static IReadOnlyList<Type> OptionsTypes { get; } = new ServiceCollection().AddShroudCore()
        .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
        .Select(d => d.ServiceType.GetGenericArguments()[0])
        .Distinct()
        .ToList();

    public static IReadOnlyList<BoundSetting> All { get; } = OptionsTypes.SelectMany(type => Of(type, SectionName(type))).ToList();

    private static string SectionName(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException($"{type.Name} is bound from configuration but has no SectionName constant.");

    private static IEnumerable<BoundSetting> Of(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var name = $"{prefix}__{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsPrimitive || propertyType.IsEnum || propertyType == typeof(string) || propertyType == typeof(TimeSpan)
                || propertyType == typeof(decimal) || propertyType == typeof(Uri) || propertyType == typeof(DateTimeOffset))
            {
                yield return new BoundSetting(name, IsFamily: false);
            }
            else if (typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                yield return new BoundSetting(name, IsFamily: true);
            }
            else
            {
                foreach (var nested in Of(propertyType, name))
                {
                    yield return nested;
                }
            }
        }
    }
}
