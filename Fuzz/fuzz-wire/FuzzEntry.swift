// The TernWire fuzz target. Tools/fuzz.sh builds it with libFuzzer and AddressSanitizer
// (`--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`): libFuzzer then
// supplies `main` and calls this function with every input. A plain build adds the replay
// driver of Replay.swift instead.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    WireFuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
