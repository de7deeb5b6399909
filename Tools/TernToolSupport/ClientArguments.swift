import ArgumentParser

/// Checks of the arguments every network client takes, with messages that say what a valid
/// value looks like.
public enum ClientArguments {
    /// A port number: 1…65,535.
    public static func port(_ value: Int, name: String = "PORT") throws -> UInt16 {
        guard (1...65_535).contains(value) else {
            throw ValidationError("\(name) must be a port number from 1 to 65535, not \(value).")
        }
        return UInt16(value)
    }

    /// A timeout in seconds: more than 0, at most an hour.
    public static func timeout(_ value: Double, name: String = "--timeout") throws -> Double {
        guard value.isFinite, value > 0, value <= 3600 else {
            throw ValidationError("\(name) must be a number of seconds above 0 and at most 3600.")
        }
        return value
    }
}
