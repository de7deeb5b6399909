// The chat fuzz target. Tools/fuzz.sh builds it with libFuzzer and AddressSanitizer
// (`-DFUZZING`): libFuzzer then supplies `main` and calls this function with every input
// (ChatScript). A plain build adds the replay driver of Replay.swift instead.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChatInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ChatScript.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
