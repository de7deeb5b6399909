import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-get`: a minimal web client that shows the raw response.
struct TernGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-get",
        abstract: "Fetch a path from a web server and print the raw HTTP response: header, blank line, body.",
        discussion: """
            Sends an HTTP/1.0-style request with Connection: close:
                GET PATH HTTP/1.0
                Host: HOST[:PORT]
                User-Agent: tern-get
                Accept: */*
                Connection: close
            and copies everything the server sends to standard output, byte for byte
            (binary bodies included), until the server closes the connection.

            PORT defaults to 80 and PATH to /; "tern-get HOST /PATH" also works. An IPv6
            address may be given bare or in brackets, as in URLs: tern-get '[fd00::2]'. A PATH
            without a leading / gets one; spaces and non-ASCII characters are
            percent-encoded as UTF-8.

            Exit status: 0 when the server sent a response and closed the connection
            (whatever its HTTP status: read it in the first line); 1 when it could not be
            fetched (cannot resolve the host, connection refused, unreachable, timeout,
            reset, or a close before any byte); 2 on bad usage (a bad port, a path with a
            control character).
            """,
        version: TernVersion.number)

    @Argument(help: "The web server: a name or an IPv4/IPv6 address (an IPv6 one may be in brackets).")
    var host: String

    /// The host without the brackets an IPv6 literal may come in (`[fd00::2]`).
    var hostName: String {
        guard host.count > 2, host.hasPrefix("["), host.hasSuffix("]") else { return host }
        return String(host.dropFirst().dropLast())
    }

    @Argument(help: ArgumentHelp("The port (default 80), or the path when it starts with /.", valueName: "port"))
    var portOrPath: String?

    @Argument(help: ArgumentHelp("The path to fetch (default /).", valueName: "path"))
    var path: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the connection, and for each piece of the response.", valueName: "seconds"))
    var timeout = 10.0

    /// The port and path the positional arguments name.
    func target() throws -> (port: UInt16, path: String) {
        guard let portOrPath else { return (80, "/") }
        if path == nil, portOrPath.hasPrefix("/") { return (80, portOrPath) }
        guard let number = Int(portOrPath) else {
            throw ValidationError("PORT must be a port number from 1 to 65535, not '\(portOrPath)' (a path starts with /).")
        }
        return (try ClientArguments.port(number), path ?? "/")
    }

    func validate() throws {
        _ = try target()
        _ = try ClientArguments.timeout(timeout)
    }

    func run() throws {
        let (port, path) = try target()
        let request: HTTPGetRequest
        do {
            request = try HTTPGetRequest(host: hostName, port: port, path: path)
        } catch {
            throw ToolFailure(error.message)
        }
        RawOutput.ignoreBrokenPipeSignal()
        let socket: ClientSocket
        do {
            socket = try ClientSocket.connect(host: hostName, port: port, timeout: timeout)
            try socket.send(request.bytes, timeout: timeout)
        } catch {
            throw error.toolFailure
        }
        _ = try ResponseCopy.run(from: socket, timeout: timeout) { (bytes: ArraySlice<UInt8>) throws(RawOutput.Failure) in
            try RawOutput.write(bytes)
        }
    }
}
