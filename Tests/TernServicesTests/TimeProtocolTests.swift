import Testing
@testable import TernServices

@Suite struct TimeProtocolTests {
    @Test func unixEpochIsTheOffset() {
        #expect(TimeProtocol.timeValue(unixTime: 0) == 2_208_988_800)
    }

    @Test func knownDate() {
        // 2024-01-01 00:00:00 UTC
        #expect(TimeProtocol.timeValue(unixTime: 1_704_067_200) == 3_913_056_000)
    }

    @Test func wrapsIn2036() {
        // 2036-02-07 06:28:15 is the last second before the 32-bit value wraps.
        #expect(TimeProtocol.timeValue(unixTime: 2_085_978_495) == UInt32.max)
        #expect(TimeProtocol.timeValue(unixTime: 2_085_978_496) == 0)
        #expect(TimeProtocol.timeValue(unixTime: 2_085_978_497) == 1)
    }

    @Test func beforeNineteenHundredWrapsToo() {
        #expect(TimeProtocol.timeValue(unixTime: -2_208_988_800) == 0)
        #expect(TimeProtocol.timeValue(unixTime: -2_208_988_801) == UInt32.max)
    }

    @Test func extremeInputsDoNotTrap() {
        _ = TimeProtocol.timeValue(unixTime: .max)
        _ = TimeProtocol.timeValue(unixTime: .min)
        #expect(TimeProtocol.timeValue(unixTime: .max) == UInt32(truncatingIfNeeded: Int64.max &+ 2_208_988_800))
    }

    @Test func encodedBigEndian() {
        #expect(TimeProtocol.encoded(unixTime: 0) == [0x83, 0xAA, 0x7E, 0x80])
    }
}
