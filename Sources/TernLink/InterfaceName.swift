import CShims
import Glibc

/// Checks an interface name the way the kernel will (1–15 bytes, no '/', no whitespace, no
/// NUL) so the error can say what is wrong with it instead of a bare EINVAL.
func validateInterfaceName(_ name: String, for operation: String) throws(SystemError) {
    let bytes = Array(name.utf8)
    let maximum = Int(TERN_IFNAMSIZ) - 1
    guard !bytes.isEmpty, bytes.count <= maximum else {
        throw SystemError(code: EINVAL, operation: operation,
                          hint: "an interface name is 1–\(maximum) bytes long")
    }
    let forbidden: Set<UInt8> = [0, UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: " "),
                                 UInt8(ascii: "\t"), UInt8(ascii: "\n")]
    guard !bytes.contains(where: { forbidden.contains($0) }), name != ".", name != ".." else {
        throw SystemError(code: EINVAL, operation: operation,
                          hint: "an interface name cannot contain '/', ':', NUL or whitespace")
    }
}

/// The step a shim function reports on failure, as a Swift string.
func stepName(_ step: UnsafePointer<CChar>?) -> String {
    step.map { String(cString: $0) } ?? "setup"
}
