import FuzzSupport
import TernServices

/// Runs one fuzz input as a chat session: a `ChatRoom` and eight simulated clients whose
/// connections, bytes and reading are taken from the input, driven the way `ChatServer`
/// drives the room.
///
/// The input: `[settings]`, then records `[op]…` where client = op & 7 and kind = (op >> 3) % 6:
/// 0. connect the client (a new connection if it had one);
/// 1. raw bytes `[length] [bytes…]` from the client;
/// 2. a packet `[type] [split] [length] [text…]`: type % 8 picks hello (nick = text), chat,
///    me, private (to the nick of client text[0] & 7, message = the rest), who, join (which
///    clients may not send), an unknown type, or the text itself as the payload; it is framed
///    and arrives in two pieces cut at split;
/// 3. the client reads up to `[n]` × 8 bytes;
/// 4. the client reads everything queued for it;
/// 5. the client disconnects.
///
/// Settings: bit 0 at most 3 clients (else 256); bit 1 at most 300 unsent bytes per client
/// (else 256 KiB); bit 2 packets of at most 64 bytes (else 16 KiB); bit 3 nicks of at most 4
/// bytes (else 32); bit 4 clients read everything as soon as the room queues it.
///
/// Invariants: nothing traps; the client count and each client's unsent bytes stay within
/// their limits; the room agrees with the clients on who is connected; nicks are unique and
/// valid; everything a client reads is a stream of framed JSON objects with a string "type"
/// that decode as server packets, ending at a packet boundary once its queue is empty; a
/// close action carries one framed error packet; the framing decoder yields the same packets
/// whole or byte by byte; JSON and chat packets read back as they were written.
enum ChatScript {
    static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let settings = input.byte()
        let limits = ChatRoomLimits(maximumClients: settings & 1 != 0 ? 3 : 256,
                                    maximumPacketLength: settings & 4 != 0 ? 64 : 16_384,
                                    maximumNickLength: settings & 8 != 0 ? 4 : 32,
                                    maximumUnsentBytes: settings & 2 != 0 ? 300 : 256 * 1024)
        var room = ChatSimulation(limits: limits, eagerReaders: settings & 16 != 0)
        var records = 0
        while !input.isAtEnd && records < 4096 {
            records += 1
            let op = input.byte()
            let client = Int(op & 7)
            switch (op >> 3) % 6 {
            case 0: room.connect(client)
            case 1: room.receive(input.bytes(Int(input.byte())), from: client)
            case 2:
                let type = input.byte()
                let split = Int(input.byte())
                let payload = PacketBuilding.payload(type: type, text: input.bytes(Int(input.byte())), room: room)
                room.receivePacket(payload, split: split, from: client)
            case 3: room.read(client, upTo: Int(input.byte()) * 8)
            case 4: room.read(client, upTo: .max)
            default: room.disconnect(client)
            }
            room.checkInvariants()
        }
        for client in 0..<8 { room.read(client, upTo: .max) }
        room.checkInvariants()
        for client in 0..<8 { room.disconnect(client) }
        require(room.clientCount == 0, "\(room.clientCount) clients remain after all disconnected")
    }
}
