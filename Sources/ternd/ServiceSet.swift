import Logging
import TernLink
import TernServices
import TernStack

/// The services running on the virtual host, started from the configuration.
final class ServiceSet {
    private(set) var services: [any HostedService] = []

    /// Binds every service whose port is not 0. HTTP, chat and words are not part of this
    /// build yet: a non-zero port for them gets a warning and no listener, so nothing
    /// pretends to serve.
    init(configuration: DaemonConfiguration, stack: NetworkStack, logger: Logger) throws(StartupError) {
        let backlog = configuration.listenBacklog
        for (name, flag, port) in [("HTTP", "--http-port", configuration.httpPort),
                                   ("chat", "--chat-port", configuration.chatPort),
                                   ("words", "--words-port", configuration.wordsPort)] where port != 0 {
            logger.warning("the \(name) service is not available yet in this build: not listening on port \(port) (\(flag) 0 silences this)")
        }
        do {
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
                var system = SystemRandomNumberGenerator()
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

    func shutdown() {
        for service in services { service.shutdown() }
    }

    var connectionsClosing: Int {
        services.reduce(0) { $0 + $1.connectionsClosing }
    }
}
