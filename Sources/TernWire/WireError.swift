/// Why a frame or header could not be parsed or built.
///
/// Every parser in TernWire reports failure with one of these instead of trapping, so the
/// stack can count each kind of malformed input separately.
public enum WireError: Error, Equatable, Sendable {
    /// Fewer bytes than the header (or the length it declares) needs.
    case truncated
    /// A version, header length or type field holds a value the format does not allow.
    case malformed
    /// A length field disagrees with the bytes present or with another field.
    case badLength
    /// An option's length byte is impossible (below 2, beyond the options area, or wrong for its kind).
    case badOption
    /// A well-formed header of a kind this codec does not handle (e.g. non-Ethernet ARP).
    case unsupported
    /// The destination buffer is too small for what is being built.
    case bufferTooSmall
}
