/// A command line that parses but does not make sense: the message is the one line the
/// user sees after "ternd: ".
struct UsageError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A failure while setting up or running: logged as one line, exit status 1.
struct StartupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    init(_ error: some Error) {
        description = "\(error)"
    }
}
