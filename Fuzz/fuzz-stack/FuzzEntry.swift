// The engine fuzz target. Tools/fuzz.sh builds it with libFuzzer and AddressSanitizer
// (`-DFUZZING`): libFuzzer then supplies `main` and calls this function with every input,
// which runs as a script against a fresh engine (StackScript). A plain build adds the
// replay driver of Replay.swift instead.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStackInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    StackScript.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
