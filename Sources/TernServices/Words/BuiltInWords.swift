/// The word service's built-in list: networking terms, sea birds and a few words that are not
/// ASCII, so clients see multi-byte UTF-8 too.
enum BuiltInWords {
    static let all: [String] = [
        // Networking
        "address", "acknowledgment", "bandwidth", "beacon", "bridge", "broadcast", "buffer",
        "checksum", "congestion", "datagram", "delay", "frame", "gateway", "handshake", "header",
        "hop", "interface", "jitter", "latency", "link", "loopback", "mask", "multicast",
        "netmask", "octet", "packet", "payload", "ping", "port", "protocol", "queue", "reassembly",
        "retransmission", "route", "router", "segment", "sequence", "socket", "stream", "subnet",
        "switch", "throughput", "timeout", "traceroute", "tunnel", "unicast", "window",
        // Sea birds
        "albatross", "auk", "booby", "cormorant", "fulmar", "gannet", "guillemot", "gull",
        "kittiwake", "noddy", "petrel", "puffin", "razorbill", "shearwater", "skimmer", "skua",
        "tern", "tropicbird",
        // The sea and the shore
        "anchor", "breaker", "current", "dune", "estuary", "harbour", "horizon", "island",
        "lagoon", "lighthouse", "reef", "shingle", "spray", "swell", "tide", "wave",
        // Not ASCII
        "café", "naïve", "façade", "Zürich", "smørrebrød", "crème brûlée", "Ελλάδα", "Ωκεανός",
        "море", "волна", "海", "鳥", "波", "🐦", "🌊",
    ]
}
