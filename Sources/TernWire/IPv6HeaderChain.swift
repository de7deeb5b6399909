/// The extension headers of one IPv6 packet and where its upper-layer header starts, found
/// by following the next-header fields from the fixed header (RFC 8200 §4).
///
/// The walk goes through hop-by-hop options (only first), destination options, routing and
/// fragment headers, checks that each lies within the payload and that the options of the
/// options headers are well formed, and stops at the first other type: TCP, UDP, ICMPv6,
/// "no next header", or anything it does not walk (ESP, AH, unknown types; the caller
/// answers those with an unrecognised-next-header parameter problem pointing at
/// `upperLayerPointer`). In a fragment other than the first, what follows the fragment
/// header is data, so the walk stops there.
public struct IPv6HeaderChain: Hashable, Sendable {
    /// How long a chain may be before it is refused.
    public struct Limits: Hashable, Sendable {
        /// Extension headers in one packet. RFC 8200 §4.1 allows each type once (destination
        /// options twice), so a legitimate packet has at most five of the four kinds walked.
        public var maximumHeaders: Int

        public init(maximumHeaders: Int) {
            self.maximumHeaders = min(maximumHeaders, IPv6ExtensionHeaderList.capacity)
        }

        public static let standard = Limits(maximumHeaders: IPv6ExtensionHeaderList.capacity)
    }

    /// The extension headers in order.
    public var headers: IPv6ExtensionHeaderList
    /// The type of what follows the last extension header.
    public var upperLayer: IPProtocol
    /// Where that starts in the IPv6 payload (from the end of the 40-byte header).
    public var upperLayerOffset: Int
    /// Offset from the start of the IPv6 header of the next-header field that names
    /// `upperLayer`: 6 without extension headers.
    public var upperLayerPointer: Int
    /// The fragment header, if the packet has one.
    public var fragment: IPv6FragmentHeader?
    /// The routing header, if the packet has one.
    public var routing: IPv6RoutingHeader?
    /// The last address of a type 0 or type 2 routing header that still has segments left:
    /// the packet's final destination, which the upper-layer checksum covers instead of the
    /// destination field (RFC 8200 §8.1).
    public var routedFinalDestination: IPv6Address?

    /// The destination address of the upper-layer checksum's pseudo-header.
    public func pseudoHeaderDestination(_ header: IPv6Header) -> IPv6Address {
        routedFinalDestination ?? header.destination
    }

    /// Whether the packet is a fragment other than the first: what follows the fragment
    /// header is data, and `upperLayer` is the fragmentable part's first header type, not
    /// something at `upperLayerOffset`.
    public var isLaterFragment: Bool { (fragment?.fragmentOffset ?? 0) != 0 }

    /// Walks the headers of `payload`, the payload of a received IPv6 packet whose
    /// next-header field says `first`. Besides the chain's structure it checks the fragment
    /// rules of RFC 8200 §4.5 (a fragment followed by more holds a multiple of 8 bytes, none
    /// reaches past 65,535) and, in a first fragment, that the chain is complete (RFC 7112).
    public static func walk(_ payload: UnsafeRawBufferPointer, first: IPProtocol,
                            limits: Limits = .standard) throws(IPv6ChainError) -> IPv6HeaderChain {
        try walk(payload, first: first, limits: limits, received: true)
    }

    /// Walks the headers with the checks of structure only, none about fragment lengths or
    /// completeness: for the part of a packet an ICMPv6 error quotes (which a quote cut
    /// short would break), and for tools that show a packet as it is, as `ParsedFrame` does.
    public static func walkStructure(_ payload: UnsafeRawBufferPointer, first: IPProtocol,
                                  limits: Limits = .standard) throws(IPv6ChainError) -> IPv6HeaderChain {
        try walk(payload, first: first, limits: limits, received: false)
    }

