import Testing

/// The client tools as processes: help, usage errors and bad input, none of which needs a
/// network. (Connections are tested by Tests/Integration/tools in a namespace.)
@Suite("client tools as processes")
struct ClientCommandLineTests {
    @Test("--help exits 0 and shows the usage", arguments: ["tern-chat", "tern-time", "tern-get", "tern-words"])
    func help(_ tool: String) throws {
        let run = try CommandLineTests.run(tool, ["--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("USAGE: \(tool)"))
        #expect(run.output.contains("Exit status:"))
    }

    @Test("usage errors exit 2 with a message and the usage, before any connection", arguments: [
        ("tern-chat", ["bad nick", "127.0.0.1", "3490"], "NICK must not contain spaces"),
        ("tern-chat", ["", "127.0.0.1", "3490"], "NICK must not be empty"),
        ("tern-chat", ["alice", "127.0.0.1", "70000"], "PORT must be a port number from 1 to 65535"),
        ("tern-time", ["--port", "0"], "--port must be a port number"),
        ("tern-time", ["--timeout", "0"], "--timeout must be a number of seconds"),
        ("tern-get", ["127.0.0.1", "http"], "PORT must be a port number from 1 to 65535, not 'http'"),
        ("tern-words", ["127.0.0.1", "7000", "--chunk", "0"], "--chunk must be a read size from 1 to 4096"),
        ("tern-words", ["127.0.0.1", "7000", "--chunk", "4097"], "--chunk must be a read size from 1 to 4096"),
        ("tern-words", ["127.0.0.1"], "Missing expected argument"),
    ])
    func usageErrors(_ tool: String, _ arguments: [String], _ message: String) throws {
        let run = try CommandLineTests.run(tool, arguments)
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.contains(message))
        #expect(run.error.contains("Usage: \(tool)"))
    }

    @Test("a path with a control character: one line on standard error, status 2")
    func badPath() throws {
        let run = try CommandLineTests.run("tern-get", ["127.0.0.1", "80", "/a\u{1}b"])
        #expect(run.status == 2)
        #expect(run.error == "tern-get: the path contains a control character (a line break would end the request line)\n")
    }
}
