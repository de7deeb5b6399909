import Logging
import TernLink
import TernServices
import TernStack

/// The services running on the virtual host, started from the configuration.
final class ServiceSet {
    private(set) var services: [any HostedService] = []

    /// Binds every service whose port is not 0. `webRoot` was opened before privileges
    /// were dropped (nil when HTTP is off).
    init(configuration: DaemonConfiguration, stack: NetworkStack, webRoot: WebRoot?,
         logger: Logger) throws(StartupError) {
        let backlog = configuration.listenBacklog
        var system = SystemRandomNumberGenerator()  // getrandom(2)
        var webLimits = StreamServiceLimits()
        webLimits.maximumConnections = configuration.maxConnections
        do {
            if configuration.httpPort != 0, let webRoot {
                // One line per request: formatted straight into the log buffer, past swift-log.
                let logsRequests = Logger(label: "http").logLevel <= .info
                services.append(try WebService(stack: stack, port: configuration.httpPort, webRoot: webRoot,
                                               backlog: backlog, limits: webLimits) { entry in
                    guard logsRequests else { return }
                    LineLogHandler.writeLine(level: .info, label: "http") { entry.append(to: &$0) }
                })
            }
            if configuration.chatPort != 0 {
                var chatLimits = ChatRoomLimits()
                chatLimits.maximumClients = configuration.maxChatClients
                services.append(try ChatService(stack: stack, port: configuration.chatPort, backlog: backlog,
                                                limits: chatLimits))
            }
            if configuration.wordsPort != 0 {
                services.append(try WordsService(stack: stack, port: configuration.wordsPort, backlog: backlog,
                                                 seed: system.next()))
            }
            if configuration.timePort != 0 {
                services.append(try TimeService(stack: stack, port: configuration.timePort, backlog: backlog) {
                    WallClock.nanosecondsSinceEpoch() / 1_000_000_000
                })
            }
            if configuration.echoPort != 0 {
                services.append(try EchoService(stack: stack, port: configuration.echoPort, backlog: backlog))
            }
            if configuration.discardPort != 0 {
                services.append(try DiscardService(stack: stack, port: configuration.discardPort, backlog: backlog))
            }
            if configuration.chargenPort != 0 {
                services.append(try ChargenService(stack: stack, port: configuration.chargenPort, backlog: backlog,
                                                   seed: system.next()))
            }
        } catch {
            throw StartupError("cannot start a service: \(error)")
        }
    }

    /// "time 37/tcp+udp, echo 7/tcp+udp", or "none".
    var summary: String {
        services.isEmpty ? "none" : services.map(\.summary).joined(separator: ", ")
    }

    /// Gives every service the time (deadlines, the web server's Date header).
    func tick(now: Instant) {
        let unixTime = WallClock.nanosecondsSinceEpoch() / 1_000_000_000
        for service in services { service.tick(now: now, unixTime: unixTime) }
    }

    func releaseUnusedMemory() {
        for service in services { service.releaseUnusedMemory() }
    }

    func shutdown() {
        for service in services { service.shutdown() }
    }

    var connectionsClosing: Int {
        services.reduce(0) { $0 + $1.connectionsClosing }
    }
}