    private static func walk(_ payload: UnsafeRawBufferPointer, first: IPProtocol, limits: Limits,
                             received: Bool) throws(IPv6ChainError) -> IPv6HeaderChain {
        var chain = IPv6HeaderChain(headers: IPv6ExtensionHeaderList(), upperLayer: first, upperLayerOffset: 0,
                                    upperLayerPointer: 6, fragment: nil, routing: nil,
                                    routedFinalDestination: nil)
        var next = first
        var offset = 0
        // After the fragment header of a first fragment, the rest of the chain and the
        // upper-layer header must be present (RFC 8200 §4.5, RFC 7112): running out is a
        // parameter problem, code 3.
        var inFirstFragment = false
        func cutShort(_ at: Int) -> IPv6ChainError {
            inFirstFragment
                ? IPv6ChainError(.truncated, pointer: 0, parameterProblem: .incompleteHeaderChain)
                : IPv6ChainError(.truncated, pointer: at, parameterProblem: nil)
        }

        // Where the fragment header starts, once found.
        var fragmentHeaderOffset: Int?
        walking: while true {
            let pointer = IPv6Header.size + offset
            switch next {
            case .hopByHopOptions, .destinationOptions, .routing, .fragment:
                if next == .hopByHopOptions && offset != 0 {
                    // Hop-by-hop options may only follow the fixed header (RFC 8200 §4.3).
                    throw IPv6ChainError(.malformed, pointer: chain.upperLayerPointer, parameterProblem: .unrecognizedNextHeader)
                }
                guard chain.headers.count < limits.maximumHeaders else {
                    throw IPv6ChainError(.malformed, pointer: pointer, parameterProblem: nil)
                }
                // A header that is not there at all: point at the field that names it.
                guard offset + 8 <= payload.count else { throw cutShort(chain.upperLayerPointer) }
                let header = payload.view(offset..<payload.count)
                let length: Int
                if next == .fragment {
                    guard chain.fragment == nil else {
                        throw IPv6ChainError(.malformed, pointer: pointer, parameterProblem: nil)
                    }
                    let fragment: IPv6FragmentHeader
                    do { fragment = try IPv6FragmentHeader.parse(header) } catch { throw cutShort(pointer) }
                    chain.fragment = fragment
                    fragmentHeaderOffset = offset
                    length = IPv6FragmentHeader.size
                    inFirstFragment = received && fragment.fragmentOffset == 0 && fragment.moreFragments
                } else {
                    length = (Int(header.u8(1)) + 1) * 8
                    guard length <= header.count else { throw cutShort(pointer + 1) }
                    let whole = header.view(0..<length)
                    if next == .routing {
                        guard chain.routing == nil else {
                            throw IPv6ChainError(.malformed, pointer: pointer, parameterProblem: nil)
                        }
                        let routing = IPv6RoutingHeader(nextHeader: IPProtocol(rawValue: whole.u8(0)),
                                                        routingType: whole.u8(2), segmentsLeft: whole.u8(3),
                                                        length: length)
                        chain.routing = routing
                        // Types 0 and 2 hold 4 reserved bytes, then the addresses of the route.
                        if (routing.routingType == 0 || routing.routingType == 2) && routing.segmentsLeft > 0 && length >= 24 {
                            let last = 8 + (length - 8) / 16 * 16 - 16
                            chain.routedFinalDestination = IPv6Address(loadingFrom: whole, at: last)
                        }
                    } else {
                        var options = IPv6OptionIterator(header: whole)
                        while true {
                            let option: IPv6Option?
                            do { option = try options.next() } catch {
                                throw IPv6ChainError(.badOption, pointer: pointer, parameterProblem: nil)
                            }
                            if option == nil { break }
                        }
                    }
                }
                chain.headers.append(next, offset: offset)
                chain.upperLayerPointer = pointer
                next = IPProtocol(rawValue: header.u8(0))
                chain.upperLayer = next
                offset += length
                chain.upperLayerOffset = offset
                if chain.isLaterFragment { break walking }
            default:
                break walking
            }
        }

        // A first fragment must hold the upper-layer header too (RFC 7112 §5): as Linux
        // measures it, TCP's 20 bytes, UDP's and ICMPv6's 8, one of anything else.
        if inFirstFragment && next != .noNextHeader {
            let needed: Int
            switch next {
            case .tcp: needed = 20
            case .udp, .icmpv6: needed = 8
            default: needed = 1
            }
            guard payload.count - offset >= needed else { throw cutShort(IPv6Header.size + offset) }
        }
        // RFC 8200 §4.5, checked after the chain as Linux does: a fragment that is not the
        // last holds a multiple of 8 bytes (the pointer names the payload length field), and
        // no fragment reaches past 65,535 bytes (the pointer names the offset field).
        if received, let fragment = chain.fragment, let at = fragmentHeaderOffset {
            let data = payload.count - at - IPv6FragmentHeader.size
            if fragment.moreFragments && data % 8 != 0 {
                throw IPv6ChainError(.badLength, pointer: 4, parameterProblem: .erroneousHeaderField)
            }
            if fragment.fragmentByteOffset + data > 65_535 {
                throw IPv6ChainError(.badLength, pointer: IPv6Header.size + at + 2, parameterProblem: .erroneousHeaderField)
            }
        }
        return chain
    }
}

