import Glibc
import TernToolSupport

/// The chat's event loop: waits with poll(2) on standard input, the connection and the
/// signal pipe, and moves data between them, the session and the front end.
struct ChatLoop<FrontEnd: ChatFrontEnd> {
    private var session: ChatSession
    private var frontEnd: FrontEnd
    private let socket: ClientSocket
    private let signalPipe: Int32?
    private var inputOpen = true
    /// Text waiting to be written to standard output.
    private var output = ""
    /// When set, the loop ends once the queued packets are sent or this time passes.
    private var quitDeadline: Double?
    private var finished = false
    private var status: Int32 = 0

    /// How long a quitting client keeps trying to send what the user said last.
    static var lingerSeconds: Double { 2 }

    init(session: ChatSession, frontEnd: FrontEnd, socket: ClientSocket, signalPipe: Int32?) {
        self.session = session
        self.frontEnd = frontEnd
        self.socket = socket
        self.signalPipe = signalPipe
    }

    /// Runs until the user quits (status 0) or the connection ends (status 1).
    mutating func run(banner: [String]) -> Int32 {
        output += frontEnd.start(banner: banner)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !finished {
            flushOutput()
            sendQueued()
            if finished { break }
            if let deadline = quitDeadline, session.outgoing.isEmpty || MonotonicClock.now >= deadline { break }
            var descriptors = [pollfd(fd: socket.descriptor,
                                      events: Int16(quitDeadline == nil ? POLLIN : 0) | Int16(session.outgoing.isEmpty ? 0 : POLLOUT),
                                      revents: 0)]
            if inputOpen && quitDeadline == nil {
                descriptors.append(pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0))
            }
            if let signalPipe {
                descriptors.append(pollfd(fd: signalPipe, events: Int16(POLLIN), revents: 0))
            }
            let timeout = quitDeadline.map { MonotonicClock.milliseconds(until: $0) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            guard ready > 0 else { continue }   // timeout or EINTR: the loop's checks decide
            for entry in descriptors where entry.revents != 0 {
                switch entry.fd {
                case socket.descriptor: receive(into: &buffer, events: entry.revents)
                case STDIN_FILENO: readInput(into: &buffer)
                default: handleSignals()
                }
            }
        }
        output += frontEnd.finish()
        flushOutput()
        socket.shutdownWrite()
        return status
    }

    private mutating func receive(into buffer: inout [UInt8], events: Int16) {
        guard events & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
        if quitDeadline != nil {
            // Leaving anyway: whatever the server says or does now changes nothing.
            finished = true
            return
        }
        do {
            guard let count = try socket.receiveAvailable(into: &buffer) else { return }
            guard count > 0 else {
                end(with: ["*** the server closed the connection"])
                return
            }
            let reception = session.receive(Array(buffer[..<count]))
            show(reception.lines)
            if let fatal = reception.fatal { end(with: [fatal]) }
        } catch {
            end(with: [TerminalText.sanitized("*** \(error)")])
        }
    }

    private mutating func readInput(into buffer: inout [UInt8]) {
        let count = read(STDIN_FILENO, &buffer, 4096)
        if count < 0, errno == EINTR || errno == EAGAIN { return }
        let (text, events) = count > 0 ? frontEnd.input(Array(buffer[..<count])) : frontEnd.inputEnded()
        if count <= 0 { inputOpen = false }
        output += text
        for event in events {
            switch event {
            case .quit:
                quit()
                return
            case .line(let line):
                switch session.submit(line) {
                case .sent: break
                case .notice(let lines): show(lines)
                case .quit:
                    quit()
                    return
                }
            }
        }
    }

    private mutating func handleSignals() {
        guard let signalPipe else { return }
        for number in SignalPipe.drain(signalPipe) {
            if number == SIGWINCH {
                if let size = RawTerminal.size() { output += frontEnd.resize(columns: size.columns, rows: size.rows) }
            } else {
                quit()
            }
        }
    }

    private mutating func sendQueued() {
        guard !session.outgoing.isEmpty else { return }
        do {
            session.sent(try socket.sendAvailable(session.outgoing, from: 0))
        } catch {
            end(with: [TerminalText.sanitized("*** \(error)")])
        }
    }

    private mutating func flushOutput() {
        guard !output.isEmpty else { return }
        do {
            try RawOutput.write(output)
        } catch {
            // Nowhere left to show anything (the terminal or the pipe is gone): stop.
            finished = true
            status = 1
        }
        output = ""
    }

    private mutating func show(_ lines: [String]) {
        output += frontEnd.show(lines)
    }

    /// The user is leaving: send what is queued, then close.
    private mutating func quit() {
        if quitDeadline == nil { quitDeadline = MonotonicClock.now + Self.lingerSeconds }
    }

    /// The connection is over: show why, and stop with status 1.
    private mutating func end(with lines: [String]) {
        show(lines)
        finished = true
        status = 1
    }
}
