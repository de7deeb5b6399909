/// `Array.withUnsafeBytes` with the body's typed error kept (the standard library's
/// version rethrows `any Error`).
func withBytes<R, E: Error>(of array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = array.withUnsafeBytes { bytes in
        do throws(E) {
            return .success(try body(bytes))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
