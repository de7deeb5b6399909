import FuzzSupport
import TernServices

/// Runs one fuzz input against a web-server connection (`HTTPConnection` of an
/// `HTTPFileServer` on `WebRootFixture`) the way the socket adapter drives it, and checks it.
///
/// The input: `[settings] [n] [split × (n % 33)] [stream…]`.
/// - settings: bit 0 buffered-input limit 64 bytes (else 16 KiB); bit 1 file chunks of 100
///   bytes (else 64 KiB); bit 2 small parser limits (head 256 bytes, request line 128, 8
///   headers, chunk lines of 16); bit 3 the peer closes its side after the stream (else the socket dies); bit 4 the
///   server knows the time (`Date` headers);
/// - each split byte, used in turn, shapes one step: (byte & 0x3F) + 1 bytes of the stream are
///   offered; then the socket takes all the output (bit 6), none (bit 7), or up to
///   (byte & 0x3F) × 37 + 1 bytes; 0xFF instead fires the adapter's timeout;
/// - the stream: what the client sends.
///
/// Invariants: nothing traps; the connection takes no more than it offers room for, and that
/// room is bounded; output is offered in bounded pieces; with its output drained the
/// connection either reads on or closes, never stalls; the output is a well-formed stream of
/// responses matching the access log, with Content-Length-consistent bodies, 200 bodies that
/// are files of the root (206 bodies and parts ranges of them), and never the secret beside
/// the root. The request parser alone yields the same events (conditional fields included)
/// for the stream whole and in the input's split; the date and Range parsers keep their
/// invariants on the stream taken as a field value.
enum HTTPScript {
    /// Prints the output and the access log (the replay driver sets it from `FUZZ_TRACE`).
    nonisolated(unsafe) static var trace = false

    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let settings = input.byte()
        let splits = input.bytes(Int(input.byte() % 33))
        let stream = input.rest()

        let limits = settings & 4 != 0
            ? HTTPRequestParser.Limits(maximumHeadLength: 256, maximumRequestLineLength: 128, maximumHeaderCount: 8,
                                       maximumChunkLineLength: 16)
            : HTTPRequestParser.Limits()
        let configuration = HTTPServerConfiguration(parserLimits: limits,
                                                    maximumBufferedInput: settings & 1 != 0 ? 64 : 16 * 1024,
                                                    fileChunkSize: settings & 2 != 0 ? 100 : 64 * 1024)
        let server = HTTPFileServer(webRoot: WebRootFixture.shared.webRoot, configuration: configuration)
        if settings & 16 != 0 { server.unixTime = 1_700_000_000 }

        ParserSplitCheck.check(stream, splits: splits, limits: limits)
        HeaderValueCheck.check(stream)
        var session = HTTPSession(connection: server.makeConnection(), configuration: configuration)
        session.run(stream: stream, splits: splits, peerCloses: settings & 8 != 0)
        if trace {
            traceLine(String(decoding: session.output.map { $0 == 13 ? UInt8(ascii: "~") : $0 }.filter { $0 < 128 }, as: UTF8.self))
            for entry in session.log { traceLine("log: \(entry)") }
        }
        ResponseStreamCheck.check(session.output, log: session.log, dated: settings & 16 != 0,
                                  served: WebRootFixture.shared.servedContents)
    }
}

/// The adapter's side of one connection: feeds the stream, drains output, follows the
/// disposition, and records what came out.
struct HTTPSession {
    var connection: HTTPConnection
    let configuration: HTTPServerConfiguration
    var output: [UInt8] = []
    var log: [HTTPAccessLogEntry] = []
    private var clock: Int64 = 0
    private var finished = false

    init(connection: HTTPConnection, configuration: HTTPServerConfiguration) {
        self.connection = connection
        self.configuration = configuration
    }

    /// The most a connection may offer in one piece: a file chunk, or a head (whose
    /// `Location` can echo a request-target as long as the head limit) and a short body.
    private var pieceBound: Int {
        max(configuration.fileChunkSize, configuration.parserLimits.maximumHeadLength + 1024)
    }