/// Why a header chain was refused, where, and what to answer.
public struct IPv6ChainError: Error, Hashable, Sendable {
    /// The kind of fault, as the other parsers report it.
    public var error: WireError
    /// Offset from the start of the IPv6 header of the byte at fault.
    public var pointer: Int
    /// The parameter problem to send (RFC 4443 §3.4), or nil to drop the packet silently,
    /// as Linux does for headers cut short and for malformed options.
    public var parameterProblem: ICMPv6ParameterProblemCode?

    public init(_ error: WireError, pointer: Int, parameterProblem: ICMPv6ParameterProblemCode?) {
        self.error = error
        self.pointer = pointer
        self.parameterProblem = parameterProblem
    }
}

/// One extension header in a chain.
public struct IPv6ExtensionHeaderEntry: Hashable, Sendable {
    /// Which header this is (the next-header value that named it).
    public var type: IPProtocol
    /// Where it starts in the IPv6 payload.
    public var offset: Int
}

/// The extension headers of a chain, up to eight, stored inline so a walk allocates nothing.
public struct IPv6ExtensionHeaderList: Hashable, Sendable, RandomAccessCollection {
    public static let capacity = 8

    /// One type per byte, the first in the low byte.
    @usableFromInline var types: UInt64 = 0
    /// Four 16-bit offsets per word (payload offsets never exceed 65,535).
    @usableFromInline var offsetsLow: UInt64 = 0
    @usableFromInline var offsetsHigh: UInt64 = 0
    @usableFromInline var storedCount = 0

    @inlinable
    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { storedCount }

    public subscript(i: Int) -> IPv6ExtensionHeaderEntry {
        precondition(i >= 0 && i < storedCount, "extension header index out of range")
        let type = UInt8(truncatingIfNeeded: types >> UInt64(8 * i))
        let word = i < 4 ? offsetsLow : offsetsHigh
        let offset = Int(UInt16(truncatingIfNeeded: word >> UInt64(16 * (i & 3))))
        return IPv6ExtensionHeaderEntry(type: IPProtocol(rawValue: type), offset: offset)
    }

    /// Appends a header; the caller keeps the count below `capacity`.
    mutating func append(_ type: IPProtocol, offset: Int) {
        let i = storedCount
        guard i < IPv6ExtensionHeaderList.capacity else { return }
        types |= UInt64(type.rawValue) << UInt64(8 * i)
        let shifted = UInt64(UInt16(truncatingIfNeeded: offset)) << UInt64(16 * (i & 3))
        if i < 4 { offsetsLow |= shifted } else { offsetsHigh |= shifted }
        storedCount += 1
    }

    /// The first header of `type`, if any.
    public func first(_ type: IPProtocol) -> IPv6ExtensionHeaderEntry? {
        first { $0.type == type }
    }
}
