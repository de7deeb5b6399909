import Glibc
import Testing
import TernLink

@Suite("EventPoller, TerminationSignals, clocks")
struct OperatingSystemTests {
    @Test("the poller reports a readable pipe with its token, and nothing once drained")
    func pollerWithPipe() throws {
        var ends: [Int32] = [-1, -1]
        #expect(makePipe(&ends, nonBlocking: true))
        defer {
            close(ends[0])
            close(ends[1])
        }
        let poller = try EventPoller()
        try poller.add(ends[0], token: 42)
        #expect(try poller.wait(timeoutMilliseconds: 0) == 0)

        var byte: UInt8 = 1
        #expect(write(ends[1], &byte, 1) == 1)
        #expect(try poller.wait(timeoutMilliseconds: -1) == 1)
        let event = poller.readyEvent(at: 0)
        #expect(event.token == 42)
        #expect(event.events.contains(.readable))

        try poller.modify(ends[0], events: .readable, token: 43)
        #expect(try poller.wait(timeoutMilliseconds: 0) == 1)
        #expect(poller.readyEvent(at: 0).token == 43)

        #expect(read(ends[0], &byte, 1) == 1)
        #expect(try poller.wait(timeoutMilliseconds: 0) == 0)

        try poller.remove(ends[0])
        #expect(write(ends[1], &byte, 1) == 1)
        #expect(try poller.wait(timeoutMilliseconds: 0) == 0)
        let error = #expect(throws: SystemError.self) { try poller.remove(ends[0]) }
        #expect(error?.code == ENOENT)
    }

    @Test("timeouts round up to whole milliseconds; no deadline waits indefinitely")
    func timeouts() {
        #expect(EventPoller.timeout(until: nil, now: 5) == -1)
        #expect(EventPoller.timeout(until: 100, now: 200) == 0)
        #expect(EventPoller.timeout(until: 1_000_000, now: 0) == 1)
        #expect(EventPoller.timeout(until: 1_000_001, now: 0) == 2)
        #expect(EventPoller.timeout(until: 1, now: 0) == 1)
        #expect(EventPoller.timeout(until: UInt64.max, now: 0) == Int32.max)
    }

    @Test("SIGTERM arrives as a readable event instead of ending the process")
    func terminationSignal() throws {
        // On a thread of its own: the signal mask it changes is the thread's.
        let observed = try onDedicatedThread { () throws -> (before: Int32?, readable: Int, signal: Int32?, after: Int32?) in
            let signals = try TerminationSignals()
            defer { signals.close() }
            let before = try signals.next()
            let poller = try EventPoller()
            try poller.add(signals.fileDescriptor, token: 1)
            pthread_kill(pthread_self(), SIGTERM)
            let readable = try poller.wait(timeoutMilliseconds: -1)
            return (before, readable, try signals.next(), try signals.next())
        }
        #expect(observed.before == nil)
        #expect(observed.readable == 1)
        #expect(observed.signal == SIGTERM)
        #expect(observed.after == nil)
    }

    @Test("the monotonic clock never goes back; the wall clock is after 2023")
    func clocks() {
        var previous = MonotonicClock.nanoseconds()
        var backwards = 0
        for _ in 0..<1000 {
            let now = MonotonicClock.nanoseconds()
            if now < previous { backwards += 1 }
            previous = now
        }
        #expect(backwards == 0)
        #expect(WallClock.nanosecondsSinceEpoch() > 1_700_000_000 * 1_000_000_000)
    }
}
