import Foundation
import Glibc
import TernToolSupport

/// Connected socket pairs for the client tools' tests: the tool's side as a `ClientSocket`,
/// the other end a descriptor the test plays the server on. No network is involved.
enum SocketPairs {
    struct Failure: Error {}

    /// A connected stream pair.
    static func make() throws -> (client: ClientSocket, server: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0 else { throw Failure() }
        return (ClientSocket(adopting: descriptors[0], endpoint: "test peer"), descriptors[1])
    }

    /// Writes `bytes` to `descriptor` from another thread, `pieceSize` bytes per write, then
    /// closes it (when `close` is true): a server sending a stream in small segments.
    static func serve(_ descriptor: Int32, _ bytes: [UInt8], pieceSize: Int, close: Bool = true) {
        Thread.detachNewThread {
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + max(pieceSize, 1), bytes.count)
                // MSG_NOSIGNAL: the tool may close its end first, which must not kill the test run.
                let written = bytes[offset..<end].withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                guard written > 0 else { break }
                offset += written
            }
            if close { _ = Glibc.close(descriptor) }
        }
    }
}
