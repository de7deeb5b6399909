import TernWire

/// IPv6 packets built with our writers for the unit tests.
enum IPv6Packets {
    static let source = IPv6Address("2001:db8::1")!
    static let destination = IPv6Address("2001:db8::2")!

    /// A fixed header followed by `payload` (extension headers and upper layer, already
    /// encoded), with `first` as its next header.
    static func packet(first: IPProtocol, payload: [UInt8], hopLimit: UInt8 = 64,
                       source: IPv6Address = source, destination: IPv6Address = destination) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: IPv6Header.size) + payload
        let header = IPv6Header(trafficClass: 0xB8, flowLabel: 0x12345, payloadLength: UInt16(payload.count),
                                nextHeader: first, hopLimit: hopLimit, source: source, destination: destination)
        try bytes.withUnsafeMutableBytes { _ = try header.write(to: $0) }
        return bytes
    }

    /// An options header (hop-by-hop or destination options) holding `options`, padded.
    static func options(next: IPProtocol, _ options: [IPv6OptionTLV]) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0xEE, count: 2048)
        let n = try bytes.withUnsafeMutableBytes { try IPv6OptionsHeader.write(nextHeader: next, options: options, to: $0) }
        return Array(bytes[0..<n])
    }

    static func fragment(next: IPProtocol, offset: UInt16, more: Bool, id: UInt32 = 0xCAFE) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 8)
        try bytes.withUnsafeMutableBytes {
            _ = try IPv6FragmentHeader(nextHeader: next, fragmentOffset: offset, moreFragments: more, identification: id).write(to: $0)
        }
        return bytes
    }

    /// A routing header of `type` listing `addresses` after 4 reserved bytes (types 0 and 2).
    static func routing(next: IPProtocol, type: UInt8, segmentsLeft: UInt8, addresses: [IPv6Address]) throws -> [UInt8] {
        let data = [UInt8](repeating: 0, count: 4) + addresses.flatMap(\.bytes)
        var bytes = [UInt8](repeating: 0, count: 4 + data.count)
        try bytes.withUnsafeMutableBytes { buffer in
            try data.withUnsafeBytes { raw in
                _ = try IPv6RoutingHeader(nextHeader: next, routingType: type, segmentsLeft: segmentsLeft, length: 0)
                    .write(to: buffer, data: raw)
            }
        }
        return bytes
    }

    /// A UDP datagram whose checksum covers the IPv6 pseudo-header.
    static func udp(_ payload: [UInt8], source: IPv6Address = source, destination: IPv6Address = destination) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 8) + payload
        try bytes.withUnsafeMutableBytes {
            _ = try UDPHeader(sourcePort: 4000, destinationPort: 7, length: UInt16(8 + payload.count))
                .write(to: $0, source: source, destination: destination)
        }
        return bytes
    }

    /// Runs the receiver's walk over `packet` (from the IPv6 header on).
    static func walk(_ packet: [UInt8], limits: IPv6HeaderChain.Limits = .standard) -> Result<IPv6HeaderChain, IPv6ChainError> {
        let parsed: Result<Result<IPv6HeaderChain, IPv6ChainError>, WireError> = packet.withUnsafeBytes { raw in
            do throws(WireError) {
                let p = try IPv6Header.parse(raw)
                do throws(IPv6ChainError) { return .success(.success(try p.headerChain(limits: limits))) } catch {
                    return .success(.failure(error))
                }
            } catch { return .failure(error) }
        }
        switch parsed {
        case .success(let result): return result
        case .failure(let error): return .failure(IPv6ChainError(error, pointer: -1, parameterProblem: nil))
        }
    }

    /// The same with the structure-only walk.
    static func walkStructure(_ packet: [UInt8]) -> Result<IPv6HeaderChain, IPv6ChainError> {
        packet.withUnsafeBytes { raw in
            guard let p = try? IPv6Header.parse(raw) else {
                return .failure(IPv6ChainError(.truncated, pointer: -1, parameterProblem: nil))
            }
            do throws(IPv6ChainError) { return .success(try p.headerStructure()) } catch { return .failure(error) }
        }
    }

    /// The receiver's disposition of `packet`, knowing TCP, UDP and ICMPv6.
    static func disposition(_ packet: [UInt8], recognizes: @escaping (UInt8) -> Bool = { $0 == IPv6OptionType.routerAlert })
        -> IPv6HeaderDisposition? {
        packet.withUnsafeBytes { raw in
            guard let p = try? IPv6Header.parse(raw) else { return nil }
            return p.receiverDisposition(recognizesOption: recognizes,
                                         knowsUpperLayer: { [.tcp, .udp, .icmpv6].contains($0) }).disposition
        }
    }
}
