import TernWire

/// Receive-buffer growth: a connection starts with `TCPConfiguration.receiveBufferSize` and
/// doubles its buffer, up to `maximumReceiveBufferSize`, when the window is what holds the
/// sender back: the peer sent up to the right edge we advertised, and the application then
/// read the buffer down to a quarter, so it is not the reader that is slow.
///
/// The case that matters most is loss recovery on a fast link. The data that arrived behind
/// a hole fills the buffer until the retransmission arrives, so the right edge of the window
/// stands still; a sender that has sent up to it has nothing new to send, and when its
/// retransmission is lost too, no later segment's SACK can reveal that: it waits for its
/// retransmission timeout (200 ms on Linux). With 1 % of frames dropped, a 256 KiB window
/// held a Linux sender to a fifth of its loss-free rate; a few MiB let it keep sending, as
/// Linux's own receive-buffer autotuning does.
extension TCPConnection {
    /// Notes whether data accepted up to `end` reached the right edge we advertised.
    func noteWindowUse(dataEnd end: SequenceNumber) {
        if end + layer.ourMSS > advertisedEdge && receiveBuffer.capacity < layer.configuration.maximumReceiveBufferSize {
            peerFilledWindow = true
        }
    }

    /// After a read: doubles the buffer when the peer filled the window and the application
    /// has read all but a quarter of it. The growth comes out of the stack-wide
    /// `receiveBufferGrowthLimit`; the caller announces the wider window.
    func growReceiveBufferIfLimiting() {
        guard peerFilledWindow else { return }
        let capacity = receiveBuffer.capacity
        guard receiveBuffer.count <= capacity / 4 else { return }
        peerFilledWindow = false
        let configuration = layer.configuration
        let grown = min(2 * capacity, configuration.maximumReceiveBufferSize)
        let extra = grown - capacity
        guard extra > 0, layer.receiveBufferGrowth + extra <= configuration.receiveBufferGrowthLimit else { return }
        receiveBuffer.grow(to: grown)
        outOfOrder.limit = TCPConnection.rangeLimit(bufferSize: grown, configuration: configuration)
        receiveBufferGrowth += extra
        layer.receiveBufferGrowth += extra
        layer.count(.tcpReceiveBufferGrowths)
    }

    /// Gives the growth back to the stack-wide allowance: the connection is over.
    func returnReceiveBufferGrowth() {
        layer.receiveBufferGrowth -= receiveBufferGrowth
        receiveBufferGrowth = 0
    }
}
