@testable import TernStack
import TernWire

/// Records what a UDP socket hears.
final class UDPRecorder: UDPSocketDelegate {
    var datagrams: [(payload: [UInt8], from: IPAddress)] = []
    var errors: [SocketError] = []
    func udpSocket(_ socket: UDPSocket, didReceive payload: UnsafeRawBufferPointer, from address: IPAddress,
                   port: UInt16) {
        datagrams.append((Array(payload), address))
    }
    func udpSocket(_ socket: UDPSocket, didReceiveError error: SocketError) { errors.append(error) }
}
