using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Kcp.Architecture.Tests.Support;

/// <summary>Where in its source type a reference was found.</summary>
internal enum ReferenceSite
{
    /// <summary>The type's declaration: base type, interfaces, generic constraints.</summary>
    Declaration,

    /// <summary>A member's signature: field, property and event types, parameters, return types, overrides.</summary>
    Signature,

    /// <summary>A custom attribute: its type and typeof() or enum arguments.</summary>
    Attribute,

    /// <summary>A method body: instruction operands, local variables, catch clauses.</summary>
    Body,
}

/// <summary>One reference found in the IL: <see cref="Source"/> (the type it was found in, maybe compiler-generated) uses <see cref="Target"/>.</summary>
/// <param name="Source">The type whose declaration, member or method body holds the reference.</param>
/// <param name="Member">Where in <paramref name="Source"/>: a member's name, or "(type declaration)".</param>
/// <param name="Site">The kind of place.</param>
/// <param name="Target">A type (maybe an array, generic instance... of others), a method or a field.</param>
internal sealed record IlReference(TypeDefinition Source, string Member, ReferenceSite Site, MemberReference Target)
{
    /// <summary>The source type and member, readable: Namespace.Type+Nested.Member.</summary>
    public string Where => IlNames.Where(Source, Member);
}

/// <summary>A reference from one type of an assembly to another type of the same assembly.</summary>
internal sealed record IlTypeDependency(TypeDefinition Source, string Member, ReferenceSite Site, TypeDefinition Target)
{
    /// <summary>The source type and member, readable: Namespace.Type+Nested.Member.</summary>
    public string Where => IlNames.Where(Source, Member);
}

/// <summary>
/// Collects every type, method and field an assembly's types reference in their IL: base types, interfaces, generic
/// constraints, field/property/event types, method signatures, overrides, custom attributes (type and typeof/enum
/// arguments), and method bodies (every TypeReference, MethodReference and FieldReference operand, call sites,
/// local variables, catch clauses). Constants (const fields, enum members used as values) are inlined by the
/// compiler and leave no trace: they are not seen.
/// </summary>
internal static class IlDependencyCollector
{
    /// <summary>Every reference in every type of <paramref name="module"/>, nested and compiler-generated types included.</summary>
    public static IEnumerable<IlReference> Collect(ModuleDefinition module)
    {
        List<IlReference> found = [];
        TypeDefinition moduleType = module.Types.First(t => t.Name == "<Module>");
        foreach (CustomAttribute attribute in module.Assembly.CustomAttributes.Concat(module.CustomAttributes))
        {
            AddAttribute(found, moduleType, "(assembly attributes)", attribute);
        }

        foreach (TypeDefinition type in AllTypes(module))
        {
            CollectType(found, type);
        }

        return found;
    }

    /// <summary>
    /// The references of <paramref name="module"/>'s types to the types defined in <paramref name="module"/>
    /// (arrays, pointers, by-refs and generic instances unwrapped; a method or field counts as its declaring type,
    /// and a generic method instance's arguments count too), a type's references to itself left out.
    /// </summary>
    public static IEnumerable<IlTypeDependency> SameAssemblyDependencies(ModuleDefinition module) =>
        Collect(module)
            .SelectMany(r => NamedTypes(r.Target).Select(t => (Reference: r, Type: t)))
            .Where(x => IsDefinedIn(x.Type, module))
            .Select(x => new IlTypeDependency(x.Reference.Source, x.Reference.Member, x.Reference.Site, x.Type.Resolve()))
            .Where(d => d.Target is not null && d.Target != d.Source);

    /// <summary>Every type of the module, nested ones after their declaring type.</summary>
    public static IEnumerable<TypeDefinition> AllTypes(ModuleDefinition module)
    {
        Stack<TypeDefinition> pending = new(module.Types.Reverse());
        while (pending.TryPop(out TypeDefinition? type))
        {
            yield return type;
            foreach (TypeDefinition nested in type.NestedTypes.Reverse())
            {
                pending.Push(nested);
            }
        }
    }

