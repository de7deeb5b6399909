import Glibc

/// One address a host name resolved to, ready for `connect(2)`.
public struct ResolvedAddress: Sendable {
    /// The socket address, IPv4 or IPv6.
    public var storage: sockaddr_storage
    public var length: socklen_t
    /// `AF_INET` or `AF_INET6`.
    public var family: Int32
    /// The address in numeric form (`192.0.2.1`, `::1`).
    public var numericHost: String
}

/// The transport a client socket speaks.
public enum ClientTransport: Sendable {
    case tcp
    case udp

    var socketType: Int32 {
        switch self {
        case .tcp: Int32(SOCK_STREAM.rawValue)
        case .udp: Int32(SOCK_DGRAM.rawValue)
        }
    }
}

/// Host names and address literals to socket addresses, through getaddrinfo(3).
public enum HostResolution {
    /// Every address `host` resolves to for `port`, in the resolver's order of preference.
    public static func resolve(host: String, port: UInt16, transport: ClientTransport) throws(NetworkFailure) -> [ResolvedAddress] {
        guard !host.isEmpty, !host.utf8.contains(0) else {
            throw .cannotResolve(host: host, reason: "not a host name")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = transport.socketType
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            throw .cannotResolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [ResolvedAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr,
                  info.ai_family == AF_INET || info.ai_family == AF_INET6,
                  info.ai_addrlen > 0, Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size
            else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { destination in
                destination.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
            }
            addresses.append(ResolvedAddress(storage: storage, length: info.ai_addrlen, family: info.ai_family,
                                             numericHost: numericHost(address, info.ai_addrlen)))
        }
        guard !addresses.isEmpty else {
            throw .cannotResolve(host: host, reason: "no IPv4 or IPv6 address")
        }
        return addresses
    }

    /// `HOST port N`, or `NAME (ADDRESS) port N` when the host was a name: how the client
    /// tools name the other end in messages.
    public static func endpointDescription(host: String, numericHost: String, port: UInt16) -> String {
        host == numericHost ? "\(host) port \(port)" : "\(host) (\(numericHost)) port \(port)"
    }

    private static func numericHost(_ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> String {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let status = getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
        guard status == 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
