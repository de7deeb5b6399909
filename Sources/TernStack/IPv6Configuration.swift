/// IPv6 and Neighbour Discovery tunables. The defaults are RFC 4861 §10's protocol
/// constants and RFC 4862's, as Linux uses them.
public struct IPv6Configuration: Sendable {
    /// Hop limit of packets we originate (RFC 8200 leaves it to the node; Linux says 64).
    public var hopLimit: UInt8 = 64
    /// How long a neighbour stays REACHABLE after a confirmation (BaseReachableTime).
    /// Each confirmation draws a time between half and one and a half times this (§6.3.2).
    public var reachableTime: Duration = .seconds(30)
    /// Time between solicitations while resolving or probing (RetransTimer).
    public var retransmitTimer: Duration = .seconds(1)
    /// How long a STALE entry that was used waits in DELAY for a confirmation from above
    /// before it is probed (DELAY_FIRST_PROBE_TIME).
    public var delayFirstProbeTime: Duration = .seconds(5)
    /// Multicast solicitations sent before resolution fails (MAX_MULTICAST_SOLICIT).
    public var maximumMulticastSolicitations = 3
    /// Unicast probes sent before an unanswered neighbour is forgotten (MAX_UNICAST_SOLICIT).
    public var maximumUnicastSolicitations = 3
    /// Solicitations sent for each of our addresses before it is used (DupAddrDetectTransmits,
    /// RFC 4862 §5.1); 0 turns duplicate address detection off.
    public var duplicateAddressDetectionTransmits = 1
    /// Packets held per neighbour while it is resolved.
    public var maximumQueuedPerAddress = 16
    /// Packets held in all while resolving, per link.
    public var maximumQueuedTotal = 256
    /// Neighbours remembered per link; the least recently confirmed is forgotten first.
    public var maximumNeighbors = 1024
    /// Time between unsolicited router advertisements of a forwarding host
    /// (MaxRtrAdvInterval, RFC 4861 §6.2.1, 4–1800 s); the first three come 16 s apart.
    public var routerAdvertisementInterval: Duration = .seconds(200)
    /// The router lifetime a forwarding host advertises (AdvDefaultLifetime).
    public var routerLifetime: UInt16 = 1800
    /// Take a global address from each /64 prefix router advertisements offer for
    /// autoconfiguration (RFC 4862 §5.5.3), with the interface identifier from the MAC.
    public var autoconfigure = false
    /// Bytes held in all by packets being reassembled.
    public var reassemblyMemory = 1 << 20
    /// Packets reassembled at once.
    public var maximumReassemblies = 64
    /// How long the fragments of an incomplete packet are kept (RFC 8200 §4.5 says 60 s).
    public var reassemblyTimeout: Duration = .seconds(60)
    /// How long a path MTU learnt from a packet too big holds (RFC 8201 §5.3 suggests 10 min).
    public var pathMTULifetime: Duration = .seconds(600)
    /// Destinations whose path MTU is remembered.
    public var maximumPathMTUEntries = 1024
    public init() {}
}
