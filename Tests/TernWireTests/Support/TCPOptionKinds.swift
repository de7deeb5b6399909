import TernWire

extension TCPOption {
    /// The option's kind byte, as tshark's `tcp.option_kind` lists it.
    var kind: UInt8 {
        switch self {
        case .endOfOptionList: TCPOptionKind.endOfOptionList
        case .noOperation: TCPOptionKind.noOperation
        case .maximumSegmentSize: TCPOptionKind.maximumSegmentSize
        case .windowScale: TCPOptionKind.windowScale
        case .sackPermitted: TCPOptionKind.sackPermitted
        case .sack: TCPOptionKind.sack
        case .timestamps: TCPOptionKind.timestamps
        case .unknown(let kind, _): kind
        }
    }
}

/// What `TCPOptions.parse` should make of an option list read by `TCPOptionIterator`.
func summary(of options: [TCPOption]) -> TCPOptions {
    var result = TCPOptions()
    for option in options {
        switch option {
        case .maximumSegmentSize(let mss): result.maximumSegmentSize = mss
        case .windowScale(let shift): result.windowScale = shift
        case .sackPermitted: result.sackPermitted = true
        case .timestamps(let ts): result.timestamps = ts
        case .sack(let blocks): for block in blocks { result.sackBlocks.append(block) }
        case .endOfOptionList, .noOperation, .unknown: break
        }
    }
    return result
}

/// Runs `TCPOptionIterator.all` over `bytes`.
func optionList(_ bytes: [UInt8]) throws(WireError) -> [TCPOption] {
    try withBytes(bytes) { raw throws(WireError) in try TCPOptionIterator.all(raw) }
}

/// Runs `TCPOptions.parse` over `bytes`.
func optionSummary(_ bytes: [UInt8]) throws(WireError) -> TCPOptions {
    try withBytes(bytes) { raw throws(WireError) in try TCPOptions.parse(raw) }
}
