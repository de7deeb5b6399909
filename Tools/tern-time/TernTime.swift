import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-time`: the Time Protocol client (RFC 868).
struct TernTime: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-time",
        abstract: "Ask a Time Protocol server (RFC 868) for the time and compare it with this machine's clock.",
        discussion: """
            Prints two lines:
                Server time: N    the server's answer
                System time: N    this machine's clock, read when the answer arrived
            Both count seconds since 1900-01-01 00:00 UTC, as the protocol does: Unix time
            plus 2,208,988,800, modulo 2^32 (the count wraps in 2036).

            Over TCP the server sends 4 bytes and closes. With --udp an empty datagram is
            sent and a 4-byte datagram expected back; the query is sent up to three times
            within the timeout, as UDP may lose it.

            Exit status: 0 with an answer; 1 when there is none (cannot resolve the host,
            connection refused, unreachable, timeout, or a reply that is not 4 bytes);
            2 on bad usage.
            """,
        version: TernVersion.number)

    @Argument(help: "The time server: a name or an IPv4/IPv6 address.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The server's port.")
    var port = 37

    @Flag(name: .long, help: "Ask over UDP instead of TCP.")
    var udp = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the connection and the answer.", valueName: "seconds"))
    var timeout = 5.0

    func validate() throws {
        _ = try ClientArguments.port(port, name: "--port")
        _ = try ClientArguments.timeout(timeout)
    }

    func run() throws {
        let port = try ClientArguments.port(port, name: "--port")
        let server = udp
            ? try TimeQuery.overUDP(host: host, port: port, timeout: timeout)
            : try TimeQuery.overTCP(host: host, port: port, timeout: timeout)
        let system = TimeReply.systemTime(unixTime: TimeQuery.unixTimeNow())
        for line in TimeReply.report(server: server, system: system) { print(line) }
    }
}
