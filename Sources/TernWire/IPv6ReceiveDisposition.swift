extension IPv6Packet {
    /// What the destination of this packet does with its headers (RFC 8200 §4, RFC 5095,
    /// RFC 7112), and the chain when it goes on:
    ///
    /// - a chain that does not walk (`IPv6HeaderChain.walk`) is dropped, or answered with
    ///   the parameter problem the walk names;
    /// - in each options header, the first option that is neither padding nor recognised
    ///   decides by its action bits;
    /// - a routing header with segments left is refused (Tern implements no routing type;
    ///   RFC 5095 forbids type 0);
    /// - an upper layer the node does not know is answered with "unrecognised next header",
    ///   pointing at the field that named it.
    ///
    /// In a fragment, only the headers before the fragment header are processed: the rest
    /// belongs to the reassembled packet, which is judged again. Structural faults anywhere
    /// in the chain are found before the options of earlier headers are looked at.
    public func receiverDisposition(recognizesOption: (UInt8) -> Bool = { $0 == IPv6OptionType.routerAlert },
                                    knowsUpperLayer: (IPProtocol) -> Bool)
        -> (disposition: IPv6HeaderDisposition, chain: IPv6HeaderChain?) {
        let chain: IPv6HeaderChain
        do {
            chain = try headerChain()
        } catch {
            guard let code = error.parameterProblem else { return (.discard, nil) }
            return (.discardAndReport(code: code, pointer: error.pointer), nil)
        }
        let fragmented = chain.fragment?.isFragment == true
        for entry in chain.headers {
            if fragmented && entry.type == .fragment { return (.process, chain) }
            let pointer = IPv6Header.size + entry.offset
            let disposition: IPv6HeaderDisposition
            switch entry.type {
            case .hopByHopOptions, .destinationOptions:
                let length = (Int(payload.u8(entry.offset + 1)) + 1) * 8
                let header = payload.view(entry.offset..<entry.offset + length)
                do {
                    disposition = try IPv6OptionIterator.disposition(
                        header: header, headerPointer: pointer, destinationIsMulticast: self.header.destination.isMulticast,
                        recognizes: recognizesOption)
                } catch {
                    // The walk has checked every options area already.
                    disposition = .discard
                }
            case .routing:
                disposition = chain.routing?.disposition(headerPointer: pointer) ?? .process
            default:
                disposition = .process
            }
            if disposition != .process { return (disposition, chain) }
        }
        if chain.upperLayer != .noNextHeader && !knowsUpperLayer(chain.upperLayer) {
            return (.discardAndReport(code: .unrecognizedNextHeader, pointer: chain.upperLayerPointer), chain)
        }
        return (.process, chain)
    }
}