    /// <summary>The outermost declaring type (the type itself when it is not nested).</summary>
    public static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>Whether a (named) type reference points into <paramref name="module"/>.</summary>
    public static bool IsDefinedIn(TypeReference type, ModuleDefinition module) => type.Scope switch
    {
        ModuleDefinition scope => scope == module,
        AssemblyNameReference assembly => string.Equals(assembly.Name, module.Assembly.Name.Name, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The named type a reference is in: <see cref="TypeReference.Scope"/>'s assembly name.</summary>
    public static string AssemblyOf(TypeReference type) => type.Scope switch
    {
        ModuleDefinition module => module.Assembly.Name.Name,
        AssemblyNameReference assembly => assembly.Name,
        ModuleReference module => module.Name,
        _ => "",
    };

    /// <summary>
    /// The named types (neither arrays, pointers, by-refs, modifiers nor generic instances or parameters) a reference
    /// uses: a type and its element and generic argument types; a method's or field's declaring type, plus a generic
    /// method instance's arguments.
    /// </summary>
    public static IEnumerable<TypeReference> NamedTypes(MemberReference target)
    {
        List<TypeReference> found = [];
        switch (target)
        {
            case TypeReference type:
                Unwrap(type, found);
                break;
            case GenericInstanceMethod method:
                Unwrap(method.DeclaringType, found);
                foreach (TypeReference argument in method.GenericArguments)
                {
                    Unwrap(argument, found);
                }

                break;
            case MethodReference method:
                Unwrap(method.DeclaringType, found);
                break;
            case FieldReference field:
                Unwrap(field.DeclaringType, found);
                break;
        }

        return found;
    }

    private static void Unwrap(TypeReference? type, List<TypeReference> found)
    {
        switch (type)
        {
            case null:
            case GenericParameter:
                return;
            case GenericInstanceType generic:
                Unwrap(generic.ElementType, found);
                foreach (TypeReference argument in generic.GenericArguments)
                {
                    Unwrap(argument, found);
                }

                return;
            case IModifierType modified:
                Unwrap(modified.ElementType, found);
                Unwrap(modified.ModifierType, found);
                return;
            case FunctionPointerType pointer:
                Unwrap(pointer.ReturnType, found);
                foreach (ParameterDefinition parameter in pointer.Parameters)
                {
                    Unwrap(parameter.ParameterType, found);
                }

                return;
            case TypeSpecification specification: // Arrays, pointers, by-refs, pinned, sentinels.
                Unwrap(specification.ElementType, found);
                return;
            default:
                found.Add(type);
                return;
        }
    }

    private static void CollectType(List<IlReference> found, TypeDefinition type)
    {
        const string declaration = "(type declaration)";
        Add(found, type, declaration, ReferenceSite.Declaration, type.BaseType);
        foreach (InterfaceImplementation implementation in type.Interfaces)
        {
            Add(found, type, declaration, ReferenceSite.Declaration, implementation.InterfaceType);
            AddAttributes(found, type, declaration, implementation.CustomAttributes);
        }

        AddGenericParameters(found, type, declaration, type.GenericParameters);
        AddAttributes(found, type, declaration, type.CustomAttributes);

        foreach (FieldDefinition field in type.Fields)
        {
            Add(found, type, field.Name, ReferenceSite.Signature, field.FieldType);
            AddAttributes(found, type, field.Name, field.CustomAttributes);
        }

        foreach (PropertyDefinition property in type.Properties)
        {
            Add(found, type, property.Name, ReferenceSite.Signature, property.PropertyType);
            foreach (ParameterDefinition parameter in property.Parameters)
            {
                Add(found, type, property.Name, ReferenceSite.Signature, parameter.ParameterType);
            }

            AddAttributes(found, type, property.Name, property.CustomAttributes);
        }

        foreach (EventDefinition @event in type.Events)
        {
            Add(found, type, @event.Name, ReferenceSite.Signature, @event.EventType);
            AddAttributes(found, type, @event.Name, @event.CustomAttributes);
        }

        foreach (MethodDefinition method in type.Methods)
        {
            CollectMethod(found, type, method);
        }
    }

    private static void CollectMethod(List<IlReference> found, TypeDefinition type, MethodDefinition method)
    {
        string member = IlNames.MethodName(method);
        Add(found, type, member, ReferenceSite.Signature, method.ReturnType);
        AddAttributes(found, type, member, method.MethodReturnType.CustomAttributes);
        foreach (ParameterDefinition parameter in method.Parameters)
        {
            Add(found, type, member, ReferenceSite.Signature, parameter.ParameterType);
            AddAttributes(found, type, member, parameter.CustomAttributes);
        }

        AddGenericParameters(found, type, member, method.GenericParameters);
        AddAttributes(found, type, member, method.CustomAttributes);
        foreach (MethodReference overridden in method.Overrides)
        {
            Add(found, type, member, ReferenceSite.Signature, overridden);
        }

        if (!method.HasBody)
        {
            return;
        }

        MethodBody body = method.Body;
        foreach (VariableDefinition variable in body.Variables)
        {
            Add(found, type, member, ReferenceSite.Body, variable.VariableType);
        }

        foreach (ExceptionHandler handler in body.ExceptionHandlers)
        {
            Add(found, type, member, ReferenceSite.Body, handler.CatchType);
        }

        foreach (Instruction instruction in body.Instructions)
        {
            switch (instruction.Operand)
            {
                case MemberReference reference: // TypeReference, MethodReference (generic instances too), FieldReference.
                    Add(found, type, member, ReferenceSite.Body, reference);
                    break;
                case CallSite callSite: // calli
                    Add(found, type, member, ReferenceSite.Body, callSite.ReturnType);
                    foreach (ParameterDefinition parameter in callSite.Parameters)
                    {
                        Add(found, type, member, ReferenceSite.Body, parameter.ParameterType);
                    }

                    break;
            }
        }
    }

    private static void AddGenericParameters(List<IlReference> found, TypeDefinition type, string member, IEnumerable<GenericParameter> parameters)
    {
        foreach (GenericParameter parameter in parameters)
        {
            foreach (GenericParameterConstraint constraint in parameter.Constraints)
            {
                Add(found, type, member, ReferenceSite.Declaration, constraint.ConstraintType);
                AddAttributes(found, type, member, constraint.CustomAttributes);
            }

            AddAttributes(found, type, member, parameter.CustomAttributes);
        }
    }

    private static void AddAttributes(List<IlReference> found, TypeDefinition type, string member, IEnumerable<CustomAttribute> attributes)
    {
        foreach (CustomAttribute attribute in attributes)
        {
            AddAttribute(found, type, member, attribute);
        }
    }

    private static void AddAttribute(List<IlReference> found, TypeDefinition type, string member, CustomAttribute attribute)
    {
        Add(found, type, member, ReferenceSite.Attribute, attribute.Constructor);
        foreach (CustomAttributeArgument argument in attribute.ConstructorArguments)
        {
            AddAttributeArgument(found, type, member, argument);
        }

        foreach (Mono.Cecil.CustomAttributeNamedArgument named in attribute.Fields.Concat(attribute.Properties))
        {
            AddAttributeArgument(found, type, member, named.Argument);
        }
    }

    private static void AddAttributeArgument(List<IlReference> found, TypeDefinition type, string member, CustomAttributeArgument argument)
    {
        Add(found, type, member, ReferenceSite.Attribute, argument.Type); // An enum argument's type.
        switch (argument.Value)
        {
            case TypeReference typeOf: // typeof(X)
                Add(found, type, member, ReferenceSite.Attribute, typeOf);
                break;
            case CustomAttributeArgument boxed: // An argument of type object.
                AddAttributeArgument(found, type, member, boxed);
                break;
            case CustomAttributeArgument[] array:
                foreach (CustomAttributeArgument element in array)
                {
                    AddAttributeArgument(found, type, member, element);
                }

                break;
        }
    }

    private static void Add(List<IlReference> found, TypeDefinition type, string member, ReferenceSite site, MemberReference? target)
    {
        if (target is not null)
        {
            found.Add(new IlReference(type, member, site, target));
        }
    }
}

/// <summary>Readable names for IL types and members.</summary>
internal static class IlNames
{
    /// <summary>Namespace.Outer+Nested, generic arity as `N (Cecil's FullName with '+' for nesting).</summary>
    public static string TypeName(TypeReference type) => type.FullName.Replace('/', '+');

    /// <summary>Type.Member, or "Type (type declaration)" for what is not in a member.</summary>
    public static string Where(TypeReference type, string member) =>
        member.StartsWith('(') ? $"{TypeName(type)} {member}" : $"{TypeName(type)}.{member}";

    /// <summary>A type's simple name without its generic arity.</summary>
    public static string SimpleName(TypeReference type)
    {
        int tick = type.Name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? type.Name : type.Name[..tick];
    }

    /// <summary>Name(ParameterType, ...), parameter types by simple name.</summary>
    public static string MethodName(MethodReference method) =>
        $"{method.Name}({string.Join(", ", method.Parameters.Select(p => p.ParameterType.Name))})";

    /// <summary>Type.Member for a method or field reference, the type name for a type.</summary>
    public static string MemberName(MemberReference member) => member switch
    {
        TypeReference type => TypeName(type),
        MethodReference method => $"{TypeName(method.DeclaringType)}.{MethodName(method)}",
        _ => $"{TypeName(member.DeclaringType)}.{member.Name}",
    };
}
