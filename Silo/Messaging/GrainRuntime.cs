using GrainChat.Silo.Activation;
using GrainChat.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GrainChat.Silo.Messaging;

/// <summary>Routes requests to activations, creating them on demand (Orleans: the runtime client and dispatcher).</summary>
internal sealed class GrainRuntime(Catalog catalog, IOptions<SiloOptions> options)
{
    private readonly TimeSpan _callTimeout = options.Value.CallTimeout;

    public Task<TResult> InvokeAsync<TResult>(GrainId grainId, MethodDispatcher<TResult> method, object?[] arguments)
    {
        var request = new GrainRequest<TResult>(method, arguments, _callTimeout);
        Dispatch(grainId, method.GrainClass, request);
        return request.Task;
    }

    /// <summary>Delivers a work item to the grain's activation, following it to a new one when the old one was just removed.</summary>
    public void Dispatch(GrainId grainId, GrainClassInfo grainClass, IActivationWorkItem item)
    {
        while (true)
        {
            GrainActivation activation;
            try
            {
                activation = catalog.GetOrCreate(grainId, grainClass);
            }
            catch (Exception exception)
            {
                item.Fail(exception);
                return;
            }

            if (activation.TryEnqueue(item))
            {
                return;
            }
        }
    }
}
