/// Why the stack discarded something it received or meant to send. Every drop is counted
/// under exactly one reason, so the counters explain what happened to hostile or broken
/// traffic without a log line per packet.
public enum DropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    // Ethernet
    case frameTruncated
    case frameNotForUs
    case frameUnknownEtherType
    // ARP
    case arpMalformed
    case arpUnsupported
    case arpQueueFull
    case arpResolutionFailed
    case arpAddressConflict
    case arpFromOurMAC
    case arpNotForUs
    // IPv4
    case ipTruncated
    case ipMalformed
    case ipBadLength
    case ipBadChecksum
    case ipNotForUs
    case ipBadSource
    case ipUnknownProtocol
    case ipNoRoute
    case ipTooBig
    case ipBadOptions
    case ipSourceRouted
    // Forwarding (RFC 1812)
    case forwardTTLExceeded
    case forwardFragmentationNeeded
    case forwardLinkBroadcast
    case forwardBadSource
    case forwardBadDestination
    case reassemblyTimeout
    case reassemblyOverlap
    case reassemblyNoMemory
    case reassemblyTooLong
    case reassemblyEvicted
    // ICMP
    case icmpTruncated
    case icmpBadChecksum
    case icmpRateLimited
    case icmpBroadcastEcho
    case icmpUnhandled
    // UDP
    case udpTruncated
    case udpBadLength
    case udpBadChecksum
    case udpNoListener
    // TCP
    case tcpTruncated
    case tcpMalformed
    case tcpBadChecksum
    case tcpBadOptions
    case tcpNoListener
    case tcpOutOfWindow
    case tcpDuplicate
    case tcpBadACK
    case tcpPAWS
    case tcpSynQueueFull
    case tcpBacklogFull
    case tcpTooManyConnections
    case tcpOutOfOrderFull
    case tcpInvalidInState
    case tcpBadSourceOrDestination
    // IPv6 and Neighbor Discovery
    case ipv6Malformed
    case ipv6NotForUs
    case ipv6BadSource
    case ipv6HeaderRefused
    case ndpInvalid
    case ndpNotForUs
    case ndpFromOurMAC
    case ndpQueueFull
    case ndpResolutionFailed
    case ndpAddressConflict

    public var description: String {
        switch self {
        case .frameTruncated: "frame shorter than its headers"
        case .frameNotForUs: "frame for another MAC"
        case .frameUnknownEtherType: "unknown EtherType"
        case .arpMalformed: "malformed ARP"
        case .arpUnsupported: "ARP for another hardware/protocol type"
        case .arpQueueFull: "no room to queue a packet awaiting ARP"
        case .arpResolutionFailed: "ARP resolution failed"
        case .arpAddressConflict: "ARP from another MAC claiming our address"
        case .arpFromOurMAC: "ARP with our own MAC as sender"
        case .arpNotForUs: "ARP for another address"
        case .ipTruncated: "IPv4 datagram truncated"
        case .ipMalformed: "IPv4 version or header length invalid"
        case .ipBadLength: "IPv4 total length invalid"
        case .ipBadChecksum: "IPv4 header checksum wrong"
        case .ipNotForUs: "IPv4 datagram for another host"
        case .ipBadSource: "IPv4 source is broadcast, multicast or ours"
        case .ipUnknownProtocol: "IPv4 protocol not supported"
        case .ipNoRoute: "no route to destination"
        case .ipTooBig: "datagram too big to send"
        case .ipBadOptions: "IPv4 options malformed"
        case .ipSourceRouted: "IPv4 source-routed datagram refused"
        case .forwardTTLExceeded: "not forwarded: TTL exceeded"
        case .forwardFragmentationNeeded: "not forwarded: larger than the next link's MTU with DF set"
        case .forwardLinkBroadcast: "not forwarded: arrived in a link-layer broadcast"
        case .forwardBadSource: "not forwarded: source 0/8, 127/8, broadcast or multicast"
        case .forwardBadDestination: "not forwarded: destination 0/8, 127/8, multicast or reserved"
        case .reassemblyTimeout: "reassembly timed out"
        case .reassemblyOverlap: "overlapping fragments"
        case .reassemblyNoMemory: "reassembly memory exhausted"
        case .reassemblyTooLong: "reassembled datagram over 65535 bytes"
        case .reassemblyEvicted: "oldest incomplete datagram dropped for a new one"
        case .icmpTruncated: "ICMP message truncated"
        case .icmpBadChecksum: "ICMP checksum wrong"
        case .icmpRateLimited: "ICMP error rate-limited"
        case .icmpBroadcastEcho: "echo request to a broadcast address"
        case .icmpUnhandled: "ICMP type not handled"
        case .udpTruncated: "UDP datagram truncated"
        case .udpBadLength: "UDP length invalid"
        case .udpBadChecksum: "UDP checksum wrong"
        case .udpNoListener: "UDP to a closed port"
        case .tcpTruncated: "TCP segment truncated"
        case .tcpMalformed: "TCP data offset invalid"
        case .tcpBadChecksum: "TCP checksum wrong"
        case .tcpBadOptions: "TCP options malformed"
        case .tcpNoListener: "TCP to a closed port"
        case .tcpOutOfWindow: "TCP segment outside the window"
        case .tcpDuplicate: "TCP duplicate data"
        case .tcpBadACK: "TCP acknowledgment of unsent data"
        case .tcpPAWS: "TCP timestamp older than the last (PAWS)"
        case .tcpSynQueueFull: "SYN queue full"
        case .tcpBacklogFull: "accept backlog full"
        case .tcpTooManyConnections: "connection limit reached"
        case .tcpOutOfOrderFull: "no room for out-of-order data"
        case .tcpInvalidInState: "TCP segment invalid in its connection's state"
        case .tcpBadSourceOrDestination: "TCP segment from or to a broadcast address"
        case .ipv6Malformed: "IPv6 packet truncated or not version 6"
        case .ipv6NotForUs: "IPv6 packet for another host or group"
        case .ipv6BadSource: "IPv6 source is multicast, loopback or ours"
        case .ipv6HeaderRefused: "IPv6 extension headers refused"
        case .ndpInvalid: "Neighbor Discovery message invalid"
        case .ndpNotForUs: "neighbour solicitation for another address"
        case .ndpFromOurMAC: "Neighbor Discovery message with our own MAC as sender"
        case .ndpQueueFull: "no room to queue a packet awaiting Neighbor Discovery"
        case .ndpResolutionFailed: "Neighbor Discovery resolution failed"
        case .ndpAddressConflict: "another node claims one of our IPv6 addresses"
        }
    }
}

