import TernWire

/// Runs a TernWire parser over the bytes of an array, keeping its typed `WireError`
/// (`Array.withUnsafeBytes` would widen it to `any Error`). `body` must not let views of
/// the bytes escape.
func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(WireError) -> T) throws(WireError) -> T {
    let result: Result<T, WireError> = bytes.withUnsafeBytes { raw in
        do throws(WireError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// The outcome of a parse as a value, for comparisons.
func outcome<T>(_ body: () throws(WireError) -> T) -> Result<T, WireError> {
    do throws(WireError) { return .success(try body()) } catch { return .failure(error) }
}
