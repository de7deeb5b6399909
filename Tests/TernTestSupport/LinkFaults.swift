import TernWire

/// Faults on one direction of a simulated link: frames dropped, corrupted, reordered and
/// duplicated with fixed probabilities, every decision drawn from a seeded generator, so
/// the same seed and the same traffic give the same faults on every run.
///
/// Per frame, in order: drop (nothing else happens); corrupt (one random bit after the
/// Ethernet header flips); reorder (when no frame is held back already, this one is, and
/// it follows the next frame that passes); duplicate (the frame passes twice). A held
/// frame stays held until another frame passes in its direction.
public final class LinkFaults {
    public let drop: Double
    public let duplicate: Double
    public let reorder: Double
    public let corrupt: Double
    /// What was done so far.
    public private(set) var frames: UInt64 = 0
    public private(set) var dropped: UInt64 = 0
    public private(set) var corrupted: UInt64 = 0
    public private(set) var reordered: UInt64 = 0
    public private(set) var duplicated: UInt64 = 0

    private var generator: SeededRandom
    private var held: [UInt8]?

    /// Probabilities between 0 and 1.
    public init(drop: Double = 0, duplicate: Double = 0, reorder: Double = 0, corrupt: Double = 0, seed: UInt64) {
        precondition([drop, duplicate, reorder, corrupt].allSatisfy { (0...1).contains($0) }, "a probability")
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.corrupt = corrupt
        generator = SeededRandom(seed: seed)
    }

    /// Decides the fate of `frame`; appends what comes out, in order, to `output`.
    func process(_ frame: [UInt8], into output: inout [[UInt8]]) {
        frames += 1
        if generator.chance(drop) {
            dropped += 1
            return
        }
        if generator.chance(corrupt), frame.count > EthernetHeader.size {
            let bits = UInt64(frame.count - EthernetHeader.size) * 8
            let bit = Int(generator.nextValue(below: bits)) + EthernetHeader.size * 8
            var copy = frame
            copy[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            corrupted += 1
            output.append(copy)
        } else if held == nil && generator.chance(reorder) {
            held = frame
            reordered += 1
            return
        } else if generator.chance(duplicate) {
            duplicated += 1
            output.append(frame)
            output.append(frame)
        } else {
            output.append(frame)
        }
        if let late = held {
            output.append(late)
            held = nil
        }
    }
}
