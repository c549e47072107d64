using System.Linq.Expressions;
using System.Reflection;
using GrainChat.Runtime;
using GrainChat.Silo.Activation;
using GrainChat.Silo.Telemetry;

namespace GrainChat.Silo.Messaging;

/// <summary>
/// Turns a call on a grain reference into a request for the runtime, and a request into a call on the grain
/// instance (through a compiled delegate, not reflection). One per grain interface method.
/// </summary>
internal abstract class MethodDispatcher
{
    protected MethodDispatcher(GrainClassInfo grainClass, MethodInfo interfaceMethod, MethodInfo implementation, MethodStatistics statistics)
    {
        GrainClass = grainClass;
        Name = interfaceMethod.Name;
        Statistics = statistics;
        IsAlwaysInterleave = HasAttribute<AlwaysInterleaveAttribute>(interfaceMethod, implementation);
        IsReadOnly = !IsAlwaysInterleave && HasAttribute<ReadOnlyAttribute>(interfaceMethod, implementation);
        IsOneWay = HasAttribute<OneWayAttribute>(interfaceMethod, implementation);
        TurnKind = IsAlwaysInterleave ? TurnKind.AlwaysInterleave : IsReadOnly ? TurnKind.ReadOnly : TurnKind.Exclusive;
        if (IsOneWay && interfaceMethod.ReturnType != typeof(Task))
        {
            throw new NotSupportedException($"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name} is [OneWay], so it must return Task.");
        }

        Invoker = CompileInvoker(interfaceMethod);
        ParameterTypes = [.. interfaceMethod.GetParameters().Select(p => p.ParameterType)];
        Key = $"{interfaceMethod.DeclaringType!.FullName}.{interfaceMethod.Name}({string.Join(',', ParameterTypes.Select(t => t.Name))})";
    }

    public GrainClassInfo GrainClass { get; }

    public string Name { get; }

    /// <summary>Names the method on the wire between silos: interface, name and parameter types.</summary>
    public string Key { get; }

    public IReadOnlyList<Type> ParameterTypes { get; }

    /// <summary>The type of the method's result, or null for Task/ValueTask.</summary>
    public abstract Type? ResultType { get; }

    public bool IsReadOnly { get; }

    public bool IsAlwaysInterleave { get; }

    /// <summary>How the method's turns may overlap others on the same activation.</summary>
    public TurnKind TurnKind { get; }

    /// <summary>The caller gets a completed task at once; failures are logged (<see cref="OneWayAttribute"/>).</summary>
    public bool IsOneWay { get; }

    public MethodStatistics Statistics { get; }

    /// <summary>Calls the method on a grain instance; ValueTask results are turned into Tasks.</summary>
    public Func<object, object?[], Task> Invoker { get; }

    /// <summary>Sends the call to the grain and returns what the interface method returns (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;).</summary>
    public abstract object Invoke(GrainProxy proxy, object?[] arguments);

    /// <summary>Runs a call that arrived from another silo on this silo's activation; the result boxed (null without one).</summary>
    public abstract Task<object?> InvokeHereAsync(GrainRuntime runtime, GrainId grainId, object?[] arguments, TimeSpan timeout);

    public static MethodDispatcher Create(GrainClassInfo grainClass, MethodInfo interfaceMethod, MethodInfo implementation, MethodStatistics statistics)
    {
        if (interfaceMethod.IsGenericMethodDefinition)
        {
            throw new NotSupportedException($"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name}: generic grain methods are not supported.");
        }

        if (interfaceMethod.GetParameters().Any(p => p.ParameterType.IsByRef))
        {
            throw new NotSupportedException($"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name}: ref and out parameters are not supported.");
        }

        var returnType = interfaceMethod.ReturnType;
        var (resultType, kind) = returnType switch
        {
            _ when returnType == typeof(Task) => (typeof(object), ReturnKind.Task),
            _ when returnType == typeof(ValueTask) => (typeof(object), ReturnKind.ValueTask),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(Task<>) => (returnType.GetGenericArguments()[0], ReturnKind.TaskOfT),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(ValueTask<>) => (returnType.GetGenericArguments()[0], ReturnKind.ValueTaskOfT),
            _ => throw new NotSupportedException(
                $"{interfaceMethod.DeclaringType?.Name}.{interfaceMethod.Name} returns {returnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>."),
        };

        var dispatcherType = typeof(MethodDispatcher<>).MakeGenericType(resultType);
        return (MethodDispatcher)Activator.CreateInstance(dispatcherType, grainClass, interfaceMethod, implementation, statistics, kind)!;
    }

    private static bool HasAttribute<TAttribute>(MethodInfo interfaceMethod, MethodInfo implementation)
        where TAttribute : Attribute =>
        interfaceMethod.IsDefined(typeof(TAttribute), inherit: true) || implementation.IsDefined(typeof(TAttribute), inherit: true);

    private static Func<object, object?[], Task> CompileInvoker(MethodInfo interfaceMethod)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var arguments = Expression.Parameter(typeof(object?[]), "arguments");
        var parameters = interfaceMethod.GetParameters();
        var call = (Expression)Expression.Call(
            Expression.Convert(grain, interfaceMethod.DeclaringType!),
            interfaceMethod,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(arguments, Expression.Constant(i)), p.ParameterType)));

        if (call.Type == typeof(ValueTask) || (call.Type.IsGenericType && call.Type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            call = Expression.Call(call, call.Type.GetMethod(nameof(ValueTask.AsTask))!);
        }

        return Expression.Lambda<Func<object, object?[], Task>>(Expression.Convert(call, typeof(Task)), grain, arguments).Compile();
    }

    internal enum ReturnKind
    {
        Task,
        TaskOfT,
        ValueTask,
        ValueTaskOfT,
    }
}

internal sealed class MethodDispatcher<TResult> : MethodDispatcher
{
    private readonly ReturnKind _kind;

    public MethodDispatcher(GrainClassInfo grainClass, MethodInfo interfaceMethod, MethodInfo implementation, MethodStatistics statistics, ReturnKind kind)
        : base(grainClass, interfaceMethod, implementation, statistics)
    {
        _kind = kind;
    }

    public bool HasResult => _kind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;

    public override Type? ResultType => HasResult ? typeof(TResult) : null;

    public override async Task<object?> InvokeHereAsync(GrainRuntime runtime, GrainId grainId, object?[] arguments, TimeSpan timeout)
    {
        var request = new GrainRequest<TResult>(this, arguments, timeout);
        runtime.Dispatch(grainId, GrainClass, request);
        var result = await request.Task.ConfigureAwait(false);
        return HasResult ? result : null;
    }

    public override object Invoke(GrainProxy proxy, object?[] arguments)
    {
        var task = proxy.Runtime.Invoke(proxy, this, arguments);
        if (IsOneWay)
        {
            proxy.Runtime.ObserveOneWay(task, this);
            return Task.CompletedTask;
        }

        return _kind switch
        {
            ReturnKind.ValueTask => new ValueTask(task),
            ReturnKind.ValueTaskOfT => new ValueTask<TResult>((Task<TResult>)task),
            _ => task,
        };
    }
}