    mutating func run(stream: [UInt8], splits: [UInt8], peerCloses: Bool) {
        var offset = 0
        var step = 0
        var idleSteps = 0
        while !finished && (offset < stream.count || connection.hasPendingOutput) {
            let split = splits.isEmpty ? 0x7F : splits[step % splits.count]
            step += 1
            clock += 1_000_000
            var progressed = false
            if split == 0xFF {
                connection.timeOut()
            } else {
                if offset < stream.count {
                    let taken = feed(Array(stream[offset..<min(stream.count, offset + Int(split & 0x3F) + 1)]))
                    offset += taken
                    progressed = taken > 0
                }
                let budget = split & 0x40 != 0 ? Int.max : (split & 0x80 != 0 ? 0 : Int(split & 0x3F) * 37 + 1)
                if drain(budget: budget) > 0 { progressed = true }
            }
            settle()
            idleSteps = progressed ? 0 : idleSteps + 1
            if idleSteps > splits.count + 1 {
                // The script keeps starving it; drain everything, as a patient client would.
                let drained = drain(budget: .max)
                settle()
                let capacity = connection.receiveCapacity
                require(finished || drained > 0 || capacity > 0 || offset >= stream.count,
                        "the connection stalls: output drained, no room for input, disposition \(connection.disposition)")
                idleSteps = 0
            }
        }
        guard !finished else { return }
        if peerCloses {
            connection.receiveEnd(now: clock)
            settle()
            var rounds = 0
            while !finished && connection.hasPendingOutput {
                rounds += 1
                require(rounds < 100_000, "output never ends after the peer closed")
                _ = drain(budget: .max)
                settle()
            }
            require(finished || connection.disposition != .open,
                    "the peer closed and every response is out, yet the connection stays open")
        }
        close()
    }

    /// Offers bytes as the adapter does (at most `receiveCapacity`); returns how many were taken.
    private mutating func feed(_ bytes: [UInt8]) -> Int {
        let capacity = connection.receiveCapacity
        require(capacity >= 0, "negative receiveCapacity")
        if connection.disposition == .open && capacity != Int.max {
            require(capacity <= configuration.maximumBufferedInput,
                    "receiveCapacity \(capacity) above the buffered-input limit \(configuration.maximumBufferedInput)")
        }
        let offered = min(bytes.count, capacity)
        guard offered > 0 else { return 0 }
        let clock = self.clock
        let taken = bytes.withUnsafeBytes { connection.receive(UnsafeRawBufferPointer(rebasing: $0[0..<offered]), now: clock) }
        require(taken >= 0 && taken <= offered, "receive took \(taken) of \(offered) offered bytes")
        return taken
    }

    /// Lets the socket take up to `budget` bytes of output.
    private mutating func drain(budget: Int) -> Int {
        guard budget > 0, connection.hasPendingOutput else { return 0 }
        var left = budget
        var collected: [UInt8] = []
        let bound = pieceBound
        let total = connection.sendOutput { piece in
            require(piece.count <= bound, "a \(piece.count)-byte piece of output, above \(bound)")
            let n = min(piece.count, left)
            collected += piece[0..<n]
            left -= n
            return n
        }
        require(total == collected.count, "sendOutput reported \(total) bytes, the socket took \(collected.count)")
        output += collected
        return total
    }

    /// Acts on the disposition as the adapter would.
    private mutating func settle() {
        log += connection.takeAccessLogEntries()
        switch connection.disposition {
        case .abort:
            close()
        case .closeAfterOutput where !connection.hasPendingOutput:
            close()
        default:
            break
        }
    }

    private mutating func close() {
        guard !finished else { return }
        finished = true
        connection.connectionClosed()
        require(!connection.hasPendingOutput, "output pending after connectionClosed")
        log += connection.takeAccessLogEntries()
    }
}
