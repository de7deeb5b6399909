import TernStack

/// The chat service (SPEC §3.4) on the stack's socket API: binds `ChatRoom`, which holds
/// all the chat logic, to the accepted TCP connections.
public final class ChatServer: TCPListenerDelegate {
    /// One chat connection.
    final class Client: TCPConnectionDelegate {
        unowned let server: ChatServer
        let id: ChatClientID
        let socket: TCPConnection
        /// When the connection was accepted (to the second of the last tick).
        let connected: Instant

        init(server: ChatServer, id: ChatClientID, socket: TCPConnection, connected: Instant) {
            self.server = server
            self.id = id
            self.socket = socket
            self.connected = connected
        }

        func connectionDidReceive(_ connection: TCPConnection) { server.readFrom(self) }
        func connectionCanSend(_ connection: TCPConnection) { server.drain(self) }
        func connectionDidClose(_ connection: TCPConnection, error: SocketError?) { server.disconnected(self) }
    }

    public let listener: TCPListener
    /// A client that has not said hello this long after connecting is told so and closed:
    /// silent connections cannot fill the room.
    public var helloTimeout: Duration = .seconds(30)
    private var room: ChatRoom
    /// The time of the last tick.
    private var now = Instant.zero
    private var clients: [ChatClientID: Client] = [:]
    private var nextID: UInt64 = 1

    public init(listener: TCPListener, limits: ChatRoomLimits = ChatRoomLimits()) {
        self.listener = listener
        self.room = ChatRoom(limits: limits)
        listener.delegate = self
    }

    /// Clients connected (with or without a hello).
    public var clientCount: Int { clients.count }

    public func listenerHasConnections(_ listener: TCPListener) {
        while let socket = listener.accept() {
            let client = Client(server: self, id: ChatClientID(nextID), socket: socket, connected: now)
            nextID += 1
            clients[client.id] = client
            socket.delegate = client
            socket.noDelay = true
            perform(room.clientConnected(client.id))
            if clients[client.id] != nil { readFrom(client) }
        }
    }

    private func readFrom(_ client: Client) {
        while clients[client.id] != nil {
            var actions: [ChatRoomAction] = []
            let n = client.socket.read { bytes in
                actions = room.received(bytes, from: client.id)
                return bytes.count
            }
            perform(actions)
            if n == 0 { break }
        }
        if clients[client.id] != nil && client.socket.isEndOfStream {
            forget(client.id)
            client.socket.close()
        }
    }

    private func drain(_ client: Client) {
        _ = room.drainOutput(for: client.id) { bytes in client.socket.send(bytes) }
    }

    private func disconnected(_ client: Client) {
        guard clients[client.id] != nil else { return }
        forget(client.id)
    }

    /// Removes a client from the room (which tells the others it left) and from the table.
    private func forget(_ id: ChatClientID) {
        clients[id] = nil
        perform(room.clientDisconnected(id))
    }

    private func perform(_ actions: [ChatRoomAction]) {
        for action in actions {
            switch action {
            case .flush(let id):
                if let client = clients[id] { drain(client) }
            case .close(let id, let finalBytes):
                guard let client = clients.removeValue(forKey: id) else { continue }
                _ = finalBytes.withUnsafeBytes { client.socket.send($0) }
                // The client may have sent more already (a refused client's hello often
                // arrives with the handshake, before it is even accepted), or send more while
                // the error is on its way: a plain close would answer that with a reset, and
                // the reset would destroy the error before the client read it.
                client.socket.closeDiscardingInput()
            case .abort(let id):
                clients.removeValue(forKey: id)?.socket.abort()
            }
        }
    }

    /// Applies the hello timeout; the daemon calls it about once a second.
    public func tick(now: Instant) {
        self.now = now
        for client in Array(clients.values) where room.nick(of: client.id) == nil
            && now > client.connected + helloTimeout {
            clients[client.id] = nil
            perform(room.clientDisconnected(client.id))
            let packet = ChatRoom.errorPacket("no hello within \(helloTimeout.components.seconds) seconds")
            _ = packet.withUnsafeBytes { client.socket.send($0) }
            client.socket.closeDiscardingInput()
        }
    }

    /// Gives back the client tables' room for a past crowd.
    public func releaseUnusedMemory() {
        clients.releaseExcessCapacity()
        room.releaseUnusedMemory()
        closing.removeAll { !$0.hasUnacknowledgedOutput }
        closing.releaseExcessCapacityIfEmpty()
    }

    /// Closes every connection politely and stops listening.
    public func closeAll() {
        listener.close()
        for client in Array(clients.values) {
            clients[client.id] = nil
            closing.append(client.socket)
            client.socket.closeDiscardingInput()
        }
    }

    /// Connections closed at shutdown, kept until their FIN is acknowledged.
    private var closing: [TCPConnection] = []

    /// Connections whose data or FIN the peer has not acknowledged yet.
    public var connectionsClosing: Int {
        closing.removeAll { !$0.hasUnacknowledgedOutput }
        return closing.count + clients.values.reduce(0) { $0 + ($1.socket.hasUnacknowledgedOutput ? 1 : 0) }
    }
}
