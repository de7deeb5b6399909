/// The type field of an ICMPv6 message (RFC 4443 §2.1; Neighbor Discovery's are RFC 4861's,
/// the multicast listener ones RFC 2710 and RFC 3810's).
public struct ICMPv6Type: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let destinationUnreachable = ICMPv6Type(rawValue: 1)
    public static let packetTooBig = ICMPv6Type(rawValue: 2)
    public static let timeExceeded = ICMPv6Type(rawValue: 3)
    public static let parameterProblem = ICMPv6Type(rawValue: 4)
    public static let echoRequest = ICMPv6Type(rawValue: 128)
    public static let echoReply = ICMPv6Type(rawValue: 129)
    public static let multicastListenerQuery = ICMPv6Type(rawValue: 130)
    public static let multicastListenerReport = ICMPv6Type(rawValue: 131)
    public static let multicastListenerDone = ICMPv6Type(rawValue: 132)
    public static let routerSolicitation = ICMPv6Type(rawValue: 133)
    public static let routerAdvertisement = ICMPv6Type(rawValue: 134)
    public static let neighborSolicitation = ICMPv6Type(rawValue: 135)
    public static let neighborAdvertisement = ICMPv6Type(rawValue: 136)
    public static let redirect = ICMPv6Type(rawValue: 137)
    public static let multicastListenerReportV2 = ICMPv6Type(rawValue: 143)

    /// Types 0–127 are errors, which quote the packet that caused them and are never
    /// answered with another error (RFC 4443 §2.4 e).
    public var isError: Bool { rawValue < 128 }

    /// The five Neighbor Discovery messages (RFC 4861 §4).
    public var isNeighborDiscovery: Bool { (133...137).contains(rawValue) }

    /// As tcpdump names it.
    public var description: String {
        switch self {
        case .destinationUnreachable: "destination unreachable"
        case .packetTooBig: "packet too big"
        case .timeExceeded: "time exceeded in-transit"
        case .parameterProblem: "parameter problem"
        case .echoRequest: "echo request"
        case .echoReply: "echo reply"
        case .multicastListenerQuery: "multicast listener query"
        case .multicastListenerReport: "multicast listener report"
        case .multicastListenerDone: "multicast listener done"
        case .routerSolicitation: "router solicitation"
        case .routerAdvertisement: "router advertisement"
        case .neighborSolicitation: "neighbor solicitation"
        case .neighborAdvertisement: "neighbor advertisement"
        case .redirect: "redirect"
        case .multicastListenerReportV2: "multicast listener report v2"
        default: "type \(rawValue)"
        }
    }
}

/// Codes of destination-unreachable messages (RFC 4443 §3.1).
public enum ICMPv6UnreachableCode: UInt8, Hashable, Sendable, CustomStringConvertible {
    case noRoute = 0
    case administrativelyProhibited = 1
    case beyondScopeOfSource = 2
    case address = 3
    case port = 4
    case sourceAddressFailedPolicy = 5
    case rejectRoute = 6

    public var description: String {
        switch self {
        case .noRoute: "no route to destination"
        case .administrativelyProhibited: "administratively prohibited"
        case .beyondScopeOfSource: "beyond scope of source address"
        case .address: "unreachable address"
        case .port: "unreachable port"
        case .sourceAddressFailedPolicy: "source address failed ingress/egress policy"
        case .rejectRoute: "reject route to destination"
        }
    }
}

/// Codes of time-exceeded messages (RFC 4443 §3.3).
public enum ICMPv6TimeExceededCode: UInt8, Hashable, Sendable {
    case hopLimitExceeded = 0
    case fragmentReassemblyTimeExceeded = 1
}

/// Codes of parameter-problem messages (RFC 4443 §3.4, RFC 7112 §5).
public enum ICMPv6ParameterProblemCode: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// A header field holds a value that cannot be processed; the pointer names it.
    case erroneousHeaderField = 0
    /// A next-header value the node does not know; the pointer names the field holding it.
    case unrecognizedNextHeader = 1
    /// An option of unknown type whose action bits ask for a report; the pointer names it.
    case unrecognizedOption = 2
    /// The first fragment does not hold the whole header chain; the pointer is 0.
    case incompleteHeaderChain = 3

    public var description: String {
        switch self {
        case .erroneousHeaderField: "erroneous header field"
        case .unrecognizedNextHeader: "unrecognized next header"
        case .unrecognizedOption: "unrecognized option"
        case .incompleteHeaderChain: "incomplete header chain"
        }
    }
}
