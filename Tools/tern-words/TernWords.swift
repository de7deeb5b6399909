import ArgumentParser
import TernToolSupport
import TernWire

/// `tern-words`: the word service client.
struct TernWords: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern-words",
        abstract: "Read words from a word service and print each on its own line.",
        discussion: """
            The word service sends some words, each as a 2-byte big-endian length followed
            by that many bytes of UTF-8 (1 to 65,535 of them), then closes. tern-words reads
            the stream in reads of exactly --chunk bytes (the server's segments may be split
            anywhere), reassembles the packets with the length-prefixed codec Tern's chat
            uses, and prints each word on its own line.

            Control characters (a line break inside a word, say) and bytes that are not
            UTF-8 are printed as \\xNN, so each word stays on one line.

            Exit status: 0 when the stream ended after a whole word (or held none); 1 when
            it could not be read (cannot resolve the host, connection refused, unreachable,
            timeout, reset) or ended in the middle of a packet, or carried a length of zero
            (the words before that are printed); 2 on bad usage.
            """,
        version: TernVersion.number)

    @Argument(help: "The word server: a name or an IPv4/IPv6 address.")
    var host: String

    @Argument(help: "The word service's port.")
    var port: Int

    @Option(name: .long, help: ArgumentHelp("The size of each read, 1 to 4096 bytes.", valueName: "n"))
    var chunk = 4096

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the connection, and for each read.", valueName: "seconds"))
    var timeout = 10.0

    func validate() throws {
        _ = try ClientArguments.port(port)
        guard WordStreamReader.chunkSizes.contains(chunk) else {
            throw ValidationError("--chunk must be a read size from 1 to 4096 bytes, not \(chunk).")
        }
        _ = try ClientArguments.timeout(timeout)
    }

    func run() throws {
        let port = try ClientArguments.port(port)
        let socket = try ClientSocket.connectForTool(host: host, port: port, timeout: timeout)
        var reader = WordStreamReader(chunkSize: chunk)
        do {
            try reader.run(read: { (buffer: inout [UInt8]) throws(NetworkFailure) in
                try socket.receive(into: &buffer, timeout: timeout)
            }, deliver: { word in
                print(WordDisplay.text(word))
            })
        } catch {
            throw ToolFailure(error.message, status: 1)
        }
    }
}
