import Glibc
import TernToolSupport
import Testing
@testable import tern_time

@Suite("tern-time: reading and printing the time")
struct TimeToolTests {
    @Test("the system time counts from 1900 and wraps modulo 2^32", arguments: [
        (Int64(0), UInt32(2_208_988_800)),
        (Int64(1_700_000_000), UInt32(3_908_988_800)),
        (Int64(2_085_978_495), UInt32.max),
        (Int64(2_085_978_496), UInt32(0)),
        (Int64(2_085_978_497), UInt32(1)),
    ])
    func systemTime(_ unix: Int64, _ expected: UInt32) {
        #expect(TimeReply.systemTime(unixTime: unix) == expected)
    }

    @Test("a reply is four bytes, big-endian")
    func replyValue() {
        #expect(TimeReply.value(of: [0xE9, 0x00, 0xB5, 0x00]) == 0xE900_B500)
        #expect(TimeReply.value(of: [0, 0, 0, 1]) == 1)
        #expect(TimeReply.value(of: [1, 2, 3]) == nil)
        #expect(TimeReply.value(of: [1, 2, 3, 4, 5]) == nil)
    }

    @Test("the report: two lines to compare")
    func report() {
        #expect(TimeReply.report(server: 3_908_988_800, system: 3_908_988_801)
            == ["Server time: 3908988800", "System time: 3908988801"])
    }

    /// `TimeQuery.read` on a socket pair whose other end sends `bytes` and closes.
    static func read(_ bytes: [UInt8]) throws -> Result<UInt32, ToolFailure> {
        let (client, server) = try SocketPairs.make()
        SocketPairs.serve(server, bytes, pieceSize: 1)
        do {
            return .success(try TimeQuery.read(from: client, timeout: 30))
        } catch {
            return .failure(error)
        }
    }

    @Test("over TCP: four bytes, even one at a time, then the close")
    func streamReply() throws {
        #expect(try Self.read([0xE9, 0x00, 0xB5, 0x00]) == .success(0xE900_B500))
    }

    @Test("over TCP: too few or too many bytes are reported, status 1")
    func badStreamReplies() throws {
        #expect(try Self.read([0xE9, 0x00]) == .failure(ToolFailure("the server closed the connection after 2 of 4 bytes", status: 1)))
        #expect(try Self.read([]) == .failure(ToolFailure("the server closed the connection after 0 of 4 bytes", status: 1)))
        guard case .failure(let failure) = try Self.read(Array("HTTP/1.1 400 Bad Request\r\n".utf8)) else {
            Issue.record("a long reply was taken for a time")
            return
        }
        #expect(failure.status == 1 && failure.message.contains("a time reply is 4 bytes"))
    }

    @Test("over TCP: a silent server times out")
    func silentServer() throws {
        let (client, server) = try SocketPairs.make()
        defer { close(server) }
        #expect(throws: ToolFailure("test peer: the server sent nothing for 0.25 s", status: 1)) {
            try TimeQuery.read(from: client, timeout: 0.25)
        }
    }
}
