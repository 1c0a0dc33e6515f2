using System.Reflection;
using System.Reflection.Emit;

namespace RulesSync.Runner.Tests.Architecture;

/// <summary>One type naming another: in a signature, a field, a local, a base type, or an instruction of a method body.</summary>
internal readonly record struct TypeEdge(string From, string To)
{
    public override string ToString() => $"{From} -> {To}";
}

/// <summary>
/// Every type of ours a compiled type depends on, read by reflection: base types, interfaces, fields, properties,
/// events, signatures, locals, and the tokens in each method body's IL (calls, object creation, field access, casts,
/// typeof). Compiler-generated nested types (lambdas, iterators, async state machines) count as their outermost
/// declaring type, so a dependency inside a lambda is charged to the class that wrote it.
/// </summary>
internal static class TypeDependencies
{
    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

#pragma warning disable CA1810 // The opcode tables are filled from OpCodes' fields; a static constructor says so plainly.
    static TypeDependencies()
#pragma warning restore CA1810
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = unchecked((ushort)op.Value);
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xff] = op;
            }
        }
    }

    /// <summary>Whether a type is one of ours (engine, simulator, emulators, runner, or a test's synthetic type in our namespaces).</summary>
    public static bool IsOurs(Type type) => Outermost(type).FullName?.StartsWith("RulesSync.", StringComparison.Ordinal) == true;

    /// <summary>The edges from every type of <paramref name="assembly"/> (optionally only those under <paramref name="namespacePrefix"/>) to types of ours in other namespaces.</summary>
    public static IReadOnlyList<TypeEdge> Of(Assembly assembly, string? namespacePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var edges = new HashSet<TypeEdge>();
        foreach (var type in assembly.GetTypes())
        {
            var from = Outermost(type);
            var name = NameOf(from);
            if (name is null || (namespacePrefix is not null && !name.StartsWith(namespacePrefix, StringComparison.Ordinal)))
            {
                continue;
            }

            foreach (var to in Referenced(type).SelectMany(Expand).Select(Outermost).Where(IsOurs).Distinct())
            {
                if (to != from && NameOf(to) is { } target)
                {
                    edges.Add(new TypeEdge(name, target));
                }
            }
        }

        return [.. edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)];
    }

    /// <summary>
    /// A type's name for the layer rules: its full name, or for the top-level statements' <c>Program</c> (global
    /// namespace) <c>RulesSync.Runner.Program</c>; null for compiler-emitted helpers outside our namespaces
    /// (<c>&lt;PrivateImplementationDetails&gt;</c>, generated regexes), which carry no dependency of their own.
    /// </summary>
    private static string? NameOf(Type type) => type switch
    {
        { Namespace: null, Name: "Program" } => "RulesSync.Runner.Program",
        _ when IsOurs(type) => type.FullName,
        _ => null,
    };

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer && !type.IsGenericParameter)
        {
            type = outer;
        }

        return type;
    }

    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()))
            {
                yield return t;
            }

            yield break;
        }

        if (type.IsGenericType)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var t in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return t;
            }

            yield break;
        }

        yield return type;
    }

    private static IEnumerable<Type?> Referenced(Type type)
    {
        yield return type.BaseType;
        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var f in type.GetFields(Declared))
        {
            yield return f.FieldType;
        }

        foreach (var p in type.GetProperties(Declared))
        {
            yield return p.PropertyType;
        }

        foreach (var e in type.GetEvents(Declared))
        {
            yield return e.EventHandlerType;
        }

        foreach (var a in type.CustomAttributes)
        {
            yield return a.AttributeType;
        }

        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo method)
            {
                yield return method.ReturnType;
            }

            foreach (var p in m.GetParameters())
            {
                yield return p.ParameterType;
            }

            foreach (var t in InBody(type, m))
            {
                yield return t;
            }
        }
    }

    /// <summary>The locals of a method body and every type, field or method token its instructions name.</summary>
    private static IEnumerable<Type?> InBody(Type type, MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null)
        {
            yield break;
        }

        foreach (var local in body.LocalVariables)
        {
            yield return local.LocalType;
        }

        var il = body.GetILAsByteArray() ?? [];
        var typeArguments = type.IsGenericTypeDefinition ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethodDefinition ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            var op = il[i] == 0xFE ? TwoByte[il[++i]] : OneByte[il[i]];
            i++;
            switch (op.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    foreach (var t in Resolve(method.Module, BitConverter.ToInt32(il, i), typeArguments, methodArguments))
                    {
                        yield return t;
                    }

                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    i += Size(op.OperandType);
                    break;
            }
        }
    }

    private static IEnumerable<Type?> Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        MemberInfo member;
        try
        {
            member = module.ResolveMember(token, typeArguments, methodArguments)!;
        }
        catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
        {
            // A token outside the assemblies loaded here (an optional framework type): not one of ours either way.
            yield break;
        }

        yield return member as Type ?? member.DeclaringType;
        switch (member)
        {
            case FieldInfo f:
                yield return f.FieldType;
                break;
            case MethodInfo m:
                yield return m.ReturnType;
                foreach (var a in m.IsGenericMethod ? m.GetGenericArguments() : [])
                {
                    yield return a;
                }

                foreach (var p in m.GetParameters())
                {
                    yield return p.ParameterType;
                }

                break;
        }
    }

    private static int Size(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
