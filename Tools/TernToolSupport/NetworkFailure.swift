import Glibc

/// Why a network client could not do what it was asked, phrased for the user.
///
/// The client tools turn these into a `ToolFailure` with status 1 (`toolFailure`): the
/// command line was fine, the network or the server was not.
public enum NetworkFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The host name did not resolve (`reason` is getaddrinfo's).
    case cannotResolve(host: String, reason: String)
    /// Nothing listens there: a TCP reset in answer to the SYN, or an ICMP port unreachable.
    case refused(endpoint: String)
    /// No route to the host or its network (`reason` is the system's wording: "no route to
    /// host", "network is unreachable").
    case unreachable(endpoint: String, reason: String)
    /// No answer to the connection attempt within the time allowed.
    case connectTimedOut(endpoint: String, seconds: Double)
    /// Connected, but the server sent nothing for `seconds`.
    case receiveTimedOut(endpoint: String, seconds: Double)
    /// The server reset the connection.
    case reset(endpoint: String)
    /// Any other failure of a system call: its name and `errno`.
    case system(call: String, endpoint: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotResolve(let host, let reason):
            "cannot resolve '\(host)': \(reason)"
        case .refused(let endpoint):
            "\(endpoint): connection refused (nothing is listening there)"
        case .unreachable(let endpoint, let reason):
            "\(endpoint): \(reason)"
        case .connectTimedOut(let endpoint, let seconds):
            "\(endpoint): no answer to the connection attempt within \(formatSeconds(seconds))"
        case .receiveTimedOut(let endpoint, let seconds):
            "\(endpoint): the server sent nothing for \(formatSeconds(seconds))"
        case .reset(let endpoint):
            "\(endpoint): the server reset the connection"
        case .system(let call, let endpoint, let code):
            "\(endpoint): \(call) failed: \(systemErrorText(code))"
        }
    }

    /// The failure as a tool reports it: its description, exit status 1.
    public var toolFailure: ToolFailure {
        ToolFailure(description, status: 1)
    }

    /// The failure for `errno` value `code` from `call` on a socket to `endpoint`.
    static func from(errno code: Int32, call: String, endpoint: String) -> NetworkFailure {
        switch code {
        case ECONNREFUSED: .refused(endpoint: endpoint)
        case ENETUNREACH, EHOSTUNREACH, EHOSTDOWN, ENETDOWN, EADDRNOTAVAIL:
            .unreachable(endpoint: endpoint, reason: systemErrorText(code))
        case ECONNRESET, EPIPE: .reset(endpoint: endpoint)
        default: .system(call: call, endpoint: endpoint, errno: code)
        }
    }
}

/// `5 s`, `0.5 s`: whole seconds without a fraction.
public func formatSeconds(_ seconds: Double) -> String {
    if seconds == seconds.rounded(), abs(seconds) < 1e9 {
        return "\(Int(seconds)) s"
    }
    return "\(seconds) s"
}

/// The system's wording for an `errno` value, in lower case as it reads mid-sentence.
func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    let message = String(cString: text)
    guard let first = message.first else { return "error \(code)" }
    return first.lowercased() + message.dropFirst()
}
