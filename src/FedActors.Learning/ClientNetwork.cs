using FedActors.Learning.Models;
using FedActors.Learning.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedActors.Learning;

/// <summary>One client's modules on its device: backbone, SimCLR projector and the head of its task.</summary>
internal sealed class ClientNetwork : IDisposable
{
    /// <param name="channelsLast">Lay the backbone out channels-last (<see cref="ResNet.UseChannelsLast"/>).</param>
    public ClientNetwork(BackboneSpec spec, string task, int numClasses, Device device, bool channelsLast = false)
    {
        Backbone = new ResNet(spec);
        Projector = ProjectionHead.For(spec);
        Head = TaskHead.Create(Backbone.FeatureDim, numClasses);
        HeadPrefix = WeightNames.Head(task);
        Backbone.to(device);
        Projector.to(device);
        Head.to(device);
        if (channelsLast) Backbone.UseChannelsLast();
    }

    public ResNet Backbone { get; }
    public ProjectionHead Projector { get; }
    public Linear Head { get; }
    public string HeadPrefix { get; }

    public void Dispose()
    {
        Backbone.Dispose();
        Projector.Dispose();
        Head.Dispose();
    }
}
