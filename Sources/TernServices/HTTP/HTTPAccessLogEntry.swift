/// One access-log record, produced when a response is finished (or cut short).
public struct HTTPAccessLogEntry: Equatable, Sendable, CustomStringConvertible {
    /// `-` when the request could not be parsed.
    public var method: String
    /// The request-target as sent (visible ASCII only), `-` when unparsed.
    public var target: String
    /// `-` when unparsed.
    public var version: String
    public var status: Int
    /// Body bytes handed to the socket (headers not counted, as in the common log format).
    public var bodyBytesSent: Int64
    /// False when the connection ended before the whole response was sent.
    public var completed: Bool

    public init(method: String, target: String, version: String, status: Int,
                bodyBytesSent: Int64, completed: Bool) {
        self.method = method
        self.target = target
        self.version = version
        self.status = status
        self.bodyBytesSent = bodyBytesSent
        self.completed = completed
    }

    /// `GET /index.html HTTP/1.1 200 1234`, plus ` (incomplete)` when cut short.
    public var description: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `description`'s bytes, without building a String on the way.
    public func append(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: method.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: target.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: version.utf8)
        bytes.append(UInt8(ascii: " "))
        Self.appendDecimal(Int64(status), to: &bytes)
        bytes.append(UInt8(ascii: " "))
        Self.appendDecimal(bodyBytesSent, to: &bytes)
        if !completed { bytes.append(contentsOf: " (incomplete)".utf8) }
    }

    private static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }
}
