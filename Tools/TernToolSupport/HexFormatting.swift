/// `0x` and exactly four upper-case hex digits: `0x0FC5`.
public func hex(_ value: UInt16) -> String {
    "0x" + paddedHex(UInt64(value), digits: 4)
}

/// `0x` and exactly eight upper-case hex digits: `0xC633640A`.
public func hex(_ value: UInt32) -> String {
    "0x" + paddedHex(UInt64(value), digits: 8)
}

/// `value` in upper-case hex, left-padded with zeros to `digits`.
public func paddedHex(_ value: UInt64, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}
