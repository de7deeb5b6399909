import CShims
import Glibc
import TernWire

/// The kernel's side of a network interface: the settings `ternd --host-address` applies to
/// a TAP device it created, and what Tern reads back from an interface.
///
/// Every call acts in the calling thread's network namespace and, except the reads, needs
/// CAP_NET_ADMIN.
public struct KernelInterface: Sendable, Hashable {
    /// The interface name.
    public let name: String

    public init(name: String) {
        self.name = name
    }

    /// Assigns `address` (the host's address and the subnet's prefix length, e.g.
    /// 10.0.0.1/24) to the interface, replacing any IPv4 address it had.
    public func setIPv4Address(_ address: IPv4Subnet) throws(SystemError) {
        try validateInterfaceName(name, for: "interface \(name)")
        let result = tern_interface_set_ipv4(name, address.address.rawValue, Int32(address.prefixLength))
        try check(result, "cannot set its address to \(address)")
    }

    /// Brings the interface up.
    public func bringUp() throws(SystemError) {
        try validateInterfaceName(name, for: "interface \(name)")
        try check(tern_interface_set_up(name), "cannot bring it up")
    }

    /// Sets the interface's MTU.
    public func setMTU(_ mtu: Int) throws(SystemError) {
        try validateInterfaceName(name, for: "interface \(name)")
        guard let value = Int32(exactly: mtu), acceptedMTUs.contains(mtu) else {
            throw SystemError(code: EINVAL, operation: "interface \(name): cannot set the MTU to \(mtu)",
                              hint: "the MTU must be between \(acceptedMTUs.lowerBound) and \(acceptedMTUs.upperBound)")
        }
        try check(tern_interface_set_mtu(name, value), "cannot set the MTU to \(mtu)")
    }

    /// The interface's MTU.
    public func mtu() throws(SystemError) -> Int {
        try validateInterfaceName(name, for: "interface \(name)")
        let result = tern_interface_get_mtu(name)
        try check(result, "cannot read its MTU")
        return Int(result)
    }

    /// The interface's hardware (MAC) address.
    public func macAddress() throws(SystemError) -> MACAddress {
        try validateInterfaceName(name, for: "interface \(name)")
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        let result = withUnsafeMutableBytes(of: &bytes) { raw in
            tern_interface_get_mac(name, raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
        try check(result, "cannot read its MAC address")
        return MACAddress(bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5)
    }

    private func check(_ result: Int32, _ what: String) throws(SystemError) {
        guard result < 0 else { return }
        throw SystemError(code: -result, operation: "interface \(name): \(what)", subject: .interface(name))
    }
}
