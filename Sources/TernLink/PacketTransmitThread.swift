import Glibc

/// Sends a packet socket's batches of frames from a thread of its own.
///
/// On a veth pair the kernel delivers a frame to the receiving host inside the sender's
/// send call: the whole input path of the host at the other end (its TCP receive, the
/// wake-up of its reader) runs in the sending thread. Sending from a thread of its own
/// lets that work run on another core than the daemon's own loop, which meanwhile reads
/// and routes the next frames.
///
/// Two queues take turns: the daemon fills one while the thread sends the other. Handing
/// over waits only while the thread is still busy with the previous batch.
///
/// The thread starts with the first batch handed over, so it is created with the
/// credentials the daemon runs with by then (after it dropped its privileges).
final class PacketTransmitThread: @unchecked Sendable {
    private let descriptor: Int32
    private let interfaceIndex: Int32
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when a batch is handed over, when a batch has been sent, and on stop.
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var thread = pthread_t()
    private var running = false

    // Guarded by `mutex`.
    /// The batch waiting for the thread.
    private var handedOver: PacketTransmitQueue?
    /// The emptied queue the daemon fills next; nil while the thread sends it.
    private var spare: PacketTransmitQueue?
    private var stopping = false
    /// Frames the kernel refused since the last hand-over, and the first refusal's errno.
    private var refused = 0
    private var firstError: Int32 = 0

    private let interface: String

    /// A sender for the socket `descriptor`; its thread starts with the first batch.
    init(descriptor: Int32, interfaceIndex: Int32, maximumFrameSize: Int, interface: String) {
        self.descriptor = descriptor
        self.interface = interface
        self.interfaceIndex = interfaceIndex
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        pthread_cond_init(changed, nil)
        spare = PacketTransmitQueue(maximumFrameSize: maximumFrameSize)
    }

    /// Starts the thread.
    private func start() throws(SystemError) {
        // The thread holds a reference until it ends (`stop()` waits for that).
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let sender = Unmanaged<PacketTransmitThread>.fromOpaque(context!).takeRetainedValue()
            sender.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<PacketTransmitThread>.fromOpaque(context).release()
            throw SystemError(code: result, operation: "interface \(interface): cannot start a thread to send frames")
        }
        running = true
    }

    deinit {
        pthread_cond_destroy(changed)
        changed.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Whether the thread has sent everything handed over: the daemon may then send a
    /// batch itself without overtaking any frame (only the daemon hands batches over).
    var isIdle: Bool {
        guard running else { return true }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return spare != nil && handedOver == nil
    }

    /// Hands the frames in `queue` to the thread and returns an empty queue to fill next,
    /// with the frames the kernel refused from earlier batches and the first refusal's
    /// errno. Waits while the thread still sends the previous batch.
    func submit(_ queue: PacketTransmitQueue) throws(SystemError) -> (empty: PacketTransmitQueue, refused: Int, error: Int32) {
        if !running { try start() }
        pthread_mutex_lock(mutex)
        while spare == nil { pthread_cond_wait(changed, mutex) }
        let empty = spare!
        spare = nil
        handedOver = queue
        let report = (refused, firstError)
        refused = 0
        firstError = 0
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
        return (empty, report.0, report.1)
    }

    /// Lets the thread send what it has, then ends it. The socket must stay open until
    /// this returns.
    func stop() {
        guard running else { return }
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
        running = false
    }

    private func run() {
        pthread_mutex_lock(mutex)
        while true {
            while handedOver == nil && !stopping { pthread_cond_wait(changed, mutex) }
            guard let queue = handedOver else { break }
            handedOver = nil
            pthread_mutex_unlock(mutex)
            let (lost, error) = queue.send(descriptor: descriptor, interfaceIndex: interfaceIndex)
            pthread_mutex_lock(mutex)
            refused += lost
            if firstError == 0 { firstError = error }
            spare = queue
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(mutex)
    }
}
