@testable import TernStack
import TernLink
import TernTestSupport
import TernWire

/// Two engines on one link of the shared `StackNetwork`: `a` (10.0.0.1, node 0) and `b`
/// (10.0.0.2, node 1), the link optionally lossy.
extension StackNetwork {
    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)
    static let portA = Port(node: 0, interface: 0)
    static let portB = Port(node: 1, interface: 0)

    /// `faults` apply to the frames of each direction, drawn from `seed`; `configure`
    /// adjusts both stacks.
    static func twoStacks(faults: FaultProfile = .none, seed: UInt64 = 1,
                          configure: (inout StackConfiguration) -> Void = { _ in }) throws -> StackNetwork {
        let network = StackNetwork(now: .seconds(1), stepTime: .microseconds(50))
        for (address, stackSeed) in [(addressA, seed &+ 100), (addressB, seed &+ 200)] {
            var configuration = StackConfiguration(mac: StackConfiguration.defaultMAC(for: address),
                                                   address: IPv4Subnet(address: address, prefixLength: 24)!,
                                                   randomSeed: stackSeed)
            configure(&configuration)
            try network.add(configuration)
        }
        network.connect(portA, portB)
        if !faults.isNone {
            // Two independent streams, one per direction.
            for (port, streamSeed) in [(portA, seed ^ 0x6F75_7462_6F75_6E64), (portB, seed)] {
                network.faults[port] = LinkFaults(drop: faults.drop, duplicate: faults.duplicate,
                                                  reorder: faults.reorder, corrupt: faults.corrupt, seed: streamSeed)
            }
        }
        return network
    }

    var a: NetworkStack { stacks[0] }
    var b: NetworkStack { stacks[1] }
    /// The faults of both directions (empty on a clean link).
    var linkFaults: [LinkFaults] { [StackNetwork.portA, StackNetwork.portB].compactMap { faults[$0] } }
}
