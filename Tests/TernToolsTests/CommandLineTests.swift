import Foundation
import Testing

/// Runs the built tools as a user would, for what only a real process shows: exit statuses,
/// which stream a message goes to, and that bad input never ends in a trap.
@Suite("tools as processes")
struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Run {
        let executable = Fixtures.productsDirectory + "/" + tool
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: executable])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: Fixtures.root)
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "\(tool) \(arguments) did not exit normally")
        return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                   error: String(decoding: err, as: UTF8.self))
    }

    @Test("--help exits 0 and shows the usage", arguments: ["tern-checksum", "tern-subnet", "tern-route"])
    func help(_ tool: String) throws {
        let run = try Self.run(tool, ["--help"])
        #expect(run.status == 0)
        #expect(run.output.contains("USAGE: \(tool)"))
        #expect(run.output.contains("Exit status:"))
    }

    @Test("bad input: a one-line message on standard error, status 2, nothing on standard output", arguments: [
        ("tern-subnet", ["300.1.2.3/24"], "tern-subnet: '300.1.2.3' is not an IPv4 address"),
        ("tern-subnet", ["--same", "1.2.3.4", "1.2.3.5", "255.0.255.0"], "tern-subnet: '255.0.255.0' is not a netmask"),
        ("tern-checksum", ["Tests/Data/checksum/pairs/tcp_addrs_0.txt", "/nonexistent"], "tern-checksum: /nonexistent: no such file"),
        ("tern-checksum", ["--pcap", "Package.swift"], "tern-checksum: Package.swift: not a pcap file"),
        ("tern-route", ["Package.swift", "10.0.0.1", "10.0.0.2"], "tern-route: Package.swift: not valid JSON"),
        ("tern-route", ["Tools/tern-route/examples/campus.json", "10.0.0", "10.0.0.2"], "tern-route: '10.0.0' is not an IPv4 address"),
    ])
    func badInput(_ tool: String, _ arguments: [String], _ message: String) throws {
        let run = try Self.run(tool, arguments)
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.hasPrefix(message))
        #expect(run.error.split(separator: "\n").count == 1)
    }

    @Test("usage errors exit 2 with ArgumentParser's message", arguments: [
        ("tern-subnet", ["--bogus", "1.2.3.4/5"]), ("tern-checksum", []), ("tern-route", ["g.json", "10.0.0.1"]),
    ])
    func usageErrors(_ tool: String, _ arguments: [String]) throws {
        let run = try Self.run(tool, arguments)
        #expect(run.status == 2)
        #expect(run.error.contains("Error: "))
        #expect(run.error.contains("Usage: \(tool)"))
    }

    @Test("answers and their statuses")
    func answers() throws {
        let subnet = try Self.run("tern-subnet", ["198.51.100.10/24"])
        #expect(subnet.status == 0 && subnet.output.contains("As a number:  3325256714 = 0xC633640A\n"))
        let different = try Self.run("tern-subnet", ["--same", "198.51.100.10", "198.51.100.200", "/25"])
        #expect(different.status == 0 && different.output.contains("different subnets"))
        let pairs = try Self.run("tern-checksum", ["Tests/Data/checksum/pairs"])
        #expect(pairs.status == 1 && pairs.output.hasSuffix("18 pairs: 9 PASS, 9 FAIL\n"))
        let intact = try Self.run("tern-checksum", ["--pcap", "Tests/Data/checksum/capture.pcap"])
        #expect(intact.status == 0)
        let noPath = try Self.run("tern-route", ["Tools/tern-route/examples/islands.json", "172.16.9.9", "172.31.1.9"])
        #expect(noPath.status == 1 && noPath.output.isEmpty && noPath.error.hasPrefix("tern-route: no path from 172.16.9.9"))
    }
}
