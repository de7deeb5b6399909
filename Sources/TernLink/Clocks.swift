import CShims

/// CLOCK_MONOTONIC: for timers and deadlines; it never jumps.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (the boot, on Linux).
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        tern_monotonic_nanoseconds()
    }
}

/// CLOCK_REALTIME: for timestamps people read (capture files, the Time Protocol). It can
/// jump when the system clock is set.
public enum WallClock {
    /// Nanoseconds since 1970-01-01 00:00 UTC.
    @inline(__always)
    public static func nanosecondsSinceEpoch() -> Int64 {
        tern_realtime_nanoseconds()
    }
}
