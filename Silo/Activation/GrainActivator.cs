using System.Collections.Concurrent;
using System.Reflection;
using GrainChat.Runtime;
using GrainChat.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Silo.Activation;

/// <summary>
/// Builds grain instances: constructor parameters come from dependency injection, except those marked
/// <see cref="PersistentStateAttribute"/>, which get their state loaded from storage before activation.
/// </summary>
internal sealed class GrainActivator(IServiceProvider services, PersistentStateFactory stateFactory)
{
    private readonly ConcurrentDictionary<Type, ConstructorPlan> _plans = new();

    public async Task ActivateAsync(GrainActivation activation, CancellationToken cancellationToken)
    {
        var plan = _plans.GetOrAdd(activation.GrainClass.ClassType, static type => ConstructorPlan.For(type));
        var arguments = new object?[plan.Parameters.Length];
        var states = new List<IPersistentStateLoader>();
        for (var i = 0; i < arguments.Length; i++)
        {
            var parameter = plan.Parameters[i];
            if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } stateAttribute)
            {
                var state = stateFactory.Create(parameter.ParameterType, activation, stateAttribute);
                states.Add(state);
                arguments[i] = state;
            }
            else
            {
                arguments[i] = services.GetService(parameter.ParameterType)
                    ?? (parameter.HasDefaultValue ? parameter.DefaultValue : throw new InvalidOperationException(
                        $"Cannot activate {activation.GrainClass.ClassType.Name}: no service of type {parameter.ParameterType.Name} is registered."));
            }
        }

        var grain = (Grain)plan.Constructor.Invoke(arguments);
        activation.SetInstance(grain);
        foreach (var state in states)
        {
            await state.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        }

        await grain.OnActivateAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record ConstructorPlan(ConstructorInfo Constructor, ParameterInfo[] Parameters)
    {
        public static ConstructorPlan For(Type grainClass)
        {
            var constructor = grainClass.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
                ?? throw new InvalidOperationException($"Grain class {grainClass.Name} has no public constructor.");
            return new ConstructorPlan(constructor, constructor.GetParameters());
        }
    }
}