/// Things the stack did, counted.
public enum StackEventCounter: Int, CaseIterable, Sendable, CustomStringConvertible {
    case framesReceived
    case framesSent
    case bytesReceived
    case bytesSent
    case arpRequestsAnswered
    case arpRequestsSent
    case ipDatagramsDelivered
    case fragmentsReceived
    case datagramsReassembled
    case datagramsFragmented
    case fragmentsSent
    case datagramsForwarded
    case echoRepliesSent
    case icmpTimestampRepliesSent
    case icmpErrorsSent
    case icmpErrorsReceived
    case udpDatagramsDelivered
    case udpDatagramsSent
    case tcpSegmentsReceived
    case tcpSegmentsSent
    case tcpDataBytesReceived
    case tcpRetransmissions
    case tcpFastRetransmits
    case tcpTimeouts
    case tcpTailLossProbes
    case tcpSpuriousTimeouts
    case tcpReceiveBufferGrowths
    case tcpResetsSent
    case tcpChallengeACKs
    case tcpPassiveOpens
    case tcpActiveOpens
    case tcpTimeWaitReused
    case tcpConnectionsFailed
    case ipv6PacketsDelivered
    case neighborSolicitationsSent
    case neighborSolicitationsAnswered
    case neighborAdvertisementsSent
    case routerAdvertisementsSent

    public var description: String {
        switch self {
        case .framesReceived: "frames received"
        case .framesSent: "frames sent"
        case .bytesReceived: "bytes received"
        case .bytesSent: "bytes sent"
        case .arpRequestsAnswered: "ARP requests answered"
        case .arpRequestsSent: "ARP requests sent"
        case .ipDatagramsDelivered: "IPv4 datagrams delivered"
        case .fragmentsReceived: "fragments received"
        case .datagramsReassembled: "datagrams reassembled"
        case .datagramsFragmented: "datagrams fragmented"
        case .fragmentsSent: "fragments sent"
        case .datagramsForwarded: "datagrams forwarded"
        case .echoRepliesSent: "echo replies sent"
        case .icmpTimestampRepliesSent: "ICMP timestamp replies sent"
        case .icmpErrorsSent: "ICMP errors sent"
        case .icmpErrorsReceived: "ICMP errors received"
        case .udpDatagramsDelivered: "UDP datagrams delivered"
        case .udpDatagramsSent: "UDP datagrams sent"
        case .tcpSegmentsReceived: "TCP segments received"
        case .tcpSegmentsSent: "TCP segments sent"
        case .tcpDataBytesReceived: "TCP data bytes received in order"
        case .tcpRetransmissions: "TCP retransmissions"
        case .tcpFastRetransmits: "TCP fast retransmits"
        case .tcpTimeouts: "TCP retransmission timeouts"
        case .tcpTailLossProbes: "TCP tail loss probes"
        case .tcpSpuriousTimeouts: "TCP spurious timeouts undone"
        case .tcpReceiveBufferGrowths: "TCP receive buffers grown"
        case .tcpResetsSent: "TCP resets sent"
        case .tcpChallengeACKs: "TCP challenge ACKs"
        case .tcpPassiveOpens: "TCP passive opens"
        case .tcpActiveOpens: "TCP active opens"
        case .tcpTimeWaitReused: "TIME-WAIT connections reused by a new SYN"
        case .tcpConnectionsFailed: "TCP connections failed"
        case .ipv6PacketsDelivered: "IPv6 packets delivered"
        case .neighborSolicitationsSent: "neighbour solicitations sent"
        case .neighborSolicitationsAnswered: "neighbour solicitations answered"
        case .neighborAdvertisementsSent: "neighbour advertisements sent"
        case .routerAdvertisementsSent: "router advertisements sent"
        }
    }
}

/// The stack's counters: one per drop reason and one per event.
public struct StackCounters: Sendable {
    private var drops = [UInt64](repeating: 0, count: DropReason.allCases.count)
    private var events = [UInt64](repeating: 0, count: StackEventCounter.allCases.count)

    public init() {}

    public subscript(reason: DropReason) -> UInt64 { drops[reason.rawValue] }
    public subscript(event: StackEventCounter) -> UInt64 { events[event.rawValue] }

    @inline(__always)
    mutating func drop(_ reason: DropReason) { drops[reason.rawValue] &+= 1 }

    @inline(__always)
    mutating func count(_ event: StackEventCounter, _ n: UInt64 = 1) { events[event.rawValue] &+= n }

    /// Total of all drops.
    public var totalDrops: UInt64 { drops.reduce(0, &+) }

    /// Non-zero counters as `name: value` lines, events first, for logs.
    public var report: [String] {
        var lines: [String] = []
        for e in StackEventCounter.allCases where self[e] != 0 { lines.append("\(e): \(self[e])") }
        for r in DropReason.allCases where self[r] != 0 { lines.append("dropped, \(r): \(self[r])") }
        return lines
    }
}
