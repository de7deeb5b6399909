import Testing
@testable import TernStack
import TernLink
import TernTestSupport
import TernWire

@Suite("TCP engine to engine")
struct TCPTransferTests {
    /// Transfers `size` bytes each way at once over one connection; returns the network for inspection.
    func transfer(size: Int, faults: FaultProfile, seed: UInt64, limit: Duration) throws
        -> (StackNetwork, BulkEndpoint, BulkEndpoint, Bool) {
        let network = try StackNetwork.twoStacks(faults: faults, seed: seed)
        let server = BulkEndpoint(total: size, sendSeed: 0xB0, receiveSeed: 0xA0)
        let client = BulkEndpoint(total: size, sendSeed: 0xA0, receiveSeed: 0xB0)
        let listener = try network.b.listenTCP(port: 9000)
        listener.delegate = server
        let connection = try network.a.connectTCP(to: StackNetwork.addressB, port: 9000)
        client.attach(connection)
        let finished = network.run(for: limit) { client.isDone && server.isDone }
        return (network, client, server, finished)
    }

    @Test("10 MB each way over a clean link, byte-exact")
    func cleanLink() throws {
        let size = 10_000_000
        let (network, client, server, finished) = try transfer(size: size, faults: .none, seed: 1, limit: .seconds(120))
        #expect(finished)
        #expect(client.received == size && server.received == size)
        #expect(client.mismatches == 0 && server.mismatches == 0)
        #expect(network.a.counters[.tcpRetransmissions] == 0)
        #expect(network.b.counters[.tcpRetransmissions] == 0)
        // Both sides closed their halves; the connection ends in TIME-WAIT on one side.
        network.run(for: .seconds(10)) { network.a.tcpConnectionCount == 0 && network.b.tcpConnectionCount == 0 }
        #expect(network.a.tcpConnectionCount == 0 && network.b.tcpConnectionCount == 0)
    }

    @Test("10 MB each way with 10% drop, 5% duplication, 5% reordering and 1% corruption", arguments: [UInt64(7), 8])
    func lossyLink(seed: UInt64) throws {
        let size = 10_000_000
        let faults = try FaultProfile(drop: 0.10, duplicate: 0.05, reorder: 0.05, corrupt: 0.01)
        let (network, client, server, finished) = try transfer(size: size, faults: faults, seed: seed, limit: .seconds(3600))
        #expect(finished)
        #expect(client.received == size && server.received == size)
        #expect(client.mismatches == 0 && server.mismatches == 0)
        let injected = network.linkFaults
        try #require(injected.count == 2)
        let dropped = injected[0].dropped + injected[1].dropped
        let corrupted = injected[0].corrupted + injected[1].corrupted
        let retransmissions = network.a.counters[.tcpRetransmissions] + network.b.counters[.tcpRetransmissions]
        let segments = network.a.counters[.tcpSegmentsSent] + network.b.counters[.tcpSegmentsSent]
        let badChecksums = network.a.counters[.tcpBadChecksum] + network.b.counters[.tcpBadChecksum]
            + network.a.counters[.ipBadChecksum] + network.b.counters[.ipBadChecksum]
        // Every lost or corrupted data segment costs at least one retransmission; a sane
        // sender needs not many more than that.
        #expect(retransmissions > 0)
        #expect(Double(retransmissions) < 3.0 * Double(dropped + corrupted),
                "retransmissions \(retransmissions) for \(dropped) drops and \(corrupted) corruptions")
        #expect(badChecksums > 0, "corrupted frames are caught by checksums")
        print("lossy seed \(seed): segments \(segments), dropped \(dropped), corrupted \(corrupted), retransmissions \(retransmissions), timeouts \(network.a.counters[.tcpTimeouts] + network.b.counters[.tcpTimeouts]), fast retransmits \(network.a.counters[.tcpFastRetransmits] + network.b.counters[.tcpFastRetransmits]), virtual time \(network.now)")
    }
}
